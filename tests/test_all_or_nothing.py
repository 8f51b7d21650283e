"""Every business operation commits once or not at all (ASVS V2.3.3): a failure forced at the last
step of an operation leaves nothing of it stored, rows and photo files alike.

The failure is a RuntimeError raised by the operation's last call (its notices); the test client
re-raises it (TESTING), and the test then rolls the session back as a server's request teardown does."""
import io
import os

import pytest
from sqlalchemy import func, select

from portal.editions.models import Edition
from portal.extensions import db
from portal.items.models import Item, ItemEvent, ItemPhoto
from portal.notifications.models import Delivery, Notification
from portal.scoring.models import Adoption
from tests.conftest import jpeg_bytes, login
from tests.editions.test_editions import add, new_edition
from tests.solicitations.helpers import office_today


class Boom(RuntimeError):
    pass


def explode(*args, **kwargs):
    raise Boom("forced failure at the operation's last step")


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def fail_midway(client, url, data=None, **kwargs):
    with pytest.raises(Boom):
        client.post(url, data=data, **kwargs)
    db.session.rollback()  # what the request's teardown does on a real server


def counts(*models) -> list[int]:
    db.session.expire_all()
    return [db.session.scalar(select(func.count()).select_from(model)) for model in models]


def photo_files(app) -> list[str]:
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "photos")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_filing_an_item_with_photos_and_sending_it(app, world, monkeypatch):
    monkeypatch.setattr("portal.items.services.notify_users", explode)  # the signer's notice comes last
    data = {"title": "幸福社区开展防汛演练", "body": "社区组织居民开展防汛演练。", "category": "work",
            "follow_up_of_id": "0", "event_end": "", "intent": "send", "form_key": "a" * 32,
            "photos": [(io.BytesIO(jpeg_bytes((64, 48))), "现场1.jpg"), (io.BytesIO(jpeg_bytes((64, 48))), "现场2.jpg")]}
    fail_midway(client_for(app, world.reporter), "/items/new", data, content_type="multipart/form-data")
    assert counts(Item, ItemPhoto, ItemEvent, Notification, Delivery) == [0, 0, 0, 0, 0]
    assert photo_files(app) == []


def test_removing_a_photo_in_a_failed_edit_keeps_its_file(app, make, world, monkeypatch):
    item = make.item(world.reporter, "draft")
    client = client_for(app, world.reporter)
    form = {"title": item.title, "body": item.body, "category": "work", "follow_up_of_id": "0", "event_end": "",
            "intent": "save", "version": item.version}
    client.post(f"/items/{item.id}/edit", data=form | {"photos": [(io.BytesIO(jpeg_bytes((64, 48))), "现场.jpg")]},
                content_type="multipart/form-data")
    (photo,) = db.session.scalars(select(ItemPhoto))
    files = photo_files(app)
    assert len(files) == 2
    db.session.refresh(item)
    monkeypatch.setattr("portal.items.services.notify_users", explode)
    fail_midway(client, f"/items/{item.id}/edit", form | {"version": item.version, "intent": "send",
                                                         f"remove-{photo.id}": "1"})
    assert counts(ItemPhoto) == [1] and photo_files(app) == files
    assert db.session.get(Item, item.id).status == "draft"


def test_adopting_an_item(app, make, world, monkeypatch):
    item = make.item(world.reporter, "in_review", signer=world.signer, editor=world.editor)
    before = counts(Adoption, ItemEvent, Notification)
    # The author's notice comes last, from scoring's receiver of item_transitioned.
    monkeypatch.setattr("portal.scoring.hooks.notify_users", explode)
    fail_midway(client_for(app, world.editor), f"/items/{item.id}/act/adopt", {"comment": ""})
    assert db.session.get(Item, item.id).status == "in_review"
    assert counts(Adoption, ItemEvent, Notification) == before


def test_recording_an_upper_adoption_of_a_not_adopted_item(app, make, world, monkeypatch):
    """补录: the adoption record, the item's move to adopted and the notice go together or not at all."""
    item = make.item(world.reporter, "not_adopted", signer=world.signer, editor=world.editor)
    before = counts(Adoption, ItemEvent, Notification)
    monkeypatch.setattr("portal.scoring.records.notify_users", explode)
    fail_midway(client_for(app, world.editor), f"/items/{item.id}/adoptions",
                {"channel": "cpc_main", "adopted_on": office_today().isoformat()})
    assert db.session.get(Item, item.id).status == "not_adopted"
    assert counts(Adoption, ItemEvent, Notification) == before


def test_locking_an_edition(app, make, world, monkeypatch):
    item = make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    add(editor, edition, [item])
    adoptions = counts(Adoption)
    monkeypatch.setattr("portal.editions.services.notify_users", explode)  # the units' notices come last
    fail_midway(editor, f"/editions/{edition.id}/lock", {"confirmed": "1"})
    edition = db.session.get(Edition, edition.id)
    assert (edition.status, edition.number, edition.locked_at) == ("draft", None, None)
    assert counts(Adoption) == adoptions
    assert all(entry.unit_name in (None, "") for entry in edition.entries)
