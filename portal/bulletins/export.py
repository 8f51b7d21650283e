"""A bulletin as a spreadsheet: sheet 1 the ranking with every per-unit figure, sheet 2 the adopted
items. Built from the bulletin's figures alone (frozen once published)."""
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..web.xlsx import BODY_FONT, BORDER, CENTER, HEADER_FONT, LEFT, TITLE_FONT, fit_to_a4, put_cell, workbook_bytes
from .table import chinese_date, ranking_columns, ranking_tables, tier_heading

TITLE_ROW, NOTE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3, 4


def _note(doc: dict) -> str:
    window = f"统计期：{chinese_date(doc['first_day'])}至{chinese_date(doc['last_day'])}"
    if doc["doc_number"]:
        return f"{doc['doc_number']}    {window}    {chinese_date(doc['published_on'])}印发"
    return f"草稿（未发布）    {window}"


def _heading(sheet, doc: dict, width: int) -> None:
    last = get_column_letter(width)
    sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    put_cell(sheet, TITLE_ROW, 1, doc["title"]).font = TITLE_FONT
    sheet.cell(TITLE_ROW, 1).alignment = CENTER
    sheet.row_dimensions[TITLE_ROW].height = 36
    sheet.merge_cells(f"A{NOTE_ROW}:{last}{NOTE_ROW}")
    put_cell(sheet, NOTE_ROW, 1, _note(doc)).font = BODY_FONT
    sheet.cell(NOTE_ROW, 1).alignment = LEFT


def _table(sheet, headers: list[tuple[str, int]], rows: list[list], text_columns: set[int],
           top: int = HEADER_ROW, bold: int = 0) -> int:
    """The header row at `top`, the rows under it (the last `bold` of them totals, set bold); returns the
    row after the table."""
    for number, (header, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
        cell = put_cell(sheet, top, number, header)
        cell.font, cell.alignment, cell.border = HEADER_FONT, CENTER, BORDER
    for offset, values in enumerate(rows, start=1):
        for number, value in enumerate(values, start=1):
            cell = put_cell(sheet, top + offset, number, value)
            cell.font, cell.border = HEADER_FONT if offset > len(rows) - bold else BODY_FONT, BORDER
            cell.alignment = LEFT if number in text_columns else CENTER
            if isinstance(value, Decimal) and value.as_tuple().exponent < 0:
                # a final score of 100.00 keeps its two decimals in the cell, as on the page
                cell.number_format = "0." + "0" * -value.as_tuple().exponent
    return top + len(rows) + 1


def _one_table(sheet, headers: list[tuple[str, int]], rows: list[list], text_columns: set[int]) -> None:
    _table(sheet, headers, rows, text_columns)
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 3)
    fit_to_a4(sheet, f"{HEADER_ROW}:{HEADER_ROW}")


def _ranking(sheet, doc: dict) -> None:
    """One table; with tiers (分类排位) one per tier, each under its heading (（一）街道部门), one blank
    row between them, ranked on its own and closed by its 小计 (the last also by the 合计)."""
    columns = ranking_columns(doc)
    headers = [(column.header, column.width) for column in columns]
    _heading(sheet, doc, len(columns))
    tables = ranking_tables(doc, columns)
    if len(tables) == 1 and tables[0].tier is None:
        _one_table(sheet, headers, tables[0].rows, {2})
        return
    top = HEADER_ROW
    for number, table in enumerate(tables, start=1):
        sheet.merge_cells(f"A{top}:{get_column_letter(len(columns))}{top}")
        put_cell(sheet, top, 1, tier_heading(number, table.tier)).font = HEADER_FONT
        sheet.cell(top, 1).alignment = LEFT
        top = _table(sheet, headers, table.rows, {2}, top + 1, table.totals) + 1
    fit_to_a4(sheet, None)


def build_bulletin_workbook(doc: dict) -> bytes:
    book = Workbook()
    ranking = book.active
    ranking.title = "排名"
    _ranking(ranking, doc)

    adopted = book.create_sheet("采用信息")
    headers = [("序号", 6), ("采用日期", 16), ("单位", 22), ("信息标题", 50), ("刊物", 26), ("采用机关", 18)]
    _heading(adopted, doc, len(headers))
    _one_table(adopted, headers, [
        [index, chinese_date(entry["date"]), entry["unit"], entry["title"], entry["channel"], entry["body"]]
        for index, entry in enumerate(doc["adoptions"], start=1)
    ], {3, 4, 5, 6})
    return workbook_bytes(book)
