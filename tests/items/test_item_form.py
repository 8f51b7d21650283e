"""The item form: bad input never loses work, a retried submit never files twice, follow-ups stay in the
unit, the photo limit, and who may edit a draft."""
import io
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.items.models import Item, ItemPhoto
from portal.web.filters import format_date
from tests.conftest import jpeg_bytes, login, utc


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def small_jpeg(color="red") -> bytes:
    return jpeg_bytes((64, 48), color)


def photo(name: str, color="red"):
    return (io.BytesIO(small_jpeg(color)), name)


def fresh_form_key(client) -> str:
    page = client.get("/items/new").get_data(as_text=True)
    return re.search(r'<input id="form_key" name="form_key" type="hidden" value="([0-9a-f]{32})">', page).group(1)


def item_form(**overrides):
    return {"title": "幸福社区开展垃圾分类入户宣传活动", "body": "组织志愿者逐户发放垃圾分类指南和分类垃圾袋。",
            "category": "work", "event_end": "", "follow_up_of_id": "0", "intent": "save"} | overrides


def post(client, url, data):
    return client.post(url, data=data, content_type="multipart/form-data")


def field_block(html: str, field_id: str) -> str:
    """The <div class="field"> that holds the input with this id."""
    for block in html.split('<div class="field')[1:]:
        if f'id="{field_id}"' in block.split("</div>")[0]:
            return block.split("</div>")[0]
    raise AssertionError(f"no field {field_id}")


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


# ---- validation keeps input ----------------------------------------------------------------

def test_missing_title_keeps_body_fields_and_photos_then_one_item_with_both_photos(app, world):
    client = client_for(app, world.reporter)
    key = fresh_form_key(client)
    body = "5月20日，幸福社区组织志愿者32人开展垃圾分类入户宣传。"
    response = post(client, "/items/new", item_form(
        form_key=key, title="", body=body, category="research", event_end="2026-05-20T16:30",
        photos=[photo("现场1.jpg"), photo("现场2.jpg", "blue")],
    ))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert body in html
    assert '<option selected value="research">' in html
    assert 'value="2026-05-20T16:30"' in html
    assert f'value="{key}"' in html
    title_field = field_block(html, "title")
    assert '<p class="error" role="alert">请填写标题</p>' in title_field
    stored = db.session.scalars(select(ItemPhoto).where(ItemPhoto.form_key == key).order_by(ItemPhoto.id)).all()
    assert len(stored) == 2 and all(p.item_id is None for p in stored)
    for p in stored:
        assert f'src="/photos/{p.id}/thumb"' in html
        assert f'name="caption-{p.id}"' in html
    assert "已上传的照片（2）" in html
    assert count(Item) == 0
    # The uploader can already see the thumbnails of the not yet filed item.
    with client.get(f"/photos/{stored[0].id}/thumb") as thumb:
        assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"

    response = post(client, "/items/new", item_form(
        form_key=key, title="幸福社区开展垃圾分类入户宣传活动", body=body, category="research",
        event_end="2026-05-20T16:30", **{f"caption-{stored[0].id}": "志愿者入户发放指南",
                                          f"caption-{stored[1].id}": "居民现场咨询"},
    ))
    assert response.status_code == 302
    assert count(Item) == 1
    item = db.session.scalar(select(Item))
    assert response.headers["Location"].endswith(f"/items/{item.id}")
    assert (item.title, item.body, item.category) == ("幸福社区开展垃圾分类入户宣传活动", body, "research")
    assert [(p.id, p.caption) for p in item.photos] == [(stored[0].id, "志愿者入户发放指南"), (stored[1].id, "居民现场咨询")]
    assert count(ItemPhoto) == 2
    detail = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "志愿者入户发放指南" in detail and "居民现场咨询" in detail


def test_captions_written_beside_chosen_photos_are_saved_with_them(app, world):
    # portal.js gives each chosen photo a field new-caption-<n> beside its thumbnail before sending.
    client = client_for(app, world.reporter)
    form = client.get("/items/new").get_data(as_text=True)
    assert 'class="button add-photo"' in form and 'id="upload-progress"' in form
    response = post(client, "/items/new", item_form(
        form_key=fresh_form_key(client), photos=[photo("a.jpg"), photo("b.jpg", "blue"), photo("c.jpg")],
        **{"new-caption-0": " 志愿者入户\x07发放指南 ", "new-caption-2": "居民现场咨询" * 40},
    ))
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    assert [p.caption for p in item.photos] == ["志愿者入户发放指南", "", ("居民现场咨询" * 40)[:200]]


