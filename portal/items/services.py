"""Items: filing, sign-off, the office's review, and the queries behind the item pages."""
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from functools import partial

from flask import abort, current_app, url_for
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import joinedload

from ..audit.services import record_event, snapshot
from ..auth.models import UNIT_ROLES, User
from ..auth.services import list_user_ids_with_role
from ..extensions import db, prepared, utcnow
from ..notifications.services import mark_done, notify_users
from ..units.models import Unit
from ..web.errors import UserError, load_for
from ..web.filters import format_datetime, local_day_start, office_today, to_local
from ..web.paging import count_rows_each
from .models import (CATEGORIES, DECIDED, PENDING, PENDING_STATUSES, STATUSES, DecidedCount, Item, ItemEvent, ItemPhoto,
                     ListedItem)
from .photos import Upload, remove_photo, store_upload, too_many_photos
from .signals import item_fields_checking, item_saved, item_transitioned, item_transitioning, shown_to_all

from .workflow import (
    ACTION_NAMES,
    OFFICE_ROLES,
    OFFICE_VISIBLE,
    SIGNOFF_STATES,
    TRANSITIONS,
    can_correct_category,
    can_delete_item,
    can_edit_item,
    can_edit_item_text,
    can_transition,
    can_view_item,
    needs_second_signoff,
)


class WorkflowError(UserError):
    """A refused item operation."""


class EditConflict(WorkflowError):
    """The item was saved by someone else after this user's form was loaded: nothing is stored."""

    def __init__(self, item: "Item"):
        last = item.events[-1] if item.events else None
        who = last.actor.name if last else "他人"
        when = to_local(last.at).strftime("%Y-%m-%d %H:%M") if last else ""
        super().__init__(
            f"保存未成功：您打开此页面后，{who}于{when}修改了这条信息。请对照下方现在保存的版本和您填写的内容，"
            "修改后再次保存；再次保存将以您填写的内容为准。"
        )


def check_version(item: "Item", loaded_version: str | int | None) -> None:
    """A form's save is accepted only against the version it showed (see Item.version)."""
    if str(loaded_version) != str(item.version):
        raise EditConflict(item)


@dataclass
class ItemFields:
    title: str
    body: str
    category: str
    event_end_at: datetime | None = None
    major: bool = False
    follow_up_of_id: int | None = None
    solicitation_id: int | None = None


# ---- loading with permission -------------------------------------------------------------

def get_item_for(user, item_id: int, action: str = "view") -> Item:
    """The one way views load an item: 404 when the user may not see it (so ids reveal nothing),
    403 when they may see it but not do this."""
    return load_for(Item, item_id, partial(can_view_item, user), partial(_may, user, action), _with_author())


@prepared
def _with_author() -> tuple:
    """The item's author read with it (its page names the author): two statements fewer; the author's roles
    load only if something asks for them."""
    return (joinedload(Item.author).lazyload(User.role_rows),)


def _may(user, action: str, item: Item) -> bool:
    allowed = {
        "view": True,
        "edit": can_edit_item(user, item),
        "delete": can_delete_item(user, item),
        "edit_text": can_edit_item_text(user, item),
        "recategorize": can_correct_category(user, item),
    }.get(action)
    if allowed is None:
        allowed = action in TRANSITIONS and any(user.has_role(role) for role in TRANSITIONS[action].sources)
    return allowed


def get_photo_for(user, photo_id: int) -> ItemPhoto:
    photo = db.session.get(ItemPhoto, photo_id)
    if photo is None:
        abort(404)
    if photo.item_id is None:
        visible = photo.uploader_id == user.id
    else:
        visible = can_view_item(user, photo.item) or shown_to_all(photo.item)
    if not visible:
        abort(404)
    return photo


def find_item_by_form_key(form_key: str) -> Item | None:
    return db.session.scalar(select(Item).where(Item.form_key == form_key))


# ---- filing ------------------------------------------------------------------------------

def _check_fields(unit_id: int, fields: ItemFields, item: Item | None = None) -> None:
    if fields.follow_up_of_id is not None:
        earlier = db.session.get(Item, fields.follow_up_of_id)
        if earlier is None or earlier.unit_id != unit_id or earlier is item or earlier.status not in OFFICE_VISIBLE:
            raise WorkflowError("续报只能关联本单位之前的信息", "follow_up_of_id")
    item_fields_checking.send(fields, unit_id=unit_id, item=item)


