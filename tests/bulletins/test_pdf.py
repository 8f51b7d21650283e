"""The bulletin as a 通报 in the GB/T 9704 format, read back with poppler (tests/pdf_tools.py)."""
import re
from urllib.parse import unquote

import pytest

from portal.bulletins.table import ranking_columns, ranking_rows
from tests.bulletins.conftest import SHANGHAI
from tests.bulletins.test_publishing import client_for, new_draft, publish
from tests.pdf_tools import A4, page_size, pdf_fonts, pdf_text, word_boxes


def squeezed(text: str) -> str:
    return "".join(text.split())


def in_order(text: str, values) -> bool:
    """The values one after another on a line of the laid-out text (a table row)."""
    pattern = r"\s+".join(re.escape("" if value is None else str(value)) for value in values if value is not None)
    return re.search(pattern, text) is not None


def test_the_published_bulletin_reads_back_from_its_pdf(app, world, scenario):
    editor = client_for(app, world.editor)
    bulletin = publish(editor, new_draft(editor, scenario))
    response = client_for(app, world.reporter).get(f"/bulletins/{bulletin.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"{bulletin.doc_number}{bulletin.title}.pdf" in unquote(response.headers["Content-Disposition"])
    data = response.data
    assert page_size(data) == pytest.approx(A4, abs=0.5)
    text = pdf_text(data)
    flat = squeezed(text)
    doc = bulletin.frozen
    for words in (app.config["OFFICE_NAME"], bulletin.doc_number, bulletin.title, f"{doc['addressee']}：",
                  "一、报送和积分情况", "二、信息采用情况", "三、未完成报送任务的单位", "和平社区未完成报送任务",
                  "幸福社区开展垃圾分类入户宣传", "《长春信息》", "抄送：", "印发"):
        assert words in flat, words
    # Every unit's row and the total row of the ranking table, as in the spreadsheet.
    rows = ranking_rows(doc, ranking_columns(doc))
    for row in rows:
        assert in_order(text, row), row
    assert rows[-1][1] == "合计"
    # 成文日期 and page numbers "— N —".
    published = bulletin.published_at.astimezone(SHANGHAI).date()
    assert f"{published.year}年{published.month}月{published.day}日" in flat
    assert re.search(r"—\s*1\s*—", text)
    assert all(font.embedded for font in pdf_fonts(data))
    # The 版头 is at the top of page 1, the title under it.
    boxes = [box for box in word_boxes(data) if box.page == 1]
    mark = next(box for box in boxes if app.config["OFFICE_NAME"] in box.word)
    number = next(box for box in boxes if box.word.startswith(bulletin.doc_number[:4]))
    assert mark.y_max < number.y_min


def test_a_draft_pdf_says_it_is_a_draft_and_only_editors_get_it(app, world, scenario):
    editor = client_for(app, world.editor)
    draft = new_draft(editor, scenario)
    flat = squeezed(pdf_text(editor.get(f"/bulletins/{draft.id}.pdf").data))
    assert "草稿，发布时编号" in flat and draft.title in flat
    assert client_for(app, world.reporter).get(f"/bulletins/{draft.id}.pdf").status_code == 404
    page = editor.get(f"/bulletins/{draft.id}").get_data(as_text=True)
    assert f"/bulletins/{draft.id}.pdf" in page and f"/bulletins/{draft.id}.xlsx" in page


def test_past_the_listing_limit_adoptions_are_counted_per_publication(app, world, scenario, monkeypatch):
    """A city's year has thousands of adoptions: the page and the PDF count them per publication, the
    .xlsx keeps the list; a unit still finds its own adopted items on the page."""
    monkeypatch.setattr("portal.bulletins.views.ADOPTION_LIST_MAX", 1)
    editor = client_for(app, world.editor)
    bulletin = publish(editor, new_draft(editor, scenario))
    flat = squeezed(pdf_text(client_for(app, world.reporter).get(f"/bulletins/{bulletin.id}.pdf").data))
    assert "按刊物统计如下" in flat and "《长春信息》" in flat and "幸福社区开展垃圾分类入户宣传" not in flat
    page = client_for(app, world.reporter).get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "逐条明细见电子表格" in page and "本单位被采用的信息" in page and "幸福社区开展垃圾分类入户宣传" in page
    other = client_for(app, world.other_reporter).get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "幸福社区开展垃圾分类入户宣传" not in other
