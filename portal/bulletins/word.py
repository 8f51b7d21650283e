"""The 通报 as a Word document: the same figures, sentences and tables as the PDF (templates/pdf/bulletin.html),
for the office to edit in Word or WPS before 签发. The sentences come from the macros the PDF and the page
print (bulletins/_macros.html), so the three cannot say different things."""
from flask import get_template_attribute
from markupsafe import Markup

from ..word import Cell, OfficialDocument
from .table import (
    MISSED_DETAIL_MAX,
    chinese_date,
    print_header,
    ranking_columns,
    ranking_layout,
    ranking_tables,
    summarise_adoptions,
    tier_heading,
)

MM_PER_PT = 25.4 / 72


def _say(macro: str, *args) -> str:
    """A sentence of bulletins/_macros.html as plain text."""
    return Markup(get_template_attribute("bulletins/_macros.html", macro)(*args)).striptags()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def build_bulletin_docx(doc: dict) -> bytes:
    published_on = chinese_date(doc["published_on"]) if doc["published_on"] else "（发布时填写）"
    word = OfficialDocument()
    word.issuer_header(doc["office_name"], doc["doc_number"] or "（草稿，发布时编号）")
    word.title(doc["title"])
    if doc["addressee"]:
        word.paragraph(f"{doc['addressee']}：", indent=False)
    if doc["corrects"]:
        word.paragraph(_say("correction_note", doc))
    for text in _lines(doc["preamble"]):
        word.paragraph(text)

    word.heading("一、报送和积分情况")
    word.paragraph(_say("summary", doc))
    word.paragraph(_say("ranking_note", doc), keep_with_next=True)
    columns = ranking_columns(doc)
    tables = ranking_tables(doc, columns)
    first, second = print_header(columns)
    grid, _ = ranking_layout(columns, tables)
    # the PDF's column widths, spread over the text block
    scale = 156 / sum(width * MM_PER_PT for width in grid.widths)
    for number, table in enumerate(tables, start=1):
        if table.tier:
            word.heading(tier_heading(number, table.tier), level=2)
        word.table([first, [Cell(text) for text in second]],
                   [["" if value is None else value for value in row] for row in table.rows],
                   [width * MM_PER_PT * scale for width in grid.widths],
                   right=set(range(len(columns))) - {1}, bold_last=table.totals)
    if doc.get("backfill"):
        word.paragraph(_say("backfill_note", doc))

    word.heading("二、信息采用情况")
    counted = summarise_adoptions(doc)
    word.paragraph(_say("adoption_lead", doc, counted), keep_with_next=bool(doc["adoptions"]))
    if counted:
        word.table([[Cell("发文机关"), Cell("刊物"), Cell("采用（篇次）")]], [list(row) for row in counted],
                   [50, 70, 36], right={2})
    elif doc["adoptions"]:
        word.table([[Cell("序号"), Cell("单位"), Cell("信息标题"), Cell("刊物"), Cell("采用日期")]],
                   [[number, entry["unit"], entry["title"], entry["channel"], chinese_date(entry["date"])]
                    for number, entry in enumerate(doc["adoptions"], start=1)],
                   [10, 34, 58, 26, 28], right={0}, center={4})

    word.heading("三、未完成报送任务的单位")
    word.paragraph(_say("missed_lead", doc, MISSED_DETAIL_MAX))
    if len(doc["missed"]) <= MISSED_DETAIL_MAX:
        for number, entry in enumerate(doc["missed"], start=1):
            word.paragraph(_say("missed_line", entry, number))

    closing = _lines(doc["closing"])
    if closing:
        word.heading("四、工作要求")
        for text in closing:
            word.paragraph(text)

    word.signature(doc["office_name"], published_on)
    lines = [f"抄送：{doc['copy_to']}。"] if doc["copy_to"] else []
    word.colophon(lines + [(doc["office_name"], f"{published_on}印发")])
    return word.to_bytes()
