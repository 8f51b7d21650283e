"""The ranking table as the spreadsheet (export.py) and the PDF (templates/pdf/bulletin.html) both
print it: the same columns and values, from the bulletin's figures alone, so the two cannot drift."""
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


ADOPTED = "采用（篇次）"


def ranking_columns(doc: dict) -> list[Column]:
    """Per unit: rank, name, items submitted / late / invalid, adoptions by issuing body and in all,
    instructions, solicitation answers, quota shortfall, points in the window, cumulative raw and final."""
    adoption = [Column(f"{body['name']}采用", 10, lambda line, key=body["key"]: line["adopted"].get(key, 0),
                       body["name"], ADOPTED) for body in doc["bodies"]]
    return [
        Column("排名", 6, lambda line: line.get("rank")),
        Column("单位", 22, lambda line: line.get("name", "合计")),
        Column("报送", 7, lambda line: line["submitted"]),
        Column("逾时", 7, lambda line: line["late"]),
        Column("不计分", 7, lambda line: line["invalid"]),
        *adoption,
        Column("采用合计", 8, lambda line: line["adopted_total"], "合计", ADOPTED),
        Column("领导批示", 8, lambda line: line["instructions"], "批示"),
        Column("约稿按时回复", 10, lambda line: line["solicitations"], "约稿"),
        Column("未完成任务扣分", 10, lambda line: _number(line["shortfall_points"]), "任务扣分"),
        Column("本期得分", 9, lambda line: _number(line["points"])),
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


def ranking_rows(doc: dict, columns: list[Column]) -> list[list]:
    """One row per unit in rank order, then the total (合计, without rank or cumulative scores)."""
    return [[column.value(line) for column in columns] for line in [*doc["units"], doc["totals"]]]


def chinese_date(iso: str | None) -> str:
    """A snapshot's ISO date as printed: 2026年11月3日 (no zero padding)."""
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


def count_adoptions_by_channel(doc: dict) -> list[tuple[str, str, int]]:
    """(issuing body, publication, adoptions) for the window, the most adopting publication first."""
    counts: dict[tuple[str, str], int] = {}
    for entry in doc["adoptions"]:
        key = (entry["body"], entry["channel"])
        counts[key] = counts.get(key, 0) + 1
    return sorted(((body, channel, count) for (body, channel), count in counts.items()),
                  key=lambda row: (-row[2], row[0], row[1]))
