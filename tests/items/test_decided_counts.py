"""The totals of decided items the database keeps for the inbox's tabs: they follow every way an item can be
written, and the tabs agree with the lists they open."""
import re

from sqlalchemy import delete, func, select, text, update

from portal.extensions import db
from portal.items.categories import CATEGORIES
from portal.items.models import DECIDED, DecidedCount, Item
from tests.conftest import login


def _kept() -> dict[str, int]:
    """The kept totals by status, after checking each status and category's against a live count."""
    kept = {(status, category): total for status, category, total in db.session.execute(
        select(DecidedCount.status, DecidedCount.category, DecidedCount.total))}
    found = {(status, category): total for status, category, total in db.session.execute(
        select(Item.status, Item.category, func.count()).group_by(Item.status, Item.category))}
    assert kept == {(status, category): found.get((status, category), 0) for status in DECIDED
                    for category in CATEGORIES}
    return {status: sum(total for (kind, _category), total in kept.items() if kind == status) for status in DECIDED}


def _counted() -> dict[str, int]:
    found = dict(db.session.execute(select(Item.status, func.count()).group_by(Item.status)).all())
    return {status: found.get(status, 0) for status in DECIDED}


def test_kept_totals_follow_every_way_an_item_is_written(world, make):
    assert _kept() == _counted() == {status: 0 for status in DECIDED}
    adopted = make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)
    rejected = make.item(world.reporter, "not_adopted", signer=world.signer, editor=world.editor)
    make.item(world.reporter, "invalid", signer=world.signer, editor=world.editor)
    pending = make.item(world.reporter, "in_review", signer=world.signer, editor=world.editor)
    make.item(world.reporter, "awaiting_signoff")
    assert _kept() == _counted() == {"adopted": 1, "not_adopted": 1, "invalid": 1}

    make.act(rejected, world.editor, "adopt")  # a corrected verdict leaves one total for another
    assert _kept() == _counted() == {"adopted": 2, "not_adopted": 0, "invalid": 1}

    db.session.execute(update(Item).where(Item.id == pending.id).values(status="not_adopted"))  # a bulk statement
    db.session.commit()
    assert _kept() == _counted() == {"adopted": 2, "not_adopted": 1, "invalid": 1}

    db.session.execute(text("UPDATE items SET status = 'invalid' WHERE id = :id"), {"id": adopted.id})  # SQL text
    db.session.execute(text("UPDATE items SET title = '改过的标题' WHERE id = :id"), {"id": adopted.id})
    db.session.commit()
    assert _kept() == _counted() == {"adopted": 1, "not_adopted": 1, "invalid": 2}

    # Another category, the verdict kept; then both at once (the counts by category are checked by _kept).
    db.session.execute(text("UPDATE items SET category = 'research' WHERE id = :id"), {"id": adopted.id})
    db.session.execute(update(Item).where(Item.id == rejected.id).values(category="policy", status="not_adopted"))
    db.session.commit()
    assert _kept() == _counted() == {"adopted": 0, "not_adopted": 2, "invalid": 2}

    db.session.execute(update(Item).values(status="adopted"))  # every item, decided or not
    db.session.rollback()  # and taken back: so are the totals
    assert _kept() == _counted()

    db.session.delete(db.session.get(Item, adopted.id))
    db.session.execute(delete(Item).where(Item.status == "not_adopted"))
    db.session.commit()
    assert _kept() == _counted() == {"adopted": 0, "not_adopted": 0, "invalid": 1}


def _tabs(page: str) -> dict[str, str]:
    return {label: count for count, label in re.findall(r"<b>([0-9+]+)</b><span>([^<]+)</span>", page)}


def _list_total(page: str) -> str:
    total, more = re.search(r"共 (\d+) 条(以上)?", page).groups()
    return total + ("+" if more else "")


def test_inbox_tabs_agree_with_the_lists_they_open(app, client, world, make):
    for status in ("submitted", "in_review", "adopted", "adopted", "not_adopted", "invalid", "adopted"):
        make.item(world.reporter, status, signer=world.signer, editor=world.editor)
    login(client, world.editor)
    labels = {"pending": "待处理", "adopted": "已采用", "not_adopted": "未采用", "invalid": "不计分"}
    # At a limit of 1 the pending tab adds two parts of 1 (neither past the limit) and stops as its list does.
    for limit, expected, every in ((10_000, {"pending": "2", "adopted": "3", "not_adopted": "1", "invalid": "1"}, "7"),
                                   (2, {"pending": "2", "adopted": "2+", "not_adopted": "1", "invalid": "1"}, "2+"),
                                   (1, {"pending": "1+", "adopted": "1+", "not_adopted": "1", "invalid": "1"}, "1+")):
        app.config["COUNT_LIMIT"] = limit
        tabs = _tabs(client.get("/inbox").get_data(as_text=True))
        for status, label in labels.items():
            listed = _list_total(client.get(f"/inbox?status={status}").get_data(as_text=True))
            # the same list with a filter that keeps every row of it, which the list counts itself
            counted = _list_total(client.get(f"/inbox?status={status}&date_from=2000-01-01").get_data(as_text=True))
            assert tabs[label] == listed == counted, (limit, status)
        for status in ["", *labels]:  # by category: counted by its statuses, and counted itself
            for category in ("work", "brief"):
                by_parts = client.get(f"/inbox?status={status}&category={category}").get_data(as_text=True)
                itself = client.get(f"/inbox?status={status}&category={category}&date_from=2000-01-01")
                assert _list_total(by_parts) == _list_total(itself.get_data(as_text=True)), (limit, status, category)
        assert {status: tabs[labels[status]] for status in expected} == expected
        assert len(tabs) == len(labels)
        every_status = client.get("/inbox?status=").get_data(as_text=True)
        assert _list_total(every_status) == every, limit
        assert _list_total(client.get("/inbox?status=&date_from=2000-01-01").get_data(as_text=True)) == every