def test_captions_of_new_photos_survive_a_failed_validation(app, world):
    client = client_for(app, world.reporter)
    key = fresh_form_key(client)
    html = post(client, "/items/new", item_form(form_key=key, title="", photos=[photo("a.jpg")],
                                                **{"new-caption-0": "活动现场"})).get_data(as_text=True)
    photo_id = db.session.scalar(select(ItemPhoto.id).where(ItemPhoto.form_key == key))
    assert f'name="caption-{photo_id}" value="活动现场"' in html


def test_typed_captions_survive_a_failed_validation(app, world):
    client = client_for(app, world.reporter)
    key = fresh_form_key(client)
    post(client, "/items/new", item_form(form_key=key, title="", photos=[photo("a.jpg")]))
    photo_id = db.session.scalar(select(ItemPhoto.id).where(ItemPhoto.form_key == key))
    html = post(client, "/items/new", item_form(form_key=key, title="", body="",
                                                **{f"caption-{photo_id}": "活动现场"})).get_data(as_text=True)
    assert f'name="caption-{photo_id}" value="活动现场"' in html
    assert '<p class="error" role="alert">请填写正文</p>' in field_block(html, "body")


def test_a_photo_can_be_removed_before_filing(app, world):
    client = client_for(app, world.reporter)
    key = fresh_form_key(client)
    post(client, "/items/new", item_form(form_key=key, title="", photos=[photo("a.jpg"), photo("b.jpg")]))
    first, second = db.session.scalars(select(ItemPhoto.id).where(ItemPhoto.form_key == key).order_by(ItemPhoto.id))
    post(client, "/items/new", item_form(form_key=key, **{f"remove-{first}": "1"}))
    item = db.session.scalar(select(Item).where(Item.form_key == key))
    assert [p.id for p in item.photos] == [second]
    assert count(ItemPhoto) == 1


def test_over_long_title_is_refused_in_chinese_and_kept(app, world):
    client = client_for(app, world.reporter)
    long_title = "长" * 101
    html = post(client, "/items/new", item_form(form_key="long-1", title=long_title)).get_data(as_text=True)
    assert "标题不超过100个字" in field_block(html, "title")
    assert count(Item) == 0


# ---- the one-time key ------------------------------------------------------------------------

def test_the_same_form_posted_twice_files_one_item(app, world):
    client = client_for(app, world.reporter)
    key = fresh_form_key(client)
    first = post(client, "/items/new", item_form(form_key=key, photos=[photo("a.jpg")]))
    second = post(client, "/items/new", item_form(form_key=key, photos=[photo("a.jpg")]))
    assert first.status_code == second.status_code == 302
    assert count(Item) == 1
    item = db.session.scalar(select(Item))
    assert first.headers["Location"] == second.headers["Location"]
    assert first.headers["Location"].endswith(f"/items/{item.id}")
    # The replay brings no second photo either.
    assert count(ItemPhoto) == 1 and len(item.photos) == 1
    assert [e.action for e in item.events] == ["create"]


def test_replayed_send_does_not_send_twice(app, world):
    client = client_for(app, world.reporter)
    key = fresh_form_key(client)
    for _ in range(2):
        assert post(client, "/items/new", item_form(form_key=key, intent="send")).status_code == 302
    item = db.session.scalar(select(Item))
    assert count(Item) == 1
    assert item.status == "awaiting_signoff"
    assert [e.action for e in item.events] == ["create", "send"]


def test_each_new_form_gets_its_own_key(app, world):
    client = client_for(app, world.reporter)
    assert fresh_form_key(client) != fresh_form_key(client)


# ---- follow-ups (续报) ------------------------------------------------------------------------

def test_follow_up_of_another_units_item_is_refused(app, make, world):
    theirs = make.item(world.other_reporter, "submitted", signer=world.other_signer, title="和平社区燃气泄漏险情")
    client = client_for(app, world.reporter)
    response = post(client, "/items/new", item_form(form_key="fu-1", title="燃气泄漏险情续报",
                                                    follow_up_of_id=str(theirs.id)))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<p class="error" role="alert">不是有效的选择。</p>' in field_block(html, "follow_up_of_id")
    assert "和平社区燃气泄漏险情" not in html  # nor is it offered
    assert "燃气泄漏险情续报" in html  # what was typed is kept
    assert count(Item) == 1


