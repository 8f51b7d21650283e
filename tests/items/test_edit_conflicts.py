"""Optimistic locking (ASVS V2.3.3): two people saving the same item never silently overwrite each
other. The second save is refused with both versions shown, and keeps what its author typed."""
import re

from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.items.models import Item
from tests.conftest import login
from tests.items.test_item_form import item_form, post


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def shown_version(html: str) -> str:
    return re.search(r'<input id="version" name="version" type="hidden" value="(\d+)">', html).group(1)


def test_second_reporter_saving_a_stale_draft_is_refused_with_both_versions(app, make, world):
    colleague = make.user(world.own, "reporter", username="colleague")
    item = make.item(world.reporter, "draft", title="原来的标题", body="原来的正文。")
    first, second = client_for(app, world.reporter), client_for(app, colleague)
    first_version = shown_version(first.get(f"/items/{item.id}/edit").get_data(as_text=True))
    second_version = shown_version(second.get(f"/items/{item.id}/edit").get_data(as_text=True))

    saved = post(first, f"/items/{item.id}/edit", item_form(title="第一人的标题", body="第一人的正文。",
                                                            version=first_version))
    assert saved.status_code == 302
    refused = post(second, f"/items/{item.id}/edit", item_form(title="第二人的标题", body="第二人的正文。",
                                                               version=second_version))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "保存未成功：您打开此页面后" in html and world.reporter.name in html
    # Both versions on the page: the one now saved, and the one typed (still in the form, too).
    assert "现在保存的版本" in html and "第一人的标题" in html and "第一人的正文。" in html
    assert "您填写的内容" in html and 'value="第二人的标题"' in html and "第二人的正文。" in html
    db.session.expire_all()
    assert item.title == "第一人的标题"

    # The re-rendered form now carries the newer version: sending it again is a deliberate override.
    again = post(second, f"/items/{item.id}/edit", item_form(title="第二人的标题", body="第二人的正文。",
                                                             version=shown_version(html)))
    assert again.status_code == 302
    db.session.expire_all()
    assert item.title == "第二人的标题"


def test_two_editors_reviewing_the_same_item(app, make, world):
    second_editor = make.user(world.office, "editor", username="editor2")
    item = make.item(world.reporter, "submitted", signer=world.signer, editor=world.editor, title="单位原稿标题")
    first, second = client_for(app, world.editor), client_for(app, second_editor)
    first_version = shown_version(first.get(f"/items/{item.id}/review").get_data(as_text=True))
    second_version = shown_version(second.get(f"/items/{item.id}/review").get_data(as_text=True))

    assert first.post(f"/items/{item.id}/review", data={"title": "编辑甲的标题", "body": "编辑甲的正文。",
                                                        "version": first_version}).status_code == 302
    refused = second.post(f"/items/{item.id}/review", data={"title": "编辑乙的标题", "body": "编辑乙的正文。",
                                                            "version": second_version})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "保存未成功" in html
    assert "编辑甲的标题" in html and 'value="编辑乙的标题"' in html and "编辑乙的正文。" in html
    db.session.expire_all()
    assert item.edited_title == "编辑甲的标题"
    assert [event.action for event in item.events].count("editor_edit") == 1


def test_a_form_without_the_version_it_showed_is_refused(app, make, world):
    item = make.item(world.reporter, "draft", title="原来的标题")
    response = post(client_for(app, world.reporter), f"/items/{item.id}/edit", item_form(title="无版本的修改"))
    assert response.status_code == 200 and "保存未成功" in response.get_data(as_text=True)
    db.session.expire_all()
    assert item.title == "原来的标题"


def test_the_database_refuses_a_write_based_on_an_old_version(app, make, world):
    """The last line behind the form check: two transactions that both read version N cannot both write."""
    item = make.item(world.reporter, "draft", title="原来的标题")
    item_id = item.id
    db.session.commit()  # outside a request every transaction takes SQLite's write lock: end this one
    with Session(db.engine, expire_on_commit=False) as late:
        stale = late.get(Item, item_id)
        late.commit()  # ends the read (SQLite: releases the write lock a session outside a request takes)
        item.title = "先保存的标题"
        db.session.commit()
        stale.title = "后保存的标题"
        try:
            late.commit()
        except StaleDataError:
            late.rollback()
        else:
            raise AssertionError("a write based on an old version was stored")
    db.session.expire_all()
    assert item.title == "先保存的标题"


def test_a_race_past_the_form_check_is_a_409_and_stores_nothing(app, make, world):
    """On PostgreSQL two requests can both pass the form check; the UPDATE's version condition then
    refuses the second. Simulated here: the row's version moves on between the request's read and write."""
    item = make.item(world.reporter, "submitted", signer=world.signer, editor=world.editor, title="单位原稿标题")
    editor = client_for(app, world.editor)
    shown = item.version  # the test's session is the requests' session: this row is already loaded
    db.session.execute(text("UPDATE items SET version = version + 1, edited_title = '别人先存的标题' WHERE id = :id"),
                       {"id": item.id})
    response = editor.post(f"/items/{item.id}/review", data={"title": "后存的标题", "body": item.body, "version": shown})
    assert response.status_code == 409 and "该信息刚刚被他人修改，您的操作未保存" in response.get_data(as_text=True)
    db.session.expire_all()
    assert item.edited_title is None  # the request rolled back, the simulated other write with it
    assert item.events[-1].action != "editor_edit"
