"""What the spreadsheets share (the roster, the bulletins): the one way a cell is written, cell styles,
A4 print set-up, the bytes."""
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
FONT = "宋体"
TITLE_FONT = Font(name="方正小标宋简体", size=18, bold=True)
HEADER_FONT = Font(name=FONT, size=11, bold=True)
BODY_FONT = Font(name=FONT, size=11)


# What a spreadsheet program reads as the start of a formula or a DDE command (OWASP, CSV injection):
# `=`, `+`, `-`, `@`, and a tab or carriage return before them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def put_cell(sheet, row: int, column: int, value):
    """Write one cell of an export. Numbers and dates stay numbers and dates; everything else is written
    as text, never as a formula: openpyxl would store a string starting with `=` as a live formula (a
    roster field `=HYPERLINK(...)` in every unit's download). A text that a spreadsheet could take for a
    formula also gets the cell's quote prefix, the stored form of a typed leading apostrophe: the text
    shows unchanged and stays text when someone edits the cell."""
    cell = sheet.cell(row, column)
    if value is None or isinstance(value, (bool, int, float, Decimal, date, datetime)):
        cell.value = value
        return cell
    text = str(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    return cell


def fit_to_a4(sheet, title_rows: str | None, landscape: bool = True) -> None:
    """Printed on A4, one page wide, the header rows (if any: a sheet of several tables has none) repeated
    on every page."""
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def workbook_bytes(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()
