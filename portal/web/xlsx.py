"""What the spreadsheets share (the roster, the bulletins): cell styles, A4 print set-up, the bytes."""
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


def fit_to_a4(sheet, title_rows: str, landscape: bool = True) -> None:
    """Printed on A4, one page wide, the header rows repeated on every page."""
    sheet.print_title_rows = title_rows
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def workbook_bytes(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()
