"""What units and the office see: published bulletins only (newest first) with the own line
highlighted, drafts hidden from everyone but the editors, and refusals in Chinese at the field."""
import re
from datetime import timedelta

import pytest

from portal.bulletins.services import create_bulletin, publish_bulletin, resolve_window
from portal.extensions import db
from tests.bulletins.conftest import shanghai
from tests.bulletins.test_publishing import client_for


@pytest.fixture
def bulletins(app, world, scenario):
    """Two published (the quarter later than the month) and one draft."""
    month = resolve_window("month", scenario.first.year, scenario.first.month)
    quarter = resolve_window("quarter", 2025, 4)
    with app.test_request_context(method="POST"):
        # Published the day after last month ended, the quarter a day later.
        published_month = publish_bulletin(world.editor, create_bulletin(world.editor, month),
                                           now=shanghai(scenario.last + timedelta(days=1)))
        published_quarter = publish_bulletin(world.editor, create_bulletin(world.editor, quarter),
                                             now=shanghai(scenario.last + timedelta(days=2)))
    draft = create_bulletin(world.editor, resolve_window("month", 2025, 6))
    db.session.commit()
    return published_month, published_quarter, draft


@pytest.mark.calendar
def test_units_see_published_bulletins_newest_first(app, world, bulletins):
    published_month, published_quarter, draft = bulletins
    page = client_for(app, world.reporter).get("/bulletins").get_data(as_text=True)
    assert draft.title not in page
    assert page.index(published_quarter.title) < page.index(published_month.title)
    # The unit's own standing in each published bulletin is shown in the list.
    assert re.search(r"本单位：第\d+名", page)
    editor_page = client_for(app, world.editor).get("/bulletins").get_data(as_text=True)
    assert editor_page.index(draft.title) < editor_page.index(published_quarter.title)
    assert "草稿" in editor_page


@pytest.mark.calendar
def test_the_own_line_is_highlighted(app, world, bulletins):
    published_month = bulletins[0]
    for user, unit in ((world.reporter, world.own), (world.other_signer, world.other)):
        page = client_for(app, user).get(f"/bulletins/{published_month.id}").get_data(as_text=True)
        highlighted = re.findall(r'<li class="mine">\s*<span class="rank">\d+</span>\s*<div>\s*<b>([^<]+)</b>', page)
        assert highlighted == [unit.name]
    office = client_for(app, world.viewer).get(f"/bulletins/{published_month.id}").get_data(as_text=True)
    assert 'class="mine"' not in office


def test_drafts_are_hidden_from_everyone_but_editors(app, world, bulletins):
    draft = bulletins[2]
    for user in (world.reporter, world.signer, world.viewer, world.admin):
        client = client_for(app, user)
        for url in (f"/bulletins/{draft.id}", f"/bulletins/{draft.id}.xlsx"):
            assert client.get(url).status_code == 404, (user.username, url)
    assert client_for(app, world.editor).get(f"/bulletins/{draft.id}").status_code == 200


@pytest.mark.parametrize("data, field, message", [
    ({"kind": "month", "year": "2026", "month": "13"}, "month", "月份应为1至12月"),
    ({"kind": "month", "year": "2026", "month": "十月"}, "month", "月份应为1至12月"),
    ({"kind": "quarter", "year": "2026", "quarter": "5"}, "quarter", "季度应为第一至第四季度"),
    ({"kind": "month", "year": "1999", "month": "3"}, "year", "年份应在2000至2100年之间"),
    ({"kind": "month", "year": "20266", "month": "3"}, "year", "年份应在2000至2100年之间"),
    ({"kind": "month", "year": "二〇二六", "month": "3"}, "year", "不是有效的整数"),
    ({"kind": "month", "month": "3"}, "year", "请填写年份"),
    ({"kind": "weekly", "year": "2026", "month": "3"}, "kind", "请选择通报类型"),
])
def test_bad_input_is_refused_at_the_field(app, world, data, field, message):
    response = client_for(app, world.editor).post("/bulletins/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    block = re.search(rf'<div class="field has-error">\s*<label for="{field}">.*?</div>', page, re.S)
    assert block and message in block.group(0), page


def test_text_edits_are_checked(app, world, bulletins):
    draft = bulletins[2]
    editor = client_for(app, world.editor)
    page = editor.post(f"/bulletins/{draft.id}/edit", data={"title": "", "preamble": "x"}).get_data(as_text=True)
    assert "请填写标题" in page
    page = editor.post(f"/bulletins/{draft.id}/edit", data={"title": "通" * 101}).get_data(as_text=True)
    assert "标题不超过100个字" in page


def test_an_editor_deletes_a_draft(app, world, bulletins):
    draft = bulletins[2]
    editor = client_for(app, world.editor)
    assert editor.post(f"/bulletins/{draft.id}/delete", data={"confirmed": "1"}).status_code == 302
    assert editor.get(f"/bulletins/{draft.id}").status_code == 404


def test_every_role_finds_the_bulletins_in_the_menu(app, world):
    for user in (world.reporter, world.signer, world.editor, world.viewer, world.admin):
        page = client_for(app, user).get("/bulletins").get_data(as_text=True)
        assert '<a href="/bulletins">通报</a>' in page, user.username
