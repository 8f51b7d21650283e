"""The roster as a spreadsheet laid out like the seed's 附件4 (政务信息员统计表): a merged title row, a
note row with the deadline, a two-level header (分管领导 / 信息员 over their columns), one row per
liaison officer with the unit's cells merged down its officers. Styles and print set-up: portal/web/xlsx.py."""
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..web.xlsx import BODY_FONT, BORDER, CENTER, HEADER_FONT, LEFT, TITLE_FONT, fit_to_a4, put_cell, workbook_bytes
from .services import RosterRow
from .table import CENTRED_COLUMNS, COLUMNS, UNIT_COLUMNS, roster_table

TITLE_ROW, NOTE_ROW, GROUP_ROW, HEADER_ROW = 1, 2, 3, 4
FIRST_DATA_ROW = 5


def build_roster_workbook(rows: list[RosterRow], title: str, note: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "信息员统计表"
    last = get_column_letter(len(COLUMNS))

    sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    put_cell(sheet, TITLE_ROW, 1, title).font = TITLE_FONT
    sheet.cell(TITLE_ROW, 1).alignment = CENTER
    sheet.row_dimensions[TITLE_ROW].height = 36
    sheet.merge_cells(f"A{NOTE_ROW}:{last}{NOTE_ROW}")
    put_cell(sheet, NOTE_ROW, 1, note).font = BODY_FONT
    sheet.cell(NOTE_ROW, 1).alignment = LEFT

    groups: dict[str, list[int]] = {}
    for number, (group, header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
        if group is None:
            sheet.merge_cells(start_row=GROUP_ROW, start_column=number, end_row=HEADER_ROW, end_column=number)
            put_cell(sheet, GROUP_ROW, number, header)
        else:
            groups.setdefault(group, []).append(number)
            put_cell(sheet, HEADER_ROW, number, header)
    for group, numbers in groups.items():
        sheet.merge_cells(start_row=GROUP_ROW, start_column=numbers[0], end_row=GROUP_ROW, end_column=numbers[-1])
        put_cell(sheet, GROUP_ROW, numbers[0], group)
    for row_number in (GROUP_ROW, HEADER_ROW):
        for number in range(1, len(COLUMNS) + 1):
            cell = sheet.cell(row_number, number)
            cell.font, cell.alignment, cell.border = HEADER_FONT, CENTER, BORDER

    current = FIRST_DATA_ROW
    for group in roster_table(rows):
        officers = group.officer_cells
        for offset, cells in enumerate(officers):
            values = (group.unit_cells if offset == 0 else [""] * UNIT_COLUMNS) + cells
            for number, value in enumerate(values, start=1):
                # Text, never numbers: phone numbers keep their leading 0 and are not shown as 1.38E+10.
                cell = put_cell(sheet, current + offset, number, value)
                cell.number_format = "@"
                cell.font, cell.border = BODY_FONT, BORDER
                cell.alignment = CENTER if number in CENTRED_COLUMNS else LEFT
        if len(officers) > 1:
            for number in range(1, UNIT_COLUMNS + 1):
                sheet.merge_cells(start_row=current, start_column=number,
                                  end_row=current + len(officers) - 1, end_column=number)
        current += len(officers)

    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 3)  # header rows and the unit's name stay in view
    fit_to_a4(sheet, f"{GROUP_ROW}:{HEADER_ROW}")
    return workbook_bytes(book)
