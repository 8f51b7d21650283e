"""The roster as the seed's 附件4 (政务信息员统计表) lays it out: its columns under a two-level header and
each unit as rows of cell text, one row per liaison officer. What the .xlsx (export.py) and the PDF
(templates/pdf/roster.html) both print, so the two cannot drift apart."""
from dataclasses import dataclass
from datetime import datetime

from .services import RosterRow

# (group header or None, column header, width in characters): a None group spans both header rows.
COLUMNS = [
    (None, "序号", 6),
    (None, "单位", 24),
    (None, "对口科室", 16),
    ("分管领导", "姓名", 10),
    ("分管领导", "职务", 14),
    ("分管领导", "手机", 14),
    ("分管领导", "办公电话", 16),
    ("分管领导", "电子邮箱", 24),
    ("信息员", "姓名", 10),
    ("信息员", "职务", 14),
    ("信息员", "专职/兼职", 10),
    ("信息员", "手机", 14),
    ("信息员", "办公电话", 16),
    ("信息员", "电子邮箱", 24),
]
# Columns 1-8 belong to the unit (one cell down all its officers), 9-14 to each officer.
UNIT_COLUMNS = 8
# 1-based columns printed centred (序号, the leader's and the officer's name, 专职/兼职).
CENTRED_COLUMNS = (1, 4, 9, 11)


@dataclass
class RosterGroup:
    unit_cells: list[str | int]     # UNIT_COLUMNS cells; 序号 a number (the .xlsx keeps it one)
    officer_cells: list[list[str]]  # one list per officer (at least one, maybe empty cells)


def header_groups() -> list[tuple[str, int, bool]]:
    """The first header row: (text, columns spanned, is a group); a column without a group is its own
    header, spanning both rows."""
    groups: list[tuple[str, int, bool]] = []
    for group, header, _width in COLUMNS:
        if group is not None and groups and groups[-1][2] and groups[-1][0] == group:
            groups[-1] = (group, groups[-1][1] + 1, True)
        else:
            groups.append((group or header, 1, group is not None))
    return groups


def unit_cells(index: int, row: RosterRow) -> list[str | int]:
    roster = row.roster
    if roster is None:
        return [index, row.unit.name, "", "（未填报）", "", "", "", ""]
    return [index, row.unit.name, roster.section, roster.leader_name, roster.leader_position,
            roster.leader_mobile, roster.leader_phone, roster.leader_email]


def officer_cells(officer) -> list[str]:
    if officer is None:
        return [""] * (len(COLUMNS) - UNIT_COLUMNS)
    return [officer.name, officer.position, officer.employment_name, officer.mobile, officer.office_phone,
            officer.email]


def roster_table(rows: list[RosterRow]) -> list[RosterGroup]:
    return [RosterGroup(unit_cells(index, row), [officer_cells(officer) for officer in row.officers or [None]])
            for index, row in enumerate(rows, start=1)]


def roster_filename(local_now: datetime, extension: str) -> str:
    return f"信息员统计表-{local_now:%Y%m%d}.{extension}"


def email_breaks(address: str) -> str:
    """An e-mail address that may wrap only after its "@" and its dots (a zero-width space there), never
    inside a word."""
    return address.replace("@", "@\u200b").replace(".", ".\u200b")


# The printed table (landscape A4 less 20 mm margins) in half-widths of its 9pt (小五) text, with each
# cell's 2pt paddings; columns that may wrap (单位, 对口科室) take at most this many.
ROSTER_WIDTH_PT = (297 - 40) * 72 / 25.4
ROSTER_FONT_PT = 9.0
WRAPPING = {2: 20, 3: 12}  # 1-based column: the most half-widths it takes before wrapping


def _half_widths(text) -> float:
    # Latin letters and digits of the serif face: a little over half a CJK character ("@" and "m" more).
    return sum(2 if ord(char) >= 0x2E80 else 1.8 if char in "@mwMW" else 1.2 for char in str(text))


def column_widths(table: list[RosterGroup]) -> tuple[float, list[float]]:
    """(font size, each column's width in points) from the content: every column as wide as its widest
    cell (headers included), the wrapping ones capped; e-mail addresses and phone numbers stay whole.
    When the table is wider than the page the font shrinks; spare room goes to the wrapping columns."""
    widest = [_half_widths(header) for _group, header, _width in COLUMNS]
    for group in table:
        for cells in group.officer_cells:
            for index, cell in enumerate([*group.unit_cells, *cells]):
                widest[index] = max(widest[index], _half_widths(cell))
    halves = [min(width, WRAPPING.get(number, width)) for number, width in enumerate(widest, start=1)]
    padding = 4 + 1  # 2pt either side and the rule, in points
    font = min(ROSTER_FONT_PT, (ROSTER_WIDTH_PT - padding * len(COLUMNS)) / sum(halves) * 2)
    widths = [half * font / 2 + padding for half in halves]
    spare = ROSTER_WIDTH_PT - sum(widths)
    for number in WRAPPING:
        widths[number - 1] += spare / len(WRAPPING)
    return round(font, 2), [round(width, 2) for width in widths]