# The fields an item's audit events compare before and after.
_AUDITED = ("title", "body", "category", "event_end_at", "major", "follow_up_of_id", "solicitation_id", "status",
            "submitted_at", "edited_title", "edited_body", "decision_note")


def _record_event(item: Item, actor, action: str, from_status: str | None, comment: str = "",
                  before: dict | None = None, at: datetime | None = None) -> None:
    """The item's own history (shown on its page) and the audit log, from one call."""
    item.events.append(ItemEvent(actor_id=actor.id, action=action, from_status=from_status, to_status=item.status,
                                 comment=comment, at=at or utcnow()))
    summary = f"{ACTION_NAMES[action]}《{item.display_title}》" + (f"：{comment}" if comment else "")
    record_event(actor, f"item.{action}", item, summary, before, snapshot(item, *_AUDITED))


def _apply_fields(item: Item, fields: ItemFields) -> None:
    item.title, item.body, item.category = fields.title, fields.body, fields.category
    item.event_end_at, item.major, item.follow_up_of_id = fields.event_end_at, fields.major, fields.follow_up_of_id
    item.report_due_at = Item.compute_report_due(fields.event_end_at, fields.major)
    if item.solicitation_id != fields.solicitation_id:
        # A new link starts unjudged; the verdict belonged to the old one.
        item.solicitation_id = fields.solicitation_id
        item.solicitation_verdict = "pending" if fields.solicitation_id is not None else None


def create_item(author, fields: ItemFields, form_key: str, now: datetime | None = None) -> Item:
    _check_fields(author.unit_id, fields)
    now = now or utcnow()
    # submitted_at given, though empty: a flush then knows the draft was never submitted, so sending it
    # for sign-off is seen to touch no score fact (scoring.runs) and reading it costs no query.
    item = Item(unit_id=author.unit_id, author_id=author.id, form_key=form_key, status="draft", created_at=now,
                updated_at=now, submitted_at=None)
    _apply_fields(item, fields)
    db.session.add(item)
    for photo in list_form_photos(form_key, author.id):
        photo.item = item
    _record_event(item, author, "create", None, at=now)
    item_saved.send(item)
    return item


def update_item(item: Item, actor, fields: ItemFields, loaded_version: str | int | None) -> None:
    if not can_edit_item(actor, item):
        raise WorkflowError("此信息当前不能修改")
    check_version(item, loaded_version)
    _check_fields(item.unit_id, fields, item)
    before = snapshot(item, *_AUDITED)
    _apply_fields(item, fields)
    _record_event(item, actor, "edit", item.status, before=before)
    item_saved.send(item)


def describe_deletion(item: Item) -> str:
    photos = f"及其{len(item.photos)}张照片" if item.photos else ""
    return f"删除草稿《{item.title}》{photos}？删除后无法恢复。"


def delete_item(item: Item, actor) -> None:
    if not can_delete_item(actor, item):
        raise WorkflowError("只能删除从未报送过的草稿")
    record_event(actor, "item.delete", item, f"删除草稿《{item.display_title}》", old=snapshot(item, *_AUDITED))
    for photo in list(item.photos):
        remove_photo(photo)
    db.session.delete(item)


def list_form_photos(form_key: str, uploader_id: int) -> list[ItemPhoto]:
    """Photos uploaded through one form: still unattached (a new item) or already on the item."""
    return list(
        db.session.scalars(
            select(ItemPhoto)
            .where(ItemPhoto.form_key == form_key, or_(ItemPhoto.item_id.is_not(None), ItemPhoto.uploader_id == uploader_id))
            .order_by(ItemPhoto.position, ItemPhoto.id)
        )
    )


def photo_room(form_key: str, item: Item | None, user, removals: set[int]) -> tuple[int, str]:
    """How many more photos this form takes, and the refusal for the next one: the item's limit less the
    photos it keeps; for a form never saved, also the uploader's cap of pending photos
    (PHOTO_PENDING_MAX), which a form reloaded again and again would otherwise grow without end."""
    config = current_app.config
    photos = list_form_photos(form_key, user.id)
    room = config["ITEM_MAX_PHOTOS"] - sum(photo.id not in removals for photo in photos)
    if item is not None:
        return room, ""
    pending = db.session.scalar(select(func.count(ItemPhoto.id)).where(
        ItemPhoto.item_id.is_(None), ItemPhoto.uploader_id == user.id))
    pending -= sum(photo.id in removals for photo in photos if photo.item_id is None)
    if config["PHOTO_PENDING_MAX"] - pending < room:
        return (config["PHOTO_PENDING_MAX"] - pending,
                f"尚未保存的照片最多{config['PHOTO_PENDING_MAX']}张，请先保存信息再上传（未保存的照片一天后自动清除）")
    return room, ""


