"""The ranking table as the spreadsheet (export.py) and the PDF (templates/pdf/bulletin.html) both
print it: the same columns and values, from the bulletin's figures alone, so the two cannot drift."""
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable


@dataclass(frozen=True)
class Column:
    header: str  # the spreadsheet's header, one row
    width: int   # in characters, for the spreadsheet
    value: Callable[[dict], object]
    # The printed table's narrower header: a short text, under a group header spanning its neighbours.
    short: str = ""
    group: str | None = None


def _number(value: str | int | None):
    """Figures stay numbers (a spreadsheet sums them); a missing score (the rule set could not score) is None."""
    if value is None:
        return None
    return value if isinstance(value, int) else Decimal(value)


SUBMITTED = "报送（篇）"
ADOPTED = "采用（篇次）"
PARTS = "本期得分构成（分）"
# The parts of 本期得分 (bulletins.services.POINT_PARTS) as printed: each row's parts add up to its 本期得分.
PART_HEADERS = {
    "adoption": ("采用得分", "采用"),
    "instruction": ("批示得分", "批示"),
    "feedback": ("批示反馈得分", "反馈"),
    "solicitation": ("约稿得分", "约稿"),
    "quota_bonus": ("超额报送得分", "超额"),
    "quota_shortfall": ("未完成任务扣分", "任务扣分"),
}


def ranking_columns(doc: dict) -> list[Column]:
    """Per unit: rank, name, items submitted / late / invalid (篇), adoptions by issuing body and in all
    (篇次), every part of the points in the window and their sum (本期得分), 补录 of earlier windows,
    cumulative raw and final. A bulletin published before parts were frozen prints its old columns."""
    adoption = [Column(f"{body['name']}采用", 10, lambda line, key=body["key"]: line["adopted"].get(key, 0),
                       body["name"], ADOPTED) for body in doc["bodies"]]
    if "parts" in doc["totals"]:
        points = [
            *(Column(header, 10, lambda line, key=key: _number(line["parts"][key]), short, PARTS)
              for key, (header, short) in PART_HEADERS.items()),
            Column("本期得分", 9, lambda line: _number(line["points"]), "合计", PARTS),
            Column("补录前期得分", 10, lambda line: _number(line["backfill"]), "补录"),
        ]
    else:
        points = [
            Column("领导批示", 8, lambda line: line["instructions"], "批示"),
            Column("约稿按时回复", 10, lambda line: line["solicitations"], "约稿"),
            Column("未完成任务扣分", 10, lambda line: _number(line["shortfall_points"]), "任务扣分"),
            Column("本期得分", 9, lambda line: _number(line["points"])),
        ]
    # 分类排位: each tier's table ranks its units among themselves
    rank = "tier_rank" if doc.get("tiers") else "rank"
    return [
        Column("排名", 6, lambda line: line.get(rank)),
        Column("单位", 22, lambda line: line.get("name", "合计")),
        Column("报送", 7, lambda line: line["submitted"], "报送", SUBMITTED),
        Column("逾时", 7, lambda line: line["late"], "逾时", SUBMITTED),
        Column("不计分", 7, lambda line: line["invalid"], "不计分", SUBMITTED),
        *adoption,
        Column("采用合计", 8, lambda line: line["adopted_total"], "合计", ADOPTED),
        *points,
        Column("累计原始分", 10, lambda line: _number(line.get("raw"))),
        Column("最终得分", 9, lambda line: _number(line.get("final"))),
    ]


@dataclass
class HeaderCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


def print_header(columns: list[Column]) -> tuple[list[HeaderCell], list[str]]:
    """The printed table's two header rows: a column without a group spans both; a group's columns sit
    under one cell spanning them."""
    first: list[HeaderCell] = []
    second: list[str] = []
    previous = None
    for column in columns:
        if column.group is None:
            first.append(HeaderCell(column.short or column.header, rowspan=2))
        elif column.group == previous:
            first[-1].colspan += 1
        else:
            first.append(HeaderCell(column.group))
        if column.group is not None:
            second.append(column.short or column.header)
        previous = column.group
    return first, second


