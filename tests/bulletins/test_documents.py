"""A published bulletin's files are frozen; the PDF keeps the layout rules an office checks before it
signs; the Word version says what the PDF says."""
import re
from datetime import timedelta

from docx.oxml.ns import qn
from sqlalchemy import select

from portal.bulletins.models import BulletinDocument
from portal.extensions import db
from tests.bulletins.test_publishing import client_for, new_draft, publish
from tests.docx_tools import assert_says_what_the_pdf_says, libreoffice_pdf, read_docx, squeezed
from tests.pdf_tools import half_width_punctuation, page_emptiness, pdf_fonts, pdf_text, wide_gaps


def test_published_files_are_made_at_publishing_and_served_identical_a_month_later(app, world, scenario, clock):
    editor = client_for(app, world.editor)
    bulletin = publish(editor, new_draft(editor, scenario))
    stored = db.session.scalars(select(BulletinDocument).where(BulletinDocument.bulletin_id == bulletin.id)).all()
    assert sorted(document.format for document in stored) == ["docx", "pdf", "xlsx"]
    reporter = client_for(app, world.reporter)
    first = {ext: reporter.get(f"/bulletins/{bulletin.id}.{ext}").data for ext in ("pdf", "xlsx", "docx")}
    clock.shift(timedelta(days=31))
    later = {ext: client_for(app, world.other_reporter).get(f"/bulletins/{bulletin.id}.{ext}").data
             for ext in ("pdf", "xlsx", "docx")}
    assert first == later
    assert first == {document.format: document.data for document in stored}
    # The page links each file (a new login: the month outlived the first session).
    page = client_for(app, world.reporter).get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    for ext in ("pdf", "xlsx", "docx"):
        assert f"/bulletins/{bulletin.id}.{ext}" in page


def test_the_printed_bulletin_keeps_the_layout_rules(app, world, scenario, make):
    for number in range(30):  # a ranking longer than a page: it must split, its header repeated
        make.unit(f"第{number + 1}网格社区", parent=world.office)
    editor = client_for(app, world.editor)
    bulletin = publish(editor, new_draft(editor, scenario))
    data = client_for(app, world.reporter).get(f"/bulletins/{bulletin.id}.pdf").data
    text = pdf_text(data)
    # No page but the last is left more than a quarter empty by a block pushed to the next one.
    assert all(share <= 0.25 for share in page_emptiness(data)), page_emptiness(data)
    pages = text.split("\f")
    assert sum("排名" in page for page in pages) >= 2  # the ranking's header on each of its pages
    # A heading never ends a page (the page number, below the text block, aside).
    for page in pages[:-1]:
        lines = [line.strip() for line in page.splitlines()
                 if line.strip() and not re.fullmatch(r"—\s*\d+\s*—", line.strip())]
        assert lines and not re.match(r"[一二三四五六七八九十]+、", lines[-1]), lines[-1:]
    # No justified line stretched at a space.
    assert wide_gaps(data) == []
    # Chinese text in full-width punctuation (the engine's "（应报2篇，实报1篇）" included).
    assert half_width_punctuation(text) == []
    # The tables in the serif face of the body: no monospaced or sans font for them.
    assert not [font for font in pdf_fonts(data) if "Mono" in font.name]


def test_the_word_version_says_what_the_pdf_says_in_the_official_frame(app, world, scenario):
    editor = client_for(app, world.editor)
    bulletin = publish(editor, new_draft(editor, scenario))
    reporter = client_for(app, world.reporter)
    response = reporter.get(f"/bulletins/{bulletin.id}.docx")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    assert ".docx" in response.headers["Content-Disposition"]
    document = read_docx(response.data)
    pdf = reporter.get(f"/bulletins/{bulletin.id}.pdf").data
    paragraphs, rows = assert_says_what_the_pdf_says(response.data, pdf)
    flat_pdf = squeezed(pdf_text(pdf))
    # the ranking's rows read as on the PDF's lines
    for row in rows:
        assert squeezed("".join(row)) in flat_pdf, row
    # It opens in LibreOffice, where installed, and reads the same there.
    converted = libreoffice_pdf(response.data)
    if converted is not None:
        assert_says_what_the_pdf_says(response.data, converted)
    assert bulletin.doc_number in paragraphs and bulletin.title in paragraphs
    # A missed window reads as text, its points in words (not "任务 −2" stretched by justification).
    assert "未完成报送任务（扣" in flat_pdf and "−" not in flat_pdf
    # A4, GB/T 9704 margins, the 22-line grid.
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(value.mm) for value in (section.top_margin, section.bottom_margin, section.left_margin,
                                          section.right_margin)] == [37, 35, 28, 26]
    assert section._sectPr.find(qn("w:docGrid")).get(qn("w:linePitch")) == "578"
    # Fonts by name, for East Asian text too; the red 版头.
    xml = document.element.xml
    assert 'w:eastAsia="仿宋_GB2312"' in xml and 'w:eastAsia="方正小标宋简体"' in xml and 'w:eastAsia="黑体"' in xml
    # … each with the fallback Word and WPS take where it is not installed.
    fonts = next(rel.target_part.blob for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable"))
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts.decode("utf-8")
    mark = next(paragraph for paragraph in document.paragraphs if paragraph.text == app.config["OFFICE_NAME"])
    assert 'w:color w:val="E60012"' in mark._p.xml
    # Page numbers "— N —": odd pages right, even pages left.
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    for footer, side in ((odd, "right"), (even, "left")):
        assert re.fullmatch(r"— +—", footer.text) and 'w:instr=" PAGE "' in footer._p.xml
        assert footer.alignment.name.lower() == side
    # Real tables: the ranking's header rows repeat on each page; every unit has its row.
    ranking = document.tables[0]
    assert ranking.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    names = [row[1] for row in rows]
    assert "幸福社区" in names and "和平社区" in names and "合计" in names