def remove_pending_photos(now: datetime | None = None) -> int:
    """Photos uploaded to forms never saved, older than PHOTO_PENDING_HOURS: their rows and files go.
    Run by `flask remind` (the periodic job); returns how many."""
    cutoff = (now or utcnow()) - timedelta(hours=current_app.config["PHOTO_PENDING_HOURS"])
    stale = db.session.scalars(select(ItemPhoto).where(ItemPhoto.item_id.is_(None), ItemPhoto.created_at < cutoff))
    count = 0
    for photo in stale:
        remove_photo(photo)
        count += 1
    return count


def apply_photo_changes(form_key: str, item: Item | None, user, uploads: list[Upload], captions: dict[int, str],
                        removals: set[int], new_captions: list[str] = ()) -> list[str]:
    """Keeps every good photo even when other input is bad, so a re-rendered form loses nothing.
    uploads come encoded (encode_upload); new_captions[n], when given, is the caption written beside
    the n-th of them before the form was sent. Returns the Chinese error messages for the photos refused."""
    photos = list_form_photos(form_key, user.id)
    for photo in photos:
        if photo.id in removals:
            record_event(user, "photo.remove", photo, f"删除信息 #{photo.item_id or '（未保存）'} 的照片",
                         old=snapshot(photo, "item_id", "caption", "stored_name"))
            remove_photo(photo)
        elif photo.id in captions and photo.caption != captions[photo.id][:200]:
            before = snapshot(photo, "caption")
            photo.caption = captions[photo.id][:200]
            record_event(user, "photo.caption", photo, f"修改信息 #{photo.item_id or '（未保存）'} 的照片说明",
                         before, snapshot(photo, "caption"))
    kept = [photo for photo in photos if photo.id not in removals]
    errors = []
    limit = current_app.config["ITEM_MAX_PHOTOS"]
    position = max((photo.position for photo in kept), default=-1) + 1
    for index, upload in enumerate(uploads):
        if len(kept) >= limit:
            errors.append(too_many_photos(upload.filename))
        elif upload.encoded is None:
            errors.append(upload.error)
        else:
            photo = store_upload(upload.encoded, user.id, form_key, item.id if item else None, position)
            photo.caption = new_captions[index][:200] if index < len(new_captions) else ""
            record_event(user, "photo.add", photo, f"为信息 #{photo.item_id or '（未保存）'} 上传照片",
                         new=snapshot(photo, "item_id", "form_key", "stored_name", "caption", "width", "height", "size"))
            kept.append(photo)
        position += 1
    db.session.flush()
    return errors


# ---- workflow -----------------------------------------------------------------------------

def transition_item(item: Item, actor, action: str, comment: str = "", adopted_on: date | None = None,
                    internal_adoption: bool = True, now: datetime | None = None) -> None:
    """internal_adoption=False adopts without the office's own publication: 补录 of an item an upper
    office adopted after the office had not. `now` is the moment the transition is stamped with (the
    sign-off time, the event's, the notices', an adoption's default day): the clock unless given."""
    transition = TRANSITIONS.get(action)
    if transition is None or not can_transition(actor, item, action):
        raise WorkflowError("该信息当前状态下不能执行此操作（可能已被他人处理），请刷新后查看")
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise WorkflowError("请填写理由或修改意见")
    now = now or utcnow()
    adopted_on = (adopted_on or office_today(now)) if action == "adopt" and internal_adoption else None
    item_transitioning.send(item, actor=actor, action=action, adopted_on=adopted_on, now=now)
    before = snapshot(item, *_AUDITED)
    from_status = item.status
    item.status = transition.target
    item.updated_at = now
    if transition.target == "submitted":
        item.submitted_at = now
    elif action == "return":
        # The unit revises its own text; an edit of the old version would hide the revision.
        item.submitted_at = None
        item.edited_title = item.edited_body = None
    if action in ("invalidate", "reject", "return"):
        item.decision_note = comment
    _record_event(item, actor, action, from_status, comment, before, now)
    _notify_transition(item, action, from_status, comment, internal_adoption, now)
    item_transitioned.send(item, actor=actor, action=action, adopted_on=adopted_on, from_status=from_status,
                           comment=comment, now=now)


