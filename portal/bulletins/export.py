"""A bulletin as a spreadsheet: sheet 1 the ranking with every per-unit figure, sheet 2 the adopted
items. Built from the bulletin's figures alone (the frozen snapshot once published)."""
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..web.xlsx import BODY_FONT, BORDER, CENTER, HEADER_FONT, LEFT, TITLE_FONT, fit_to_a4, workbook_bytes

TITLE_ROW, NOTE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3, 4


def _number(value: str | int | None):
    """Figures stay numbers a spreadsheet can sum; a missing score (the rule set could not score) stays empty."""
    if value is None:
        return None
    return value if isinstance(value, int) else Decimal(value)


def _chinese_date(iso: str) -> str:
    day = date.fromisoformat(iso[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def ranking_columns(doc: dict) -> list[tuple[str, int, object]]:
    """(header, width, value of a unit line) for the ranking: the same columns for the units and the total."""
    adoption = [(f"{body['name']}采用", 10, lambda line, key=body["key"]: line["adopted"].get(key, 0))
                for body in doc["bodies"]]
    return [
        ("排名", 6, lambda line: line.get("rank")),
        ("单位", 22, lambda line: line.get("name", "合计")),
        ("报送", 7, lambda line: line["submitted"]),
        ("逾时", 7, lambda line: line["late"]),
        ("不计分", 7, lambda line: line["invalid"]),
        *adoption,
        ("采用合计", 8, lambda line: line["adopted_total"]),
        ("领导批示", 8, lambda line: line["instructions"]),
        ("约稿按时回复", 10, lambda line: line["solicitations"]),
        ("未完成任务扣分", 10, lambda line: _number(line["shortfall_points"])),
        ("本期得分", 9, lambda line: _number(line["points"])),
        ("累计原始分", 10, lambda line: _number(line.get("raw"))),
        ("最终得分", 9, lambda line: _number(line.get("final"))),
    ]


def _note(doc: dict) -> str:
    window = f"统计期：{_chinese_date(doc['first_day'])}至{_chinese_date(doc['last_day'])}"
    if doc["doc_number"]:
        return f"{doc['doc_number']}    {window}    {_chinese_date(doc['published_on'])}印发"
    return f"草稿（未发布）    {window}"


def _heading(sheet, doc: dict, width: int) -> None:
    last = get_column_letter(width)
    sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    sheet.cell(TITLE_ROW, 1, doc["title"]).font = TITLE_FONT
    sheet.cell(TITLE_ROW, 1).alignment = CENTER
    sheet.row_dimensions[TITLE_ROW].height = 36
    sheet.merge_cells(f"A{NOTE_ROW}:{last}{NOTE_ROW}")
    sheet.cell(NOTE_ROW, 1, _note(doc)).font = BODY_FONT
    sheet.cell(NOTE_ROW, 1).alignment = LEFT


def _table(sheet, headers: list[tuple[str, int]], rows: list[list], text_columns: set[int]) -> None:
    for number, (header, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
        cell = sheet.cell(HEADER_ROW, number, header)
        cell.font, cell.alignment, cell.border = HEADER_FONT, CENTER, BORDER
    for offset, values in enumerate(rows):
        for number, value in enumerate(values, start=1):
            cell = sheet.cell(FIRST_DATA_ROW + offset, number, value)
            cell.font, cell.border = BODY_FONT, BORDER
            cell.alignment = LEFT if number in text_columns else CENTER
            if isinstance(value, Decimal) and value.as_tuple().exponent < 0:
                # a final score of 100.00 keeps its two decimals in the cell, as on the page
                cell.number_format = "0." + "0" * -value.as_tuple().exponent
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 3)
    fit_to_a4(sheet, f"{HEADER_ROW}:{HEADER_ROW}")


def build_bulletin_workbook(doc: dict) -> bytes:
    book = Workbook()
    ranking = book.active
    ranking.title = "排名"
    columns = ranking_columns(doc)
    _heading(ranking, doc, len(columns))
    rows = [[value(line) for _, _, value in columns] for line in doc["units"]]
    rows.append([value(doc["totals"]) for _, _, value in columns])
    _table(ranking, [(header, width) for header, width, _ in columns], rows, {2})

    adopted = book.create_sheet("采用信息")
    headers = [("序号", 6), ("采用日期", 16), ("单位", 22), ("信息标题", 50), ("刊物", 26), ("采用机关", 18)]
    _heading(adopted, doc, len(headers))
    _table(adopted, headers, [
        [index, _chinese_date(entry["date"]), entry["unit"], entry["title"], entry["channel"], entry["body"]]
        for index, entry in enumerate(doc["adoptions"], start=1)
    ], {3, 4, 5, 6})
    return workbook_bytes(book)


def export_filename(doc: dict, extension: str = "xlsx") -> str:
    if doc["doc_number"]:
        return f"{doc['doc_number']}{doc['title']}.{extension}"
    return f"{doc['title']}（草稿）.{extension}"
