"""A unit's own lists and counts: its dashboard, 本单位信息, the queue on a signer's dashboard and the menu's
count of it. Units open them many times an hour and they change only when the unit's items do, so each is
kept in the process (web.memo.kept_under) under the unit's items version (Unit.items_version), read with
the user by the login check, before anything it stands for.

The version is drawn again here: at every commit, for each unit one of whose items or their photos the
transaction added, changed or deleted (the old unit too, were an item to move), and for every unit by a
bulk statement on either table, which names no unit. The lists hold ItemRow copies, not the ORM's objects: a kept
answer is shared by every request of the process. What a row shows that depends on the clock (逾时 of an
item not yet sent) is worked out when the page is drawn, from the copy's due time."""
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import chain

from sqlalchemy import bindparam, func, inspect, select, update
from sqlalchemy.orm import selectinload, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from ..extensions import db, on_session, prepared
from ..units.models import Unit
from ..web.memo import draw_version, kept_under
from ..web.paging import Page, paginate
from .models import RETURNED, Item, ItemPhoto, ListedItem
from .workflow import SIGNOFF_STATES

# Item.is_returned in SQL.
RETURNED_ITEM = (Item.status == "draft") & (Item.decision_note != "")


@dataclass(frozen=True)
class ItemRow(ListedItem):
    """An item as a list shows it (items/_macros.html item_row), copied off the ORM's object."""
    id: int
    title: str
    edited_title: str | None
    category: str
    status: str
    decision_note: str
    report_due_at: datetime | None
    submitted_at: datetime | None
    updated_at: datetime
    solicitation_id: int | None
    thumb_photo_id: int | None


_ROW_FIELDS = [field.name for field in fields(ItemRow)]
# What a row shows, read as columns: the ORM's objects would carry each item's body and edits (most of a row's
# bytes) through the identity map, only to be copied off.
_ROW_COLUMNS = [getattr(Item, name) for name in _ROW_FIELDS]


def _rows(items) -> tuple[ItemRow, ...]:
    """ItemRow copies of items, or of rows of _ROW_COLUMNS."""
    return tuple(ItemRow(**{name: getattr(item, name) for name in _ROW_FIELDS}) for item in items)


# ---- the version ----------------------------------------------------------------------------

_CHANGED = "portal.units_with_changed_items"


def init_app(_app) -> None:
    on_session("before_flush", _note_changed_units)
    on_session("before_commit", _draw_changed_units_versions)
    on_session("after_rollback", _forget_changed_units)
    on_session("do_orm_execute", _draw_every_units_version)


def _values(obj, key: str) -> set:
    """The attribute's value as flushed now and as it was loaded (a changed foreign key names two rows)."""
    history = inspect(obj).attrs[key].history
    return {value for value in chain(history.added, history.unchanged, history.deleted) if value is not None}


def _item_unit_ids(item: Item) -> set[int]:
    unit_ids = _values(item, "unit_id")
    if not unit_ids and item.unit is not None:  # a new item given its unit as an object
        unit_ids = {item.unit.id} - {None}
    return unit_ids


def changed_unit_ids(session) -> set[int]:
    """The units whose items or their photos this flush adds, changes or deletes."""
    unit_ids: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Item):
            unit_ids |= _item_unit_ids(obj)
        elif isinstance(obj, ItemPhoto):
            for item_id in _values(obj, "item_id"):
                item = session.get(Item, item_id)
                if item is not None:
                    unit_ids |= _item_unit_ids(item)
    return unit_ids


def _note_changed_units(session, _flush_context, _instances) -> None:
    session.info.setdefault(_CHANGED, set()).update(changed_unit_ids(session))


def _draw_changed_units_versions(session) -> None:
    # Once, at commit, in one statement over the units in order: two transactions that change several units'
    # items take the units' row locks (PostgreSQL) in the same order, and cannot deadlock on them.
    session.flush()  # what commit would flush only after this hook
    unit_ids = session.info.pop(_CHANGED, set())
    if unit_ids:
        _write_versions(session, unit_ids)


def _forget_changed_units(session) -> None:
    session.info.pop(_CHANGED, None)


def _draw_every_units_version(state) -> None:
    mapper = state.bind_mapper
    if (state.is_insert or state.is_update or state.is_delete) and mapper is not None \
            and mapper.class_ in (Item, ItemPhoto):
        _write_versions(state.session, None)