# Who is asked for each sign-off: the notice kind, and the role that gives it.
SIGNOFF_REQUESTS = {"awaiting_signoff": ("signoff_requested", "signer"),
                    "awaiting_lead": ("lead_signoff_requested", "supervisor")}


def _notify_transition(item: Item, action: str, from_status: str, comment: str, internal_adoption: bool,
                       now: datetime) -> None:
    url = url_for("items.detail", item_id=item.id)
    title = f"《{item.display_title}》"
    urgent = item.category == "emergency"
    if item.status in SIGNOFF_REQUESTS:
        # 对发生的重要和紧急情况，要迅速收集，及时上报: an emergency item tells its signer that it is urgent,
        # and the office that it is coming (unit, title, time; the item itself it sees once signed).
        kind, role = SIGNOFF_REQUESTS[item.status]
        who = "（主管领导）" if role == "supervisor" else ""
        notify_users(list_user_ids_with_role(role, item.unit_id), kind,
                     f"紧急信息{title}待您审签{who}，请立即审签" if urgent else f"{title}待您审签{who}", url, now)
        if urgent and action == "send":
            notify_users(list_user_ids_with_role("editor"), "emergency_coming",
                         f"紧急信息即将报送：{item.unit.name}{title}（待审签）", url, now)
    if from_status in SIGNOFF_STATES and item.status not in SIGNOFF_STATES:
        # Whatever was asked of the signers is done (signed, returned or withdrawn); so is the office's
        # "coming" notice once the item arrives or goes back.
        mark_done(url, [kind for kind, _role in SIGNOFF_REQUESTS.values()] + ["emergency_coming"], now)
    elif action == "sign_first":
        mark_done(url, ["signoff_requested"], now)
    if not internal_adoption:
        return  # a 补录 is announced by record_adoption_by, naming the upper channel
    if from_status in DECIDED and item.status in DECIDED:
        if action != "adopt":  # an adoption is told by scoring's hook, naming the publication
            notify_verdict_corrected(item, from_status, comment, now=now)
    elif action == "return":
        notify_users([item.author_id], "item_returned", f"{title}被退回修改：{comment}", url, now)
    elif action in ("reject", "invalidate"):
        verdict = "未被采用" if action == "reject" else "判定为不计分"
        notify_users(list_item_people(item), "item_verdict", f"{title}{verdict}" + (f"：{comment}" if comment else ""),
                     url, now)
    elif TRANSITIONS[action].target == "submitted" and urgent:
        notify_users(list_user_ids_with_role("editor"), "emergency_item", f"紧急信息：{item.unit.name}报送{title}", url, now)


REASON_MAX = 200


def correct_item_category(item: Item, editor, category: str, reason: str) -> None:
    """The editor corrects a submitted item's category (a 简讯 filed as 工作动态 earns 2 points instead
    of 1; a 调研 label decides the quarter's quota). On the timeline and in the audit log; the unit is
    told; the score follows in the same commit (category is a scored field)."""
    if not can_correct_category(editor, item):
        raise WorkflowError("只有办公室编辑可以更正已报送信息的类别")
    if category not in CATEGORIES:
        raise WorkflowError("请选择信息类别", "category")
    reason = reason.strip()[:REASON_MAX]
    if not reason:
        raise WorkflowError("请填写更正理由", "reason")
    if category == item.category:
        raise WorkflowError("类别没有变化", "category")
    before = snapshot(item, *_AUDITED)
    old_name = CATEGORIES[item.category]
    item.category = category
    comment = f"类别由“{old_name}”更正为“{CATEGORIES[category]}”：{reason}"
    _record_event(item, editor, "recategorize", item.status, comment, before)
    notify_users(list_item_people(item), "item_corrected", f"更正：《{item.display_title}》的{comment}",
                 url_for("items.detail", item_id=item.id))


def notify_verdict_corrected(item: Item, from_status: str, comment: str, where: str = "",
                             now: datetime | None = None) -> None:
    """A verdict the unit was told of is changed (未采用 → 已采用 or 不计分): the unit hears of the
    correction, old and new, instead of a notice that reads like a first decision."""
    notify_users(list_item_people(item), "item_corrected",
                 f"更正：《{item.display_title}》的处理结果由“{STATUSES[from_status]}”改为“{STATUSES[item.status]}”{where}"
                 + (f"：{comment}" if comment else ""), url_for("items.detail", item_id=item.id), now)