@dataclass
class RankingTable:
    """One table of the ranking: the tier it ranks (分类排位; None when units have no tiers), its rows of
    values, and how many of the last rows are totals (小计 of the tier, 合计 of all units), set bold."""
    tier: str | None
    rows: list[list]
    totals: int


SUBTOTAL = "小计"


def ranking_tables(doc: dict, columns: list[Column]) -> list[RankingTable]:
    """One table in rank order then the total (合计, without rank or cumulative scores); with tiers
    (分类排位) one table per tier, each in its own rank order ending with its 小计, the last one also
    with the 合计 of all units. A bulletin frozen before tiers had totals prints no 小计."""
    def values(line: dict) -> list:
        return [column.value(line) for column in columns]

    lines, total = doc["units"], values(doc["totals"])
    if not doc.get("tiers"):
        return [RankingTable(None, [*map(values, lines), total], 1)]
    by_id = {line["unit_id"]: line for line in lines}
    tables = []
    for tier in doc["tiers"]:
        subtotal = [values({**tier["totals"], "name": SUBTOTAL})] if "totals" in tier else []
        tables.append(RankingTable(tier["name"], [*(values(by_id[unit_id]) for unit_id in tier["unit_ids"]),
                                                  *subtotal], len(subtotal)))
    tables[-1].rows.append(total)
    tables[-1].totals += 1
    return tables


# ---- the printed ranking --------------------------------------------------------------------
#
# A real table costs WeasyPrint about 1 ms per cell: 300 units × 17 columns took 5 s. The printed
# ranking is therefore a table whose header is real cells (it repeats on every page) and whose body
# rows are one cell each, a line of text laid out in columns here; the column rules are the table's
# background, drawn once per page. The line is set in the body's serif face with OpenType's half-width
# forms (hwid): a Latin character, digit or space is then exactly half a CJK character, so the columns
# line up as in a monospaced font while the table reads like the rest of the document.

TEXT_BLOCK_PT = 156 * 72 / 25.4  # GB/T 9704's 156 mm
GRID_FONT_PT = 10.5  # 五号, what GB/T 9704 practice uses for tables
NAME_MAX = 20  # half-widths (10 Chinese characters); a longer name wraps within its column
MIN_COLUMN = 4  # half-widths: room for a two-character header such as 逾时


def display_width(text: str) -> int:
    """Half-widths the text takes in half-width forms: two for a CJK or full-width character."""
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)


def _cell_text(value) -> str:
    return "" if value is None else str(value)


def _chunks(text: str, width: int) -> list[str]:
    """The text cut into pieces that each fit `width` half-widths."""
    pieces, current = [], ""
    for char in text:
        if display_width(current + char) > width:
            pieces.append(current)
            current = ""
        current += char
    return pieces + [current]


@dataclass
class Grid:
    font_pt: float
    widths: list[float]  # each column in points
    lines: list[str]  # one per row (a long unit name adds continuation lines after "\n")

    @property
    def width(self) -> float:
        return sum(self.widths)

    @property
    def rules(self) -> list[float]:
        """Where the vertical rules between the columns fall, in points from the table's left edge."""
        edges, x = [], 0.0
        for width in self.widths[:-1]:
            x += width
            edges.append(round(x, 2))
        return edges

    @property
    def rules_svg(self) -> str:
        """The vertical rules as an SVG the width of the table, stretched to any height."""
        lines = "".join(f'<rect x="{x - 0.25}" y="0" width="0.5" height="1"/>' for x in self.rules)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:.2f}pt" height="1pt" '
                f'viewBox="0 0 {self.width:.2f} 1" preserveAspectRatio="none">{lines}</svg>')


