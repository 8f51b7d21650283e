"""The Word versions of the 刊物, the 约稿通知单 and the 信息员统计表: each downloadable beside its PDF,
saying what the PDF says, in the official frame; and the 刊物's PDF layout rules."""
import io
from datetime import timedelta

from docx.oxml.ns import qn
from werkzeug.datastructures import FileStorage

from portal.extensions import db, utcnow
from tests.conftest import jpeg_bytes
from tests.docx_tools import assert_says_what_the_pdf_says, read_docx
from tests.editions.test_editions import add, adopted, lock, new_edition
from tests.pdf_tools import half_width_punctuation, page_emptiness, pdf_text, wide_gaps
from tests.roster.test_export import filled
from tests.roster.test_requests import issue as issue_roster_request
from tests.solicitations.helpers import client_for, issue
from tests.photo_tools import store_photo


def test_the_edition_in_word_and_its_pdf_layout(app, make, world):
    items = [adopted(make, world, f"幸福社区第{number}次开展冬季消防安全大排查") for number in range(1, 6)]
    for number, item in enumerate(items):  # landscape and portrait photos: none may leave a page a quarter empty
        size = (800, 600) if number % 2 else (600, 800)
        photo = store_photo(FileStorage(io.BytesIO(jpeg_bytes(size)), filename="现场.jpg"),
                            world.reporter.id, item.form_key, item.id, 0)
        photo.caption = "排查现场"
    db.session.commit()
    app.config["EDITION_EDITOR"], app.config["EDITION_SIGNED_BY"] = "李敏", "王强"
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    add(editor, edition, items, "工作动态")
    lock(editor, edition)
    reader = client_for(app, world.signer)
    pdf = reader.get(f"/editions/{edition.id}.pdf").data
    text = pdf_text(pdf)
    # The office's settings: the 内部资料 mark and the 责任编辑 / 签发 line.
    assert "内部资料" in text and "责任编辑：李敏" in "".join(text.split()) and "签发：王强" in text
    # Each item's source line stays with it: no page starts with one.
    for page in text.split("\f")[1:]:
        assert not page.strip().startswith("（幸福社区）"), page[:80]
    assert all(share <= 0.25 for share in page_emptiness(pdf)), page_emptiness(pdf)
    assert half_width_punctuation(text) == []
    # (the 编发 line sets the date flush right on purpose)
    assert [gap for gap in wide_gaps(pdf) if "共印" not in gap[0] and "编发" not in gap[0]] == []

    response = reader.get(f"/editions/{edition.id}.docx")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    paragraphs, _rows = assert_says_what_the_pdf_says(response.data, pdf)
    assert "高新信息" in paragraphs and "《高新信息》" not in paragraphs and "排查现场" in paragraphs
    document = read_docx(response.data)
    assert len(document.inline_shapes) == 5  # the photos
    assert f"/editions/{edition.id}.docx" in reader.get(f"/editions/{edition.id}").get_data(as_text=True)


def test_the_notices_in_word_one_a_page(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id), str(world.other.id)])
    pdf = editor.get(f"/solicitations/{solicitation.id}/print.pdf").data
    assert half_width_punctuation(pdf_text(pdf)) == []
    response = editor.get(f"/solicitations/{solicitation.id}/print.docx")
    assert response.status_code == 200
    paragraphs, _rows = assert_says_what_the_pdf_says(response.data, pdf)
    assert "幸福社区：" in paragraphs and "和平社区：" in paragraphs
    document = read_docx(response.data)
    assert document.element.xml.count('w:type="page"') == 1  # two notices, one page break
    assert not document.settings.odd_and_even_pages_header_footer  # a form without page numbers
    reporter = client_for(app, world.reporter)
    assert "和平社区：" not in [p.text for p in read_docx(
        reporter.get(f"/solicitations/{solicitation.id}/print.docx").data).paragraphs]
    assert f"/solicitations/{solicitation.id}/print.docx" in editor.get(
        f"/solicitations/{solicitation.id}/print").get_data(as_text=True)


def test_the_roster_in_word_a_landscape_table_with_merged_units(app, world):
    filled(world)
    issue_roster_request(app, world.editor, utcnow() + timedelta(days=2))
    editor = client_for(app, world.editor)
    pdf = editor.get("/roster/export.pdf").data
    response = editor.get("/roster/export.docx")
    assert response.status_code == 200
    _paragraphs, rows = assert_says_what_the_pdf_says(response.data, pdf)
    document = read_docx(response.data)
    section = document.sections[0]
    assert section.page_width > section.page_height  # landscape
    table = document.tables[0]
    assert all(row._tr.trPr.find(qn("w:tblHeader")) is not None for row in table.rows[:2])
    assert 'w:vMerge w:val="restart"' in table._tbl.xml  # a unit with two officers: one merged cell
    assert any(row[:2] == ["1", "幸福社区"] for row in rows)
    assert client_for(app, world.reporter).get("/roster/export.docx").status_code == 403
    assert "/roster/export.docx" in editor.get("/roster").get_data(as_text=True)