def list_item_people(item: Item) -> list[int]:
    """Who hears of what the office does to an item: its author and the unit's signers."""
    return [item.author_id] + list_user_ids_with_role("signer", item.unit_id)


def edit_item_text(item: Item, editor, title: str, body: str, loaded_version: str | int | None,
                   now: datetime | None = None) -> None:
    if not can_edit_item_text(editor, item):
        raise WorkflowError("此信息当前不能编辑")
    check_version(item, loaded_version)
    now = now or utcnow()
    before = snapshot(item, *_AUDITED)
    item.updated_at = now
    item.edited_title = None if title == item.title else title
    item.edited_body = None if body == item.body else body
    from_status = item.status
    if item.status == "submitted":
        item.status = "in_review"
    _record_event(item, editor, "editor_edit", from_status, before=before, at=now)


# ---- queries -----------------------------------------------------------------------------

@dataclass
class InboxFilters:
    unit_id: int | None = None
    unit_name: str = ""  # part of the name: every unit whose name holds it
    category: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def filter_items(query, filters: InboxFilters):
    """The inbox's filters (all but the words, which search matches) on a query of items."""
    if filters.unit_id:
        query = query.where(Item.unit_id == filters.unit_id)
    if filters.unit_name:
        query = query.where(Item.unit_id.in_(select(Unit.id).where(Unit.name.contains(filters.unit_name,
                                                                                        autoescape=True))))
    if filters.category:
        query = query.where(Item.category == filters.category)
    if filters.status == PENDING:
        query = query.where(Item.status.in_(PENDING_STATUSES))
    elif filters.status:
        query = query.where(Item.status == filters.status)
    if filters.date_from:
        query = query.where(Item.submitted_at >= local_day_start(filters.date_from))
    if filters.date_to:
        query = query.where(Item.submitted_at < local_day_start(filters.date_to + timedelta(days=1)))
    return query


def visible_items_condition(user):
    """can_view_item as SQL, for every list and search of items a user may see."""
    clauses = []
    if user.has_any_role(*UNIT_ROLES):
        clauses.append(Item.unit_id == user.unit_id)
    if user.has_any_role(*OFFICE_ROLES):
        clauses.append(Item.status.in_(OFFICE_VISIBLE))
    return or_(false(), *clauses)


def list_coming_emergencies() -> list:
    """Emergency items sent for sign-off and not yet signed: the office sees that they are coming (rows of the
    unit's name, the title and when it was sent; the item itself it sees once signed)."""
    return db.session.execute(_coming_emergencies()).all()


@prepared  # on every view of the inbox
def _coming_emergencies():
    # The waiting items first, then their units' names: joined in one select, SQLite's planner started from
    # the units and searched each unit's items (2 ms a view on 300 units, against 0.06 from the status index).
    coming = (select(Item.unit_id, Item.title, Item.updated_at)
              .where(Item.category == "emergency", Item.status.in_(sorted(SIGNOFF_STATES)))
              .order_by(Item.updated_at.desc()).limit(20).subquery())
    return (select(Unit.name.label("unit_name"), coming.c.title, coming.c.updated_at)
            .join(coming, Unit.id == coming.c.unit_id).order_by(coming.c.updated_at.desc()))


@dataclass(frozen=True)
class FollowUpChoice(ListedItem):
    """An earlier item as the 续报 picker names it: its day, title and status."""
    id: int
    title: str
    edited_title: str | None
    status: str
    submitted_at: datetime | None


def list_follow_up_choices(unit_id: int, exclude_id: int | None = None, words: str = "",
                           keep_id: int | None = None) -> list[FollowUpChoice]:
    """What an item may follow up (续报): the unit's items the office has, newest first (50), only those
    whose title holds `words` when given; the one already chosen (keep_id) stays among them. Read as the
    picker's columns: every view of the item form lists them, and whole items carry their bodies."""
    query = select(Item.id, Item.title, Item.edited_title, Item.status, Item.submitted_at).where(
        Item.unit_id == unit_id, Item.status.in_(OFFICE_VISIBLE))
    if exclude_id:
        query = query.where(Item.id != exclude_id)
    found = query.where(or_(Item.title.contains(words, autoescape=True),
                            Item.edited_title.contains(words, autoescape=True))) if words else query
    choices = [FollowUpChoice(*row) for row in db.session.execute(found.order_by(Item.submitted_at.desc()).limit(50))]
    if keep_id and keep_id not in {choice.id for choice in choices}:
        choices += [FollowUpChoice(*row) for row in db.session.execute(query.where(Item.id == keep_id))]
        choices.sort(key=lambda choice: choice.submitted_at, reverse=True)
    return choices


