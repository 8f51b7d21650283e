"""The 信息员统计表 as a Word document: the PDF's landscape table (templates/pdf/roster.html) with the same
cells, header and column widths (table.py), a unit's own cells merged down its officers' rows."""
from ..word import MERGED, Cell, OfficialDocument
from .table import COLUMNS, RosterGroup, column_widths, header_groups

MM_PER_PT = 25.4 / 72


def build_roster_docx(title: str, note: str, table: list[RosterGroup], centred: tuple[int, ...]) -> bytes:
    word = OfficialDocument(landscape=True)
    word.paragraph(title, indent=False, role="title", size=18, align="center")
    word.paragraph(note, indent=False, size=12, space_after=6)
    first = [Cell(text, colspan=span) if grouped else Cell(text, rowspan=2) for text, span, grouped in header_groups()]
    second = [Cell(header) for group, header, _width in COLUMNS if group]
    rows = []
    for group in table:
        span = len(group.officer_cells)
        for number, officer in enumerate(group.officer_cells):
            unit = [Cell(str(cell), rowspan=span) for cell in group.unit_cells] if number == 0 \
                else [MERGED] * len(group.unit_cells)
            rows.append(unit + officer)
    font_pt, widths = column_widths(table)
    word.table([first, second], rows, [width * MM_PER_PT for width in widths],
               center={number - 1 for number in centred}, size=font_pt)
    return word.to_bytes()
