"""A unit's own lists and counts are kept under its items version (items/listing.py): every change to one of
its items or their photos draws it again, and the pages read exactly as they do with nothing kept."""
import io
import re
from datetime import timedelta

from sqlalchemy import insert, select

from portal.extensions import db, utcnow
from portal.items.listing import changed_unit_ids
from portal.items.models import Item, ItemPhoto
from portal.units.models import Unit
from portal.web import memo
from portal.web.filters import to_local_naive
from tests.conftest import jpeg_bytes, login

CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+')
FORM = {"title": "幸福社区开展消防安全入户宣传", "body": "组织网格员入户讲解消防知识。", "category": "work",
        "event_end": "", "follow_up_of_id": "0", "intent": "save"}


def _pages(clients: dict) -> dict:
    """Each page's text, the forms' CSRF tokens left out (signed with the moment they are made)."""
    pages = {}
    for (url, _who), client in clients.items():
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url, _who] = CSRF.sub(r"\1", response.get_data(as_text=True))
    return pages


def _versions() -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(Unit.id, Unit.items_version)).all())


def test_a_units_lists_read_as_computed_anew_after_every_change_to_its_items(app, world, make, clock):
    reporter, signer, editor = app.test_client(), app.test_client(), app.test_client()
    login(reporter, world.reporter)
    login(signer, world.signer)
    login(editor, world.editor)
    clients = {("/unit", "reporter"): reporter, ("/items", "reporter"): reporter,
               ("/items?status=draft", "reporter"): reporter, ("/items?status=returned", "reporter"): reporter,
               ("/items?status=submitted", "reporter"): reporter, ("/unit", "signer"): signer,
               ("/items", "signer"): signer}
    own, other = world.own.id, world.other.id

    def changed(step) -> dict:
        """Runs a change and shows the pages after it, having checked that they read as computed anew and that
        the change drew the unit a new version (and no other unit one)."""
        before = _versions()
        step()
        after = _versions()
        assert after[own] != before[own] and after[other] == before[other]
        _pages(clients)  # the change's flashed message shown once, and the lists kept
        kept = _pages(clients)
        assert any(key[0].__module__ == "portal.items.listing" for key in memo._kept), "nothing was kept"
        memo._kept.clear()
        assert _pages(clients) == kept
        return kept

    _pages(clients)
    first = changed(lambda: reporter.post("/items/new", data=FORM | {
        "form_key": "listed", "photos": [(io.BytesIO(jpeg_bytes()), "a.jpg")]}, content_type="multipart/form-data"))
    item = db.session.scalar(select(Item).where(Item.form_key == "listed"))
    assert "幸福社区开展消防安全入户宣传" in first["/unit", "reporter"]
    assert f"/photos/{item.photos[0].id}/thumb" in first["/items", "reporter"]

    def edit(**fields):
        db.session.expire_all()
        current = db.session.get(Item, item.id)
        return lambda: reporter.post(f"/items/{item.id}/edit", data=FORM | {"version": str(current.version)} | fields,
                                     content_type="multipart/form-data")

    assert "改过的标题" in changed(edit(title="改过的标题"))["/items?status=draft", "reporter"]
    photo_id = item.photos[0].id
    assert f"/photos/{photo_id}/thumb" not in changed(edit(title="改过的标题", **{f"remove-{photo_id}": "1"}))[
        "/unit", "reporter"]
    changed(lambda: reporter.post(f"/items/{item.id}/act/send", data={"comment": ""}))
    assert "待我审签（1）" in _pages(clients)["/unit", "signer"]
    assert "待我审签（" not in changed(lambda: signer.post(f"/items/{item.id}/act/return", data={"comment": "请补充数据"}))[
        "/unit", "signer"]
    changed(lambda: reporter.post(f"/items/{item.id}/act/send", data={"comment": ""}))
    signed = changed(lambda: signer.post(f"/items/{item.id}/act/sign", data={"comment": ""}))
    assert "改过的标题" in signed["/items?status=submitted", "reporter"]
    changed(lambda: editor.post(f"/items/{item.id}/act/adopt", data={"comment": ""}))

    # Another unit's filing leaves this unit's version, and what is kept under it, as they were.
    before = _versions()
    make.item(world.other_reporter, "submitted", signer=world.other_signer)
    assert _versions()[own] == before[own]
    kept = _pages(clients)
    assert any(key[0].__module__ == "portal.items.listing" and key[1] == before[own] for key in memo._kept)
    memo._kept.clear()
    assert _pages(clients) == kept

    # 逾时 of a draft not yet sent comes with the clock, not with a change: drawn when the page is.
    # A routine event is due two hours after its end: this one in about five minutes.
    due = to_local_naive(utcnow() - timedelta(hours=1, minutes=55)).strftime("%Y-%m-%dT%H:%M")
    late = changed(lambda: reporter.post("/items/new", data=FORM | {"form_key": "due", "title": "刚结束的活动",
                                                                    "event_end": due}))
    assert late["/unit", "reporter"].count("逾时") == 0
    clock.shift(timedelta(minutes=10))
    assert _pages(clients)["/unit", "reporter"].count("逾时") == 1

    draft = db.session.scalar(select(Item).where(Item.form_key == "due"))
    assert "刚结束的活动" not in changed(lambda: reporter.post(f"/items/{draft.id}/delete", data={"confirmed": "1"}))[
        "/items", "reporter"]