def test_follow_up_of_an_own_earlier_item(app, make, world):
    earlier = make.item(world.reporter, "submitted", signer=world.signer, title="解放路燃气泄漏险情",
                        category="emergency")
    client = client_for(app, world.reporter)
    form = client.get(f"/items/new?follow_up_of={earlier.id}").get_data(as_text=True)
    # each choice says when it was submitted and where it stands
    assert f'<option selected value="{earlier.id}">{format_date(earlier.submitted_at)} 解放路燃气泄漏险情（已报送）</option>' in form
    response = post(client, "/items/new", item_form(form_key="fu-2", title="解放路燃气泄漏险情续报",
                                                    category="emergency", follow_up_of_id=str(earlier.id)))
    assert response.status_code == 302
    later = db.session.scalar(select(Item).where(Item.form_key == "fu-2"))
    assert later.follow_up_of_id == earlier.id
    assert "解放路燃气泄漏险情续报" in client.get(f"/items/{earlier.id}").get_data(as_text=True)
    assert f'href="/items/{earlier.id}"' in client.get(f"/items/{later.id}").get_data(as_text=True)


def test_follow_up_of_an_own_draft_or_unknown_item_is_refused(app, make, world):
    draft = make.item(world.reporter, "draft")
    client = client_for(app, world.reporter)
    for target in (draft.id, 9999):
        html = post(client, "/items/new", item_form(form_key=f"fu-{target}", follow_up_of_id=str(target))
                    ).get_data(as_text=True)
        assert "不是有效的选择。" in field_block(html, "follow_up_of_id")
    assert count(Item) == 1


# ---- the photo limit ------------------------------------------------------------------------

def test_more_than_nine_photos_keeps_the_first_nine(app, world):
    assert app.config["ITEM_MAX_PHOTOS"] == 9
    client = client_for(app, world.reporter)
    key = fresh_form_key(client)
    files = [photo(f"p{n:02d}.jpg") for n in range(1, 11)]
    response = post(client, "/items/new", item_form(form_key=key, photos=files))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "每条信息最多 9 张照片，“p10.jpg”未上传" in field_block(html, "photos")
    assert count(Item) == 0
    kept = db.session.scalars(select(ItemPhoto).where(ItemPhoto.form_key == key).order_by(ItemPhoto.position)).all()
    assert len(kept) == 9
    assert html.count('<div class="photo-edit">') == 9
    # The form is sent again as it is shown: the nine stay, the item is filed.
    assert post(client, "/items/new", item_form(form_key=key)).status_code == 302
    item = db.session.scalar(select(Item))
    assert len(item.photos) == 9
    # And a tenth cannot be added later by editing.
    html = post(client, f"/items/{item.id}/edit", item_form(photos=[photo("p11.jpg")], version=item.version)).get_data(as_text=True)
    assert "每条信息最多 9 张照片，“p11.jpg”未上传" in html
    assert count(ItemPhoto) == 9


# ---- editing a draft -----------------------------------------------------------------------

def test_reporter_edits_a_draft(app, make, world):
    item = make.item(world.reporter, "draft", title="原来的标题")
    client = client_for(app, world.reporter)
    page = client.get(f"/items/{item.id}/edit")
    assert page.status_code == 200
    assert 'value="原来的标题"' in page.get_data(as_text=True)
    response = post(client, f"/items/{item.id}/edit", item_form(title="修改后的标题", photos=[photo("x.jpg")], version=item.version))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/items/{item.id}")
    db.session.expire_all()
    assert item.title == "修改后的标题" and item.status == "draft"
    assert len(item.photos) == 1
    assert [(e.action, e.from_status, e.to_status) for e in item.events] == [("create", None, "draft"),
                                                                             ("edit", "draft", "draft")]


def test_edit_form_of_a_draft_with_an_event_time_shows_it_in_office_time(app, make, world):
    item = make.item(world.reporter, "draft", event_end_at=utc(2026, 3, 2, 8, 0), major=True)
    html = client_for(app, world.reporter).get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert 'value="2026-03-02T16:00"' in html and 'name="major" type="checkbox" value="y"' in html


def test_another_reporter_of_the_same_unit_may_edit_a_draft(app, make, world):
    colleague = make.user(world.own, "reporter", username="colleague")
    item = make.item(world.reporter, "draft")
    response = post(client_for(app, colleague), f"/items/{item.id}/edit", item_form(title="同事修改", version=item.version))
    assert response.status_code == 302
    db.session.expire_all()
    assert item.title == "同事修改"


