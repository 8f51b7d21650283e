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
    unit_cells: list[str]           # UNIT_COLUMNS cells
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


def unit_cells(index: int, row: RosterRow) -> list[str]:
    roster = row.roster
    if roster is None:
        return [str(index), row.unit.name, "", "（未填报）", "", "", "", ""]
    return [str(index), row.unit.name, roster.section, roster.leader_name, roster.leader_position,
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