def list_follow_ups(item: Item) -> list[Item]:
    return list(db.session.scalars(select(Item).where(Item.follow_up_of_id == item.id).order_by(Item.id)))


def describe_signoff(item: Item) -> str:
    """Whose sign-off the item still waits for, in words for its page ("" once signed off or when it is not sent)."""
    if item.status == "awaiting_lead":
        first = next((event for event in reversed(item.events) if event.action == "sign_first"), None)
        done = f"{first.actor.name}（单位负责人）已于{format_datetime(first.at)}审签，" if first else ""
        return f"{done}待主管领导审签"
    if item.status == "awaiting_signoff":
        return "待单位负责人审签" + ("，之后还需主管领导审签" if needs_second_signoff(item) else "")
    return ""


@dataclass(frozen=True)
class Count:
    """A count that may have stopped at the COUNT_LIMIT setting; prints as the inbox's tabs show it."""

    rows: int
    more: bool

    def __str__(self) -> str:
        return f"{self.rows}+" if self.more else str(self.rows)


def count_office_statuses(also: dict | None = None, also_kept: dict | None = None) -> dict[str, Count]:
    """Items by status for the inbox's tabs, each stopping at COUNT_LIMIT. The pending statuses are counted
    (they move with every sign-off); the decided ones, most of the office's archive (a province holds a
    million adopted items), are read off the totals the database keeps (DecidedCount). PENDING, the tab the
    inbox opens on, adds up its statuses and says "+" when any of them stopped at the limit. `also`: more
    queries to count in the same statement, `also_kept`: more selects of one kept total, under their keys."""
    queries = {status: select(Item.id).where(Item.status == status) for status in PENDING_STATUSES} | (also or {})
    counted = count_rows_each(queries, {status: _decided_total(status) for status in DECIDED} | (also_kept or {}))
    counts = {status: Count(*pair) for status, pair in counted.items()}
    counts[PENDING] = add_counts([counts[status] for status in PENDING_STATUSES])
    return counts


def _decided_total(status: str):
    return select(func.sum(DecidedCount.total)).where(DecidedCount.status == status)


_LISTED = "listed"  # the inbox's filtered list among its tabs' counts
_FILTER_NAMES = frozenset(field.name for field in fields(InboxFilters))
# The words (q) are matched by search before a list is counted here; were they nothing to look for, they filter nothing.
_COUNTED_BY_STATUSES = frozenset({"status", "category", "q"})


def count_inbox(filters: InboxFilters, listed) -> tuple[dict[str, Count], Count]:
    """The inbox's tabs (count_office_statuses) and the count of its list, `listed` (the items the filters
    keep), in one statement. A list filtered by nothing but a status and a category is counted by its
    statuses: the tabs' figures, or each pending status live in the category and each decided one off the
    totals the database keeps, where counting the list itself read up to COUNT_LIMIT index entries."""
    if any(getattr(filters, name) for name in _FILTER_NAMES - _COUNTED_BY_STATUSES):  # a filter added later too
        counts = count_office_statuses({_LISTED: listed})
        return counts, counts.pop(_LISTED)
    statuses = (PENDING_STATUSES if filters.status == PENDING else [filters.status] if filters.status
                else sorted(OFFICE_VISIBLE))  # a status the office never sees lists nothing: no part
    if not filters.category:
        counts = count_office_statuses()
        return counts, add_counts([counts[status] for status in statuses if status in counts])
    live = {(_LISTED, status): select(Item.id).where(Item.status == status, Item.category == filters.category)
            for status in statuses if status in PENDING_STATUSES}
    kept = {(_LISTED, status): _decided_total(status).where(DecidedCount.category == filters.category)
            for status in statuses if status in DECIDED}
    counts = count_office_statuses(live, kept)
    return counts, add_counts([counts.pop(key) for key in [*live, *kept]])


def add_counts(parts: list[Count]) -> Count:
    """Counts of disjoint sets of rows added up as counting their union would have stopped: at COUNT_LIMIT,
    with "+" when any part or the sum went past it."""
    limit = current_app.config["COUNT_LIMIT"]
    total = sum(part.rows for part in parts)
    return Count(min(total, limit), total > limit or any(part.more for part in parts))
