"""Word (.docx) versions of the official documents, for the office to edit in Word or WPS before 签发.
The only module that imports python-docx. Built from the same data as the PDFs (the same figures, texts
and table cells), in the same GB/T 9704 frame:

    document = OfficialDocument()
    document.issuer_header("城南街道党政办公室", "城南街办通〔2026〕3号")
    document.title("关于……的通报")
    document.paragraph("各社区：", indent=False)
    document.table([[Cell("单位"), Cell("得分")]], [["幸福社区", 98]], widths_mm=[60, 30], right={1})
    data = document.to_bytes()

A4, margins 37/35/28/26 mm, a grid of 22 lines of 28.9 pt, body 3号 仿宋. Fonts are named as offices
have them (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312), each for Latin and East Asian text alike; the
font table gives each an alternative name (仿宋, 宋体, SimHei, 楷体) that Word and WPS use where the first
is not installed. Page numbers "— 1 —" in 4号 at the foot, odd pages right and even pages left.
Tables are real Word tables whose header rows repeat on every page."""
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.image.image import Image as DocxImage
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

RED = "E60012"  # the PDFs' RGB red for 版头 and rules
# role -> (the font offices use, what Word and WPS take where it is missing)
FONTS = {
    "fangsong": ("仿宋_GB2312", "仿宋"),
    "title": ("方正小标宋简体", "宋体"),
    "heiti": ("黑体", "SimHei"),
    "kaiti": ("楷体_GB2312", "楷体"),
    "song": ("宋体", "SimSun"),
}
BODY_PT = 16  # 3号
LINE_PT = 28.9  # one line of the grid: 22 lines fill the 225 mm text block
CHAR_PT = 15.79  # one character of the 28-character line


@dataclass
class Cell:
    """A cell spanning columns or rows: in a header, its text and spans; in the body, a cell spanning
    `rowspan` rows, the rows below giving MERGED in its column."""
    text: str
    colspan: int = 1
    rowspan: int = 1


MERGED = object()  # a body cell covered by a Cell above it


def _fonts_xml(role: str) -> str:
    name = escape(FONTS[role][0], {'"': "&quot;"})
    return f'<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}" w:hint="eastAsia"/>'


def _run_props(role: str, size: float, bold: bool = False, color: str | None = None) -> str:
    half_points = round(size * 2)
    colour = f'<w:color w:val="{color}"/>' if color else ""
    return (f"<w:rPr>{_fonts_xml(role)}{'<w:b/>' if bold else ''}{colour}"
            f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/></w:rPr>')


def _font_table_entries() -> bytes:
    return "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alternative}"/><w:charset w:val="86"/>'
        f'<w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
        for name, alternative in FONTS.values()).encode("utf-8")