def test_a_bulk_statement_on_items_or_photos_draws_every_units_version(app, world):
    before = _versions()
    db.session.execute(insert(Item), [{
        "unit_id": world.other.id, "author_id": world.other_reporter.id, "form_key": "bulk", "title": "批量写入",
        "body": "正文", "category": "work", "status": "draft", "decision_note": "", "major": False}])
    db.session.commit()
    after = _versions()
    assert all(after[unit_id] != version for unit_id, version in before.items())


def test_a_flush_names_the_units_whose_items_or_photos_it_changes(app, world, make):
    item = make.item(world.reporter)
    photo = ItemPhoto(item_id=item.id, form_key="k", uploader_id=world.reporter.id, stored_name="x" * 32,
                      width=1, height=1, size=1)
    db.session.add(photo)
    assert changed_unit_ids(db.session) == {world.own.id}
    db.session.commit()
    item.unit_id = world.other.id  # were an item to move, both units' lists change
    assert changed_unit_ids(db.session) == {world.own.id, world.other.id}
    db.session.rollback()
    pending = ItemPhoto(item_id=None, form_key="k2", uploader_id=world.reporter.id, stored_name="y" * 32,
                        width=1, height=1, size=1)
    db.session.add(pending)  # a photo of a form not yet saved belongs to no unit's list
    assert changed_unit_ids(db.session) == set()
    db.session.rollback()


def test_a_kept_rows_copy_reads_in_a_list_as_its_item_does(app, world, make):
    """What item_row shows of an ItemRow is what it shows of the item: no attribute the macro reads is missing
    from the copy (Jinja would print nothing for it)."""
    from portal.items.listing import _rows, with_thumb

    items = [make.item(world.reporter, status, signer=world.signer) for status in ("draft", "awaiting_signoff", "submitted")]
    items.append(make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor))
    returned = make.item(world.reporter, "awaiting_signoff")
    make.act(returned, world.signer, "return")
    items.append(returned)
    due = make.item(world.reporter, event_end_at=utcnow() - timedelta(hours=5))
    items.append(due)
    db.session.add(ItemPhoto(item_id=items[0].id, form_key="k", uploader_id=world.reporter.id, stored_name="z" * 32,
                             width=1, height=1, size=1))
    db.session.commit()
    with app.test_request_context():
        macro = app.jinja_env.get_template("_macros/items.html").module.item_row
        db.session.expire_all()
        by_id = {item.id: item for item in db.session.scalars(  # as a list loads them
            select(Item).where(Item.id.in_([item.id for item in items])).options(with_thumb()))}
        loaded = [by_id[item.id] for item in items]
        shown = [str(macro(item)) for item in loaded]
        rows = _rows(loaded)
        assert [str(macro(row)) for row in rows] == shown
        read = _Reads(loaded[0])
        for item in loaded:
            read.target = item
            macro(read)
        assert read.names and all(hasattr(rows[0], name) for name in read.names), read.names
    assert "thumb" in shown[0] and "被退回" in shown[4] and "逾时" in shown[5]


class _Reads:
    """Records the attributes a template reads of the item it wraps."""

    def __init__(self, target):
        self.target, self.names = target, set()

    def __getattr__(self, name):
        self.names.add(name)
        return getattr(self.target, name)