@pytest.mark.parametrize("actor", ["signer", "editor", "viewer", "admin"])
def test_signer_and_office_cannot_edit_a_draft(app, make, world, actor):
    item = make.item(world.reporter, "draft", title="原来的标题")
    client = client_for(app, getattr(world, actor))
    assert client.get(f"/items/{item.id}/edit").status_code == 403
    assert post(client, f"/items/{item.id}/edit", item_form(title="被改了")).status_code == 403
    assert client.get("/items/new").status_code == 403
    db.session.expire_all()
    assert item.title == "原来的标题" and len(item.events) == 1
    assert 'href="/items/%d/edit"' % item.id not in client.get(f"/items/{item.id}").get_data(as_text=True)


def test_signer_who_is_also_reporter_can_edit(app, make, world):
    both = make.user(world.own, "reporter", "signer", username="both")
    item = make.item(world.reporter, "draft")
    assert post(client_for(app, both), f"/items/{item.id}/edit", item_form(title="兼任修改", version=item.version)).status_code == 302


def test_other_units_reporter_gets_404(app, make, world):
    item = make.item(world.reporter, "draft", title="原来的标题")
    client = client_for(app, world.other_reporter)
    assert client.get(f"/items/{item.id}/edit").status_code == 404
    assert post(client, f"/items/{item.id}/edit", item_form(title="被改了")).status_code == 404
    db.session.expire_all()
    assert item.title == "原来的标题"


@pytest.mark.parametrize("status", ["awaiting_signoff", "submitted", "adopted"])
def test_reporter_cannot_edit_once_sent(app, make, world, status):
    item = make.item(world.reporter, status, signer=world.signer, editor=world.editor, title="原来的标题")
    client = client_for(app, world.reporter)
    assert client.get(f"/items/{item.id}/edit").status_code == 403
    assert post(client, f"/items/{item.id}/edit", item_form(title="被改了")).status_code == 403
    db.session.expire_all()
    assert item.title == "原来的标题"


def test_returned_item_can_be_reopened_and_shows_the_comment(app, make, world):
    item = make.item(world.reporter, "awaiting_signoff")
    client_for(app, world.signer).post(f"/items/{item.id}/act/return", data={"comment": "标题再精炼一些"})
    page = client_for(app, world.reporter).get(f"/items/{item.id}/edit")
    assert page.status_code == 200
    assert "退回意见：标题再精炼一些" in page.get_data(as_text=True)


def test_the_follow_up_picker_narrows_to_the_words_typed_and_keeps_the_form(app, make, world):
    older = make.item(world.reporter, "submitted", signer=world.signer, title="解放路燃气泄漏险情")
    make.item(world.reporter, "submitted", signer=world.signer, title="幸福社区开展消防演练")
    client = client_for(app, world.reporter)
    # As typed (HTMX asks the page again with the words and takes the picker from it).
    picker = field_block(client.get("/items/new?follow_up_q=燃气").get_data(as_text=True), "follow_up_of_id")
    assert "解放路燃气泄漏险情" in picker and "消防演练" not in picker
    nothing = field_block(client.get("/items/new?follow_up_q=%25").get_data(as_text=True), "follow_up_of_id")
    assert "（没有标题含“%”的信息）" in nothing and "燃气" not in nothing  # % is a character, not a wildcard
    # Without scripts: 查找 sends the form, which comes back as typed, its photo kept, nothing saved.
    key = fresh_form_key(client)
    response = post(client, "/items/new", item_form(form_key=key, title="燃气泄漏险情续报", intent="find",
                                                    follow_up_q="消防", photos=[photo("a.jpg")]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and count(Item) == 2
    assert 'value="燃气泄漏险情续报"' in html and 'value="消防"' in html and "已上传的照片（1）" in html
    assert "消防演练" in field_block(html, "follow_up_of_id") and "燃气" not in field_block(html, "follow_up_of_id")
    assert 'class="error"' not in html and 'id="errors"' not in html  # nothing checked, nothing refused
    # The one already chosen stays offered whatever the words, and the save goes through.
    response = post(client, "/items/new", item_form(form_key=key, title="燃气泄漏险情续报", follow_up_q="消防",
                                                    follow_up_of_id=str(older.id)))
    assert response.status_code == 302
    assert db.session.scalar(select(Item).where(Item.form_key == key)).follow_up_of_id == older.id