def _write_versions(session, unit_ids: set[int] | None) -> None:
    """A new version for these units (None: every unit) in the transaction under way, so a reader sees it
    with the changes or neither. One token for them all: every kept answer's key holds its unit's id beside
    the version. Written past the ORM, and set on the loaded units as their stored value: no unit counts as
    changed (scoring marks every score stale on a change to a unit)."""
    version, table = draw_version(), Unit.__table__
    statement = update(table).values(items_version=version)
    if unit_ids is not None:
        statement = statement.where(table.c.id.in_(sorted(unit_ids)))
    session.connection().execute(statement)
    if unit_ids is None:
        loaded = [unit for unit in session.identity_map.values() if isinstance(unit, Unit)]
    else:  # looked up, not searched for: a long session's identity map holds thousands of objects
        loaded = [session.identity_map.get(identity_key(Unit, unit_id)) for unit_id in unit_ids]
    for unit in loaded:
        if unit is not None:
            set_committed_value(unit, "items_version", version)


# ---- the kept reads ----------------------------------------------------------------------------

@prepared
def _unit_statuses():
    return select(Item.status, func.count(Item.id)).where(Item.unit_id == bindparam("unit_id")).group_by(Item.status)


@prepared
def _unit_returned():
    return select(func.count(Item.id)).where(Item.unit_id == bindparam("unit_id"), RETURNED_ITEM)


@prepared
def _unit_in_states():
    return select(func.count(Item.id)).where(Item.unit_id == bindparam("unit_id"),
                                             Item.status.in_(bindparam("states", expanding=True)))


def _unit_items_query(unit_id, status: str | None):
    query = select(*_ROW_COLUMNS).where(Item.unit_id == unit_id)
    if status == RETURNED:
        query = query.where(RETURNED_ITEM)
    elif status:
        query = query.where(Item.status == status)
    return query.order_by(Item.updated_at.desc(), Item.id.desc())


@prepared
def with_thumb():
    """The option of every list of items: each row's thumbnail photo read with the rows (Item.thumb_photo_id)."""
    return undefer(Item.thumb_photo_id)


@prepared  # one per status the dashboard lists (a handful)
def _latest_unit_items(status: str | None):
    return _unit_items_query(bindparam("unit_id"), status).limit(bindparam("limit"))


def _count_statuses(unit_id: int) -> dict[str, int]:
    rows = db.session.execute(_unit_statuses(), {"unit_id": unit_id}).all()
    return dict(rows) | {RETURNED: db.session.scalar(_unit_returned(), {"unit_id": unit_id})}


def _count_in_states(unit_id: int, states: frozenset) -> int:
    return db.session.scalar(_unit_in_states(), {"unit_id": unit_id, "states": sorted(states)})


def _latest_rows(unit_id: int, status: str | None, limit: int) -> tuple[ItemRow, ...]:
    return _rows(db.session.execute(_latest_unit_items(status), {"unit_id": unit_id, "limit": limit}))


def _page_of_rows(unit_id: int, status: str | None, page: int, per_page: int) -> Page:
    found = paginate(_unit_items_query(unit_id, status), page, per_page)
    return Page(_rows(found.items), found.total, found.page, found.per_page, found.more)


def list_signoff_queue(unit_id: int, states=SIGNOFF_STATES) -> list[Item]:
    """The unit's items waiting for a sign-off in these states (awaited_states(user): the user's own queue),
    the items themselves: the sign-off page checks their text."""
    return list(db.session.scalars(
        select(Item).where(Item.unit_id == unit_id, Item.status.in_(sorted(states)))
        .options(with_thumb(), selectinload(Item.photos))  # the photos' captions: its warnings
        # an emergency item (突发/紧急) first: it must reach the office at once
        .order_by((Item.category != "emergency"), Item.updated_at)))


def _rows_in_states(unit_id: int, states: frozenset) -> tuple[ItemRow, ...]:
    return _rows(list_signoff_queue(unit_id, states))


def count_unit_statuses(unit: Unit) -> dict[str, int]:
    """Items by status, and the returned drafts among the drafts (RETURNED)."""
    return kept_under(unit.items_version, _count_statuses, unit.id)


def count_signoff_queue(unit: Unit, states=SIGNOFF_STATES) -> int:
    """The unit's items waiting for a sign-off in these states (the signer's menu)."""
    return kept_under(unit.items_version, _count_in_states, unit.id, frozenset(states))


def list_latest_unit_items(unit: Unit, status: str | None, limit: int) -> tuple[ItemRow, ...]:
    """The unit's latest items (of a status) for the dashboard, which counts them with count_unit_statuses."""
    return kept_under(unit.items_version, _latest_rows, unit.id, status, limit)


def list_unit_items(unit: Unit, status: str | None, page: int, per_page: int) -> Page:
    """A page of the unit's items (of a status), newest change first."""
    return kept_under(unit.items_version, _page_of_rows, unit.id, status, page, per_page)


def list_signoff_rows(unit: Unit, states=SIGNOFF_STATES) -> tuple[ItemRow, ...]:
    """list_signoff_queue as the dashboard lists it."""
    return kept_under(unit.items_version, _rows_in_states, unit.id, frozenset(states))
