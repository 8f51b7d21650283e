"""The seed's forms as PDFs through their routes: 约稿通知单 (附件3) and 信息员统计表 (附件4)."""
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest

from portal.extensions import utcnow
from tests.pdf_tools import A4, MM, page_count, page_size, pdf_fonts, pdf_text, word_boxes
from tests.roster.test_export import filled
from tests.roster.test_requests import issue as issue_roster_request
from tests.solicitations.helpers import client_for, issue


def test_solicitation_notice_pdf_one_page_per_unit_from_the_same_notice(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, topic="今冬明春安全生产/隐患排查", units=[str(world.own.id), str(world.other.id)])
    response = editor.get(f"/solicitations/{solicitation.id}/print.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = unquote(response.headers["Content-Disposition"])
    assert "约稿通知单-今冬明春安全生产_隐患排查.pdf" in disposition
    data = response.data
    assert page_count(data) == 2
    assert page_size(data, 2) == pytest.approx(A4, abs=0.5)
    text = pdf_text(data)
    office = app.config["OFFICE_NAME"]
    for words in (f"{office}政务信息约稿通知", "幸福社区：", "和平社区：", "今冬明春安全生产/隐患排查", "约稿要求：",
                  "请重点反映排查发现的主要隐患和整改措施", "特此通知。", "联系人：王敏", "0552-3012345"):
        assert words in text.replace("\n", "")
    # Each unit on its own page, without page numbers (a one-page form).
    pages = text.split("\f")
    assert "幸福社区：" in pages[0] and "和平社区：" in pages[1]
    assert not [box for box in word_boxes(data) if box.y_min > A4[1] - 35 * MM]
    assert all(font.embedded for font in pdf_fonts(data))
    # The print page links to it.
    assert f"/solicitations/{solicitation.id}/print.pdf" in editor.get(
        f"/solicitations/{solicitation.id}/print").get_data(as_text=True)


def test_a_unit_gets_only_its_own_notice_and_never_another_units(app, world):
    editor = client_for(app, world.editor)
    both = issue(editor, units=[str(world.own.id), str(world.other.id)])
    only_other = issue(editor, topic="只发给和平社区的约稿", units=[str(world.other.id)])
    reporter = client_for(app, world.reporter)
    text = pdf_text(reporter.get(f"/solicitations/{both.id}/print.pdf").data)
    assert "幸福社区：" in text and "和平社区：" not in text
    assert reporter.get(f"/solicitations/{only_other.id}/print.pdf").status_code == 404
    assert client_for(app, world.admin).get(f"/solicitations/{both.id}/print.pdf").status_code == 403


def test_roster_pdf_is_a_landscape_table_like_the_xlsx(app, world, make):
    filled(world)
    issue_roster_request(app, world.editor, utcnow() + timedelta(days=2))
    office = world.office
    for number in range(40):  # enough units for a second page
        make.unit(f"第{number + 1:02d}网格社区", parent=office)
    editor = client_for(app, world.editor)
    response = editor.get("/roster/export.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert ".pdf" in unquote(response.headers["Content-Disposition"])
    data = response.data
    width, height = page_size(data)
    assert (round(width), round(height)) == (842, 595)
    text = pdf_text(data)
    for words in (f"{app.config['OFFICE_NAME']}政务信息员统计表", "注：此表于", "分管领导", "信息员", "专职/兼职",
                  "幸福社区", "张建国", "13904310001", "0431-85550001", "李晓燕", "陈志强", "13604315678", "（未填报）"):
        assert words in text
    # The header repeats on every page.
    pages = page_count(data)
    assert pages >= 2
    assert all("专职/兼职" in page and "电子邮箱" in page for page in text.split("\f")[:pages])
    # The roster page links to it beside the Excel export.
    page = editor.get("/roster").get_data(as_text=True)
    assert "/roster/export.pdf" in page and "/roster/export.xlsx" in page


def test_roster_pdf_is_for_the_office_only(app, world):
    assert client_for(app, world.reporter).get("/roster/export.pdf").status_code == 403
    assert client_for(app, world.viewer).get("/roster/export.pdf").status_code == 403
    assert client_for(app, world.admin).get("/roster/export.pdf").status_code == 200


def test_roster_pdf_columns_fit_their_content_and_the_xlsx_numbers_its_rows(app, world, make):
    from io import BytesIO

    from openpyxl import load_workbook

    from portal.roster.table import column_widths, email_breaks
    from tests.pdf_tools import page_count, word_boxes

    filled(world)
    issue_roster_request(app, world.editor, utcnow() + timedelta(days=2))
    for number in range(23):  # units enough for a page and a little more
        make.unit(f"第{number + 1:02d}网格社区", parent=world.office)
    editor = client_for(app, world.editor)
    data = editor.get("/roster/export.pdf").data
    words = [box.word for box in word_boxes(data)]
    text = pdf_text(data)
    # An e-mail address is never cut inside a word: whole on its line, or wrapped after its "@" or a dot.
    addresses = [word for word in words if "@" in word]
    assert addresses and all(re.fullmatch(r"[\w.+-]+@([\w-]+\.)*[\w-]*", word) for word in addresses), addresses
    assert all(word.endswith(("@", ".")) or re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", word)
               for word in addresses), addresses
    # … and the headers keep their words: 电子邮箱 and 职务 on one line.
    assert "电子邮箱" in words and "电子邮" not in words and "职务" in words
    # The last page holds more than one row.
    last = text.split("\f")[page_count(data) - 1]
    assert len(re.findall(r"第\d+网格社区|社区", last)) >= 2
    # Widths from the content; a long address may wrap only after "@" or a dot.
    assert email_breaks("a.b@c.cn") == "a.\u200bb@\u200bc.\u200bcn"
    assert column_widths([])[0] == 9.0
    # 序号 is a number in the .xlsx.
    book = load_workbook(BytesIO(editor.get("/roster/export.xlsx").data))
    sheet = book.active
    numbers = [row[0] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert numbers[:3] == [1, 2, 3]