def ranking_grid(columns: list[Column], rows: list[list], name_column: int = 1) -> Grid:
    """The rows as fixed-width text lines: numbers right-aligned, the unit's name left-aligned; each
    column a half-width wider than its widest value (the name two), so neighbours never touch."""
    texts = [[_cell_text(value) for value in row] for row in rows]
    chars = []
    for index in range(len(columns)):
        widest = max((display_width(row[index]) for row in texts), default=0)
        # The name, left-aligned, needs a space on both sides; a number only after it.
        chars.append(max(MIN_COLUMN, min(widest, NAME_MAX)) + 2 if index == name_column else max(MIN_COLUMN, widest) + 1)
    # A wide table shrinks its font until it fits the text block.
    font_pt = min(GRID_FONT_PT, math.floor(TEXT_BLOCK_PT / sum(chars) * 2 * 100) / 100)
    lines = []
    for row in texts:
        name_parts = _chunks(row[name_column], chars[name_column] - 2)
        first = []
        for index, (text, width) in enumerate(zip(row, chars)):
            if index == name_column:
                text = name_parts[0]
                first.append(" " + text + " " * (width - 1 - display_width(text)))
            else:
                first.append(" " * (width - 1 - display_width(text)) + text + " ")
        more = []
        for part in name_parts[1:]:
            before = sum(chars[:name_column])
            more.append(" " * (before + 1) + part)
        lines.append("\n".join(["".join(first).rstrip(), *more]))
    return Grid(font_pt, [width * font_pt / 2 for width in chars], lines)


def ranking_layout(columns: list[Column], tables: list[RankingTable]) -> tuple[Grid, list[list[str]]]:
    """One grid over every table's rows, so the tables of 分类排位 share their column widths, and each
    table's lines of it."""
    grid = ranking_grid(columns, [row for table in tables for row in table.rows])
    lines, start = [], 0
    for table in tables:
        lines.append(grid.lines[start:start + len(table.rows)])
        start += len(table.rows)
    return grid, lines


DIGITS = "〇一二三四五六七八九"


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (a heading's （一）, up to 99)."""
    tens, ones = divmod(number, 10)
    if not tens:
        return DIGITS[ones]
    return (DIGITS[tens] if tens > 1 else "") + "十" + (DIGITS[ones] if ones else "")


def tier_heading(number: int, name: str) -> str:
    """A tier's table heading in the 通报: （一）街道部门."""
    return f"（{chinese_number(number)}）{name}"


def chinese_date(iso: str | None) -> str:
    """An ISO date of the figures as printed: 2026年11月3日 (no zero padding)."""
    if not iso:
        return ""
    day = date.fromisoformat(iso[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def bulletin_filename(doc: dict, extension: str) -> str:
    if doc["doc_number"]:
        return f"{doc['doc_number']}{doc['title']}.{extension}"
    return f"{doc['title']}（草稿）.{extension}"


# Adopted items are listed one by one up to this many. A larger window (a city's year: thousands) is
# shown as counts per publication on the page and in the PDF; the .xlsx's second sheet lists them all.
ADOPTION_LIST_MAX = 100


# The printed bulletin lists each unit's missed windows up to this many units; beyond, it names the units
# and points to the ranking's 任务扣分 column (a city's year: hundreds of units, thousands of weeks).
MISSED_DETAIL_MAX = 20


def count_adoptions_by_channel(doc: dict) -> list[tuple[str, str, int]]:
    """(issuing body, publication, adoptions) for the window, the most adopting publication first."""
    counts: dict[tuple[str, str], int] = {}
    for entry in doc["adoptions"]:
        key = (entry["body"], entry["channel"])
        counts[key] = counts.get(key, 0) + 1
    return sorted(((body, channel, count) for (body, channel), count in counts.items()),
                  key=lambda row: (-row[2], row[0], row[1]))


def summarise_adoptions(doc: dict) -> list[tuple[str, str, int]] | None:
    """Counts per publication when the window's adopted items are too many to list, else None."""
    return count_adoptions_by_channel(doc) if len(doc["adoptions"]) > ADOPTION_LIST_MAX else None


# Half-width punctuation as Chinese text prints it: the engine's texts carried it once, and bulletins
# frozen then keep it.
FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "?": "？", "!": "！"})


def missed_window_text(rule: str) -> str:
    """A quota shortfall's ledger text ("第37周未完成报送任务 −2", "…（应报2篇，实报1篇） −4") as the
    通报 prints it: "第37周未完成报送任务（扣2分）", full-width punctuation, no space a justified
    line would stretch."""
    text, _, points = rule.rpartition(" ")
    if not text:
        text, points = rule, ""
    number = points.lstrip("−-+")
    text = text.translate(FULL_WIDTH)
    return f"{text}（扣{number}分）" if number.replace(".", "").isdigit() and float(number) else text
