import io
import os

from sqlalchemy import func, select

from portal.extensions import db
from portal.items.models import Item, ItemEvent, ItemPhoto
from portal.items.photos import photo_path
from tests.conftest import jpeg_bytes, login


def test_reporter_deletes_a_draft_with_its_photos(app, client, world):
    login(client, world.reporter)
    form = {"form_key": "delete-me", "title": "写错的草稿", "body": "这条不需要了。", "category": "work",
            "follow_up_of_id": "0", "intent": "save"}

    response = client.post("/items/new", data=form | {"photos": [(io.BytesIO(jpeg_bytes()), "a.jpg")]},
                           content_type="multipart/form-data")
    item = db.session.scalar(select(Item).where(Item.form_key == "delete-me"))
    photo = item.photos[0]
    files = [photo_path(photo), photo_path(photo, thumb=True)]
    assert response.status_code == 302 and all(os.path.exists(f) for f in files)
    assert "删除草稿" in client.get(f"/items/{item.id}").get_data(as_text=True)

    response = client.post(f"/items/{item.id}/delete", data={"confirmed": "1"}, follow_redirects=True)
    assert "草稿《写错的草稿》已删除" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Item.id))) == 0
    assert db.session.scalar(select(func.count(ItemPhoto.id))) == 0
    assert db.session.scalar(select(func.count(ItemEvent.id))) == 0
    assert not any(os.path.exists(f) for f in files)


def test_an_item_that_was_once_signed_keeps_its_history(client, world, make):
    item = make.item(world.reporter, "submitted", signer=world.signer)
    login(client, world.editor)
    client.post(f"/items/{item.id}/act/return", data={"comment": "请补充数据"})
    client.post("/logout")
    login(client, world.reporter)
    db.session.expire_all()
    assert db.session.get(Item, item.id).status == "draft"
    assert "删除草稿" not in client.get(f"/items/{item.id}").get_data(as_text=True)
    assert client.post(f"/items/{item.id}/delete", data={"confirmed": "1"}).status_code == 403
    assert db.session.get(Item, item.id) is not None
