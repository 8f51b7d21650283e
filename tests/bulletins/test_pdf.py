"""The bulletin as a 通报 in the GB/T 9704 format, read back with poppler (tests/pdf_tools.py)."""
import re
from urllib.parse import unquote

import pytest

from portal.bulletins.table import ranking_columns, ranking_tables
from tests.bulletins.conftest import SHANGHAI
from tests.bulletins.test_publishing import client_for, new_draft, publish
from tests.pdf_tools import A4, page_size, pdf_fonts, pdf_text, word_boxes


def squeezed(text: str) -> str:
    return "".join(text.split())


def in_order(text: str, values) -> bool:
    """The values one after another on a line of the laid-out text (a table row)."""
    pattern = r"\s+".join(re.escape("" if value is None else str(value)) for value in values if value is not None)
    return re.search(pattern, text) is not None


def test_the_published_bulletin_reads_back_from_its_pdf(app, world, scenario, caplog):
    editor = client_for(app, world.editor)
    bulletin = publish(editor, new_draft(editor, scenario))
    response = client_for(app, world.reporter).get(f"/bulletins/{bulletin.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    # WeasyPrint only logs a style it cannot parse or a resource it cannot load: none here
    assert [r.getMessage() for r in caplog.records if r.name == "weasyprint" and r.levelno >= 30] == []
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
    [table] = ranking_tables(doc, ranking_columns(doc))
    rows = table.rows
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
    monkeypatch.setattr("portal.bulletins.table.ADOPTION_LIST_MAX", 1)
    editor = client_for(app, world.editor)
    bulletin = publish(editor, new_draft(editor, scenario))
    flat = squeezed(pdf_text(client_for(app, world.reporter).get(f"/bulletins/{bulletin.id}.pdf").data))
    assert "按刊物统计如下" in flat and "《长春信息》" in flat and "幸福社区开展垃圾分类入户宣传" not in flat
    page = client_for(app, world.reporter).get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "逐条明细见电子表格" in page and "本单位被采用的信息" in page and "幸福社区开展垃圾分类入户宣传" in page
    other = client_for(app, world.other_reporter).get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "幸福社区开展垃圾分类入户宣传" not in other


def test_the_printed_ranking_lines_up_its_columns():
    """The ranking's body rows are monospaced lines (one cell each, fast to lay out): every value ends
    at its column's right edge, a unit's name starts at its column's left edge, a long name wraps."""
    from portal.bulletins.table import Column, ranking_grid

    columns = [Column("排名", 6, None), Column("单位", 22, None), Column("报送", 7, None), Column("最终得分", 9, None)]
    rows = [[1, "幸福社区", 12, "100.00"], [2, "街道社区卫生服务中心和退役军人服务站联合党支部", 7, "98.50"],
            [None, "合计", 19, None]]
    grid = ranking_grid(columns, rows)
    first, wrapped, total = grid.lines
    # widths in half-widths: rank 4+1, name 20 (the cap; 10 characters)+2, 报送 4+1, 最终得分 6+1
    assert first == "   1 " + " 幸福社区" + " " * 13 + "  12 " + "100.00"
    name_lines = wrapped.split("\n")
    assert name_lines[0] == "   2 " + " 街道社区卫生服务中心 " + "   7 " + " 98.50"
    assert name_lines[1:] == [" " * 6 + "和退役军人服务站联合", " " * 6 + "党支部"]
    assert total == "     " + " 合计" + " " * 17 + "  19"
    assert grid.rules == [26.25, 141.75, 168.0] and grid.width == pytest.approx(39 * 5.25) and grid.font_pt == 10.5
    # a table wider than the text block shrinks its font to fit
    wide = ranking_grid(columns * 6, [row * 6 for row in rows])
    assert wide.font_pt < 10.5 and 156 * 72 / 25.4 - 2 < wide.width <= 156 * 72 / 25.4