class OfficialDocument:
    def __init__(self, landscape: bool = False, page_numbers: bool = True):
        self.document = Document()
        self.landscape = landscape
        section = self.document.sections[0]
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Mm(297), Mm(210)
            section.top_margin = section.left_margin = section.right_margin = Mm(20)
            section.bottom_margin = Mm(22)
        else:
            section.page_width, section.page_height = Mm(210), Mm(297)
            # 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm.
            section.top_margin, section.bottom_margin = Mm(37), Mm(35)
            section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(28)  # the page number's middle 7 mm below the text block
        self._grid(section)
        self._styles()
        self._font_table()
        if page_numbers:
            self._page_numbers(section)

    # ---- the frame -----------------------------------------------------------------------------

    def _grid(self, section) -> None:
        sectPr = section._sectPr
        for old in sectPr.findall(qn("w:docGrid")):
            sectPr.remove(old)
        sectPr.append(parse_xml(f'<w:docGrid {nsdecls("w")} w:type="lines" w:linePitch="{round(LINE_PT * 20)}"/>'))

    def _styles(self) -> None:
        normal = self.document.styles["Normal"]
        normal.font.size = Pt(BODY_PT)
        rPr = normal.element.get_or_add_rPr()
        for old in rPr.findall(qn("w:rFonts")):
            rPr.remove(old)
        rPr.insert(0, parse_xml(_fonts_xml("fangsong").replace("<w:rFonts", f'<w:rFonts {nsdecls("w")}', 1)))
        paragraph_format = normal.paragraph_format
        paragraph_format.space_before = paragraph_format.space_after = Pt(0)
        paragraph_format.line_spacing = Pt(LINE_PT)
        paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    def _font_table(self) -> None:
        for relationship in self.document.part.rels.values():
            part = relationship.target_part
            if relationship.reltype.endswith("/fontTable"):
                blob = part.blob
                end = blob.rindex(b"</w:fonts>")
                part._blob = blob[:end] + _font_table_entries() + blob[end:]

    def _page_numbers(self, section) -> None:
        self.document.settings.odd_and_even_pages_header_footer = True
        for footer, alignment in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                                  (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            paragraph.alignment = alignment
            side = "right" if alignment == WD_ALIGN_PARAGRAPH.RIGHT else "left"
            # one character in from the text block's edge
            setattr(paragraph.paragraph_format, f"{side}_indent", Pt(14))
            props = _run_props("song", 14)
            paragraph._p.append(parse_xml(
                f'<w:r {nsdecls("w")}>{props}<w:t xml:space="preserve">— </w:t></w:r>'))
            paragraph._p.append(parse_xml(
                f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r>{props}<w:t>1</w:t></w:r></w:fldSimple>'))
            paragraph._p.append(parse_xml(
                f'<w:r {nsdecls("w")}>{props}<w:t xml:space="preserve"> —</w:t></w:r>'))

    # ---- blocks --------------------------------------------------------------------------------

    def paragraph(self, text: str, indent: bool = True, role: str = "fangsong", size: float = BODY_PT,
                  align: str | None = None, bold: bool = False, color: str | None = None,
                  space_before: float = 0, keep_with_next: bool = False, space_after: float = 0,
                  right_indent: float = 0):
        """A paragraph of one run; sizes and spaces in points."""
        paragraph = self.document.add_paragraph()
        paragraph_format = paragraph.paragraph_format
        if space_after:
            paragraph_format.space_after = Pt(space_after)
        if right_indent:
            paragraph_format.right_indent = Pt(right_indent)
        if indent:
            paragraph_format.first_line_indent = Pt(2 * CHAR_PT)
        if align:
            paragraph.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                                   "left": WD_ALIGN_PARAGRAPH.LEFT}[align]
        if space_before:
            paragraph_format.space_before = Pt(space_before)
        if size > BODY_PT:
            paragraph_format.line_spacing = Pt(max(LINE_PT, size * 1.25))
        elif size < BODY_PT:
            paragraph_format.line_spacing = Pt(size * 1.5)
        paragraph_format.keep_with_next = keep_with_next
        if text:
            paragraph._p.append(parse_xml(
                f'<w:r {nsdecls("w")}>{_run_props(role, size, bold, color)}'
                f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'))
        return paragraph

    def red_rule(self, space_before: float = 0) -> None:
        """The red separator across the text block: the bottom border of an empty line."""
        paragraph = self.paragraph("", indent=False, size=4, space_before=space_before)
        paragraph.paragraph_format.line_spacing = Pt(4)
        paragraph.paragraph_format.space_after = Pt(LINE_PT)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="12" w:space="0" w:color="{RED}"/></w:pBdr>'))

    def issuer_header(self, issuer_mark: str, doc_number: str) -> None:
        """The 版头 of a 文件: the red 发文机关标志 35 mm down, the 发文字号 two lines under it, the red rule."""
        size = min(36, int(440 / max(len(issuer_mark), 1)))
        self.paragraph(issuer_mark, indent=False, role="title", size=size, align="center", color=RED,
                       space_before=Mm(35).pt)
        if doc_number:
            self.paragraph(doc_number, indent=False, align="center", space_before=2 * LINE_PT)
        self.red_rule(space_before=Mm(4).pt)

    def publication_header(self, name: str, number_text: str, compiled_by: str, date_text: str,
                           print_count: int | None = None) -> None:
        """The seed's publication header (附件2 专报信息): name in red, 第 N 期, 编发 unit and date, red rule."""
        size = min(42, int(440 / max(len(name), 1)))
        self.paragraph(name, indent=False, role="title", size=size, align="center", color=RED)
        self.paragraph(number_text, indent=False, align="center")
        left = f"编发：{compiled_by}" + (f"　共印{print_count}份" if print_count else "")
        paragraph = self.paragraph(left, indent=False, align="left", space_before=LINE_PT / 2)
        # the date flush right on the same line: a right tab stop at the text block's edge
        paragraph.paragraph_format.tab_stops.add_tab_stop(self._text_width(), alignment=2)
        paragraph._p.append(parse_xml(
            f'<w:r {nsdecls("w")}>{_run_props("fangsong", BODY_PT)}<w:tab/><w:t>{escape(date_text)}</w:t></w:r>'))
        self.red_rule()

    def title(self, text: str) -> None:
        """2号 小标宋, centred, two blank lines above (after the 版头's rule: one) and one below."""
        paragraph = self.paragraph(text, indent=False, role="title", size=22, align="center",
                                   space_before=LINE_PT)
        paragraph.paragraph_format.space_after = Pt(LINE_PT)

    def heading(self, text: str, level: int = 1) -> None:
        """一、 in 黑体, （一） in 楷体, both at body size, kept with the lines that follow."""
        self.paragraph(text, role="heiti" if level == 1 else "kaiti", keep_with_next=True)

    def signature(self, issuer: str | None, date_text: str) -> None:
        """发文机关署名 and 成文日期: the date four characters in from the right, the name over it."""
        if issuer:
            paragraph = self.paragraph(issuer, indent=False, align="right", space_before=LINE_PT,
                                       keep_with_next=True)
            paragraph.paragraph_format.right_indent = Pt(4 * CHAR_PT)
        paragraph = self.paragraph(date_text, indent=False, align="right",
                                   space_before=0 if issuer else LINE_PT)
        paragraph.paragraph_format.right_indent = Pt(4 * CHAR_PT)

    def colophon(self, lines: list) -> None:
        """版记: 4号 lines between rules (outer 0.35 mm, inner 0.25 mm); a (left, right) pair puts the
        right part flush right on the same line."""
        for index, line in enumerate(lines):
            left, right = (line, "") if isinstance(line, str) else line
            paragraph = self.paragraph(left, indent=False, size=14, align="left",
                                       space_before=LINE_PT if index == 0 else 0)
            paragraph.paragraph_format.line_spacing = Pt(LINE_PT)
            paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Pt(14)
            if right:
                paragraph.paragraph_format.tab_stops.add_tab_stop(self._text_width() - Pt(28), alignment=2)
                paragraph._p.append(parse_xml(
                    f'<w:r {nsdecls("w")}>{_run_props("fangsong", 14)}<w:tab/><w:t>{escape(right)}</w:t></w:r>'))
            top = "8" if index == 0 else "6"
            bottom = '<w:bottom w:val="single" w:sz="8" w:space="1" w:color="000000"/>' \
                if index == len(lines) - 1 else ""
            paragraph._p.get_or_add_pPr().append(parse_xml(
                f'<w:pBdr {nsdecls("w")}><w:top w:val="single" w:sz="{top}" w:space="1" w:color="000000"/>'
                f'{bottom}</w:pBdr>'))

    def picture(self, path: str, max_width_mm: float, max_height_mm: float, caption: str = "") -> None:
        """A photo centred, as large as fits both bounds, its caption (小四) under it; a missing file is
        left out."""
        try:
            image = DocxImage.from_file(path)
        except OSError:
            return
        scale = min(max_width_mm / image.px_width, max_height_mm / image.px_height)
        paragraph = self.paragraph("", indent=False, align="center", keep_with_next=bool(caption))
        paragraph.paragraph_format.line_spacing = None  # the picture sets the line's height
        paragraph.add_run().add_picture(path, width=Mm(image.px_width * scale), height=Mm(image.px_height * scale))
        if caption:
            self.paragraph(caption, indent=False, size=12, align="center")

    def page_break(self) -> None:
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def _text_width(self):
        section = self.document.sections[0]
        return section.page_width - section.left_margin - section.right_margin

    def table(self, header: list[list[Cell]], rows: list[list], widths_mm: list[float], right: set[int] = frozenset(),
              center: set[int] = frozenset(), size: float = 10.5, bold_last: int = 0) -> None:
        """A real table: the header rows (Cells spanning columns and rows) repeat on every page, a row
        never splits across pages, numbers (columns in `right`) right-aligned, the last `bold_last` rows
        (totals) bold. Written as one piece of
        XML: a city's 300 units would take python-docx's cell objects seconds."""
        twips = [round(width * 1440 / 25.4) for width in widths_mm]
        props = _run_props("fangsong", size)
        bold_props = _run_props("fangsong", size, bold=True)
        line = round(size * 1.3 * 20)

        def cell_xml(text: str, width: int, align: str, extra: str = "", run_props: str = props) -> str:
            text = "" if text is None else str(text)
            runs = f'<w:r>{run_props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
            return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{extra}<w:vAlign w:val="center"/></w:tcPr>'
                    f'<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="{line}" w:lineRule="exact"/>'
                    f'<w:ind w:firstLine="0"/><w:jc w:val="{align}"/></w:pPr>{runs}</w:p></w:tc>')

        parts = []
        # the header: place each Cell on a grid; a cell spanning rows continues as vMerge below
        continued: dict[tuple[int, int], int] = {}  # (row, column) -> colspan of a vertically merged cell
        for row_index, cells in enumerate(header):
            column, xml = 0, []
            queue = list(cells)
            while column < len(widths_mm):
                if (row_index, column) in continued:
                    span = continued[(row_index, column)]
                    xml.append(cell_xml("", sum(twips[column:column + span]), "center",
                                        (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + "<w:vMerge/>"))
                    column += span
                    continue
                if not queue:
                    break
                cell = queue.pop(0)
                extra = f'<w:gridSpan w:val="{cell.colspan}"/>' if cell.colspan > 1 else ""
                if cell.rowspan > 1:
                    extra += '<w:vMerge w:val="restart"/>'
                    for below in range(1, cell.rowspan):
                        continued[(row_index + below, column)] = cell.colspan
                xml.append(cell_xml(cell.text, sum(twips[column:column + cell.colspan]), "center", extra,
                                    _run_props("heiti", size)))
                column += cell.colspan
            parts.append(f'<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{"".join(xml)}</w:tr>')
        for row_number, values in enumerate(rows, start=1):
            run_props = bold_props if row_number > len(rows) - bold_last else props
            cells = []
            for index, value in enumerate(values):
                align = "right" if index in right else "center" if index in center else "left"
                if value is MERGED:
                    cells.append(cell_xml("", twips[index], align, "<w:vMerge/>"))
                elif isinstance(value, Cell):
                    merge = '<w:vMerge w:val="restart"/>' if value.rowspan > 1 else ""
                    cells.append(cell_xml(value.text, twips[index], align, merge, run_props))
                else:
                    cells.append(cell_xml(value, twips[index], align, run_props=run_props))
            cells = "".join(cells)
            parts.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>")
        border = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        borders = "".join(border.format(side=side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in twips)
        table = parse_xml(
            f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:jc w:val="center"/>'
            f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            f'<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
            f'</w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
            f'{"".join(parts)}</w:tbl>')
        body = self.document.element.body
        body.insert(len(body) - 1, table)  # before the section properties, which end the body

    def to_bytes(self) -> bytes:
        out = BytesIO()
        self.document.save(out)
        return out.getvalue()


__all__ = ["CHAR_PT", "Cell", "FONTS", "LINE_PT", "MERGED", "OfficialDocument", "RED"]
