"""Solicitations (约稿) and reporting priorities (信息工作要点): issuing, editing, extending and closing
a notice; the target units' receipts (查看, 签收) and answers; the editor's tracking board and verdicts;
and the notice's text as the seed's 附件3 (约稿通知单) lays it out.

Every refusal is a SolicitationError with a Chinese message; views show it and never turn it into a 500.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from flask import abort, current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..audit.services import record_event, snapshot
from ..auth.services import list_unit_member_ids
from ..extensions import db, utcnow
from ..items.models import Item
from ..items.workflow import OFFICE_VISIBLE, UNIT_ROLES, can_view_item
from ..notifications.services import notify_users
from ..units.models import UNIT_KINDS, Tier, Unit
from ..units.services import list_reporting_units
from ..web.countdown import Countdown, describe_countdown  # noqa: F401  (views and tests use them from here)
from ..web.errors import UserError, load_for
from ..web.fields import EARLIEST_YEAR, LATEST_YEAR
from ..web.filters import format_datetime, local_to_utc, quoted, to_local
from ..web.forms import clean_text
from .models import (
    TARGET_STATES,
    VERDICTS,
    ReportingPriority,
    Solicitation,
    SolicitationTarget,
)

OFFICE_ROLES = ("editor", "viewer")
TOPIC_MAX = 100
REQUIREMENTS_MAX = 5000
CONTACT_MAX = 40
EMAIL_MAX = 100
PRIORITY_TITLE_MAX = 100
PRIORITY_BODY_MAX = 10000
LIST_LIMIT = 200
ALL_UNITS = "all"

PHONE_PATTERN = re.compile(r"[0-9０-９+＋()（）\- ]{3,40}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class SolicitationError(UserError):
    """A refused solicitation operation."""


@dataclass
class SolicitationFields:
    topic: str
    requirements: str
    # aware UTC; forms enter a date and an hour in office time (deadline_at)
    deadline: datetime
    contact_name: str = ""
    room: str = ""
    phone: str = ""
    email: str = ""
    unit_ids: set[int] = field(default_factory=set)
    # shortcuts resolved by the service: "all", "tier-<id>", "kind-<kind>"
    groups: set[str] = field(default_factory=set)
    by_phone: bool = False
    # by phone: when the call was made (defaults to the time of recording)
    called_at: datetime | None = None


def deadline_at(day: date, hour: int) -> datetime:
    """A date and an hour of office time as an aware UTC datetime."""
    return local_to_utc(datetime.combine(day, time(hour)))


def _topic(solicitation: Solicitation) -> str:
    return f"《{solicitation.topic}》"


def _url(solicitation: Solicitation) -> str:
    return url_for("solicitations.detail", solicitation_id=solicitation.id)


def describe_deadline(moment: datetime) -> str:
    return format_datetime(moment)


# ---- loading with permission ----------------------------------------------------------------

def _in_target_unit(user, solicitation: Solicitation) -> bool:
    return user.has_any_role(*UNIT_ROLES) and user.unit_id in solicitation.unit_ids


def can_view_solicitation(user, solicitation: Solicitation) -> bool:
    """The office sees every notice; a unit sees only the notices sent to it."""
    return user.has_any_role(*OFFICE_ROLES) or _in_target_unit(user, solicitation)


ACTIONS = {
    "view": lambda user, s: True,
    "acknowledge": _in_target_unit,
    "manage": lambda user, s: user.has_role("editor"),
    "board": lambda user, s: user.has_any_role(*OFFICE_ROLES),
}


def get_solicitation_for(user, solicitation_id: int, action: str = "view") -> Solicitation:
    """The one way views load a solicitation: 404 when the user may not see it (so ids reveal nothing),
    403 when they may see it but not do this."""
    check = ACTIONS.get(action)
    return load_for(Solicitation, solicitation_id, partial(can_view_solicitation, user),
                    lambda solicitation: check is not None and check(user, solicitation))


def get_answer_for(user, item_id: int) -> Item:
    """An item answering a solicitation, for the editor's verdict: 404 unless the user may see the item."""
    item = db.session.get(Item, item_id)
    if item is None or item.solicitation_id is None or not can_view_item(user, item):
        abort(404)
    if not user.has_role("editor"):
        abort(403)
    return item


# ---- targets --------------------------------------------------------------------------------

def list_target_units() -> list[Unit]:
    """Units a notice may go to: active reporting units, in tree order of the unit list."""
    return list(db.session.scalars(
        select(Unit).where(Unit.kind != "office", Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id)
    ))


def _group_members(units: list[Unit]) -> dict[str, tuple[str, set[int]]]:
    groups: dict[str, tuple[str, set[int]]] = {ALL_UNITS: ("全部单位", {unit.id for unit in units})}
    tiers = db.session.scalars(select(Tier).order_by(Tier.sort_order, Tier.id))
    for tier in tiers:
        members = {unit.id for unit in units if unit.tier_id == tier.id}
        if members:
            groups[f"tier-{tier.id}"] = (tier.name, members)
    for kind, name in UNIT_KINDS.items():
        members = {unit.id for unit in units if unit.kind == kind}
        if members and kind != "office":
            groups[f"kind-{kind}"] = (f"全部{name}", members)
    return groups


def list_target_groups() -> dict[str, str]:
    """{group key: label with its size}: the no-JavaScript shortcuts beside the unit checkboxes."""
    return {key: f"{name}（{len(members)}个）" for key, (name, members) in _group_members(list_target_units()).items()}


def list_target_choices() -> dict[int, str]:
    return {unit.id: unit.name for unit in list_target_units()}


def resolve_targets(unit_ids: set[int], groups: set[str]) -> set[int]:
    """The chosen units plus every member of the chosen groups. Anything not a current target unit or
    group is refused, whatever the form sent."""
    units = list_target_units()
    known = {unit.id for unit in units}
    members = _group_members(units)
    if not set(unit_ids) <= known or not set(groups) <= set(members):
        raise SolicitationError("所选单位无效，请重新选择", "units")
    resolved = set(unit_ids)
    for key in groups:
        resolved |= members[key][1]
    if not resolved:
        raise SolicitationError("请至少选择一个约稿单位", "units")
    return resolved


# ---- issuing, editing, extending, closing ---------------------------------------------------

def _require_editor(user) -> None:
    if not user.has_role("editor"):
        raise SolicitationError("只有办公室编辑可以进行此操作")


def _require_open(solicitation: Solicitation, doing: str) -> None:
    if not solicitation.is_open:
        raise SolicitationError(f"该约稿已结束，不能{doing}")


def _check_deadline(moment: datetime | None, field_name: str = "deadline_date", what: str = "截止时间") -> None:
    if moment is None:
        raise SolicitationError(f"请填写{what}", field_name)
    if not EARLIEST_YEAR <= to_local(moment).year <= LATEST_YEAR:
        raise SolicitationError(f"{what}的年份不合理", field_name)


def _clean_fields(fields: SolicitationFields) -> dict:
    """The stored values, checked. Contact details are optional but, when given, well-formed."""
    values = {
        "topic": clean_text(fields.topic),
        "requirements": clean_text(fields.requirements),
        "contact_name": clean_text(fields.contact_name),
        "room": clean_text(fields.room),
        "phone": clean_text(fields.phone),
        "email": clean_text(fields.email),
    }
    if not values["topic"]:
        raise SolicitationError("请填写约稿主题", "topic")
    if len(values["topic"]) > TOPIC_MAX:
        raise SolicitationError(f"约稿主题不超过{TOPIC_MAX}个字", "topic")
    if len(values["requirements"]) > REQUIREMENTS_MAX:
        raise SolicitationError(f"约稿要求不超过{REQUIREMENTS_MAX}字", "requirements")
    for key, label in (("contact_name", "联系人"), ("room", "报送地点")):
        if len(values[key]) > CONTACT_MAX:
            raise SolicitationError(f"{label}不超过{CONTACT_MAX}个字", key)
    if values["phone"] and not PHONE_PATTERN.fullmatch(values["phone"]):
        raise SolicitationError("联系电话只能包含数字、空格和“-”，如 0552-1234567", "phone")
    if values["email"] and (len(values["email"]) > EMAIL_MAX or not EMAIL_PATTERN.fullmatch(values["email"])):
        raise SolicitationError("邮箱格式不正确，如 xinxi@example.gov.cn", "email")
    _check_deadline(fields.deadline)
    return values


def issue_solicitation(editor, fields: SolicitationFields, now: datetime | None = None) -> Solicitation:
    """A new notice to the chosen units, who are notified at once. A telephone solicitation is recorded
    after the call and may already be past its deadline; any other must still lie ahead. A retried
    submit of the same notice finds the one already issued instead of issuing a second."""
    _require_editor(editor)
    now = now or utcnow()
    values = _clean_fields(fields)
    issued_at = now
    if fields.by_phone:
        if fields.called_at is not None:
            _check_deadline(fields.called_at, "called_date", "电话约稿时间")
            if fields.called_at > now:
                raise SolicitationError("电话约稿时间不能晚于现在", "called_date")
            issued_at = fields.called_at
        if fields.deadline < issued_at:
            raise SolicitationError("截止时间不能早于电话约稿时间", "deadline_date")
    elif fields.deadline <= now:
        raise SolicitationError("截止时间须晚于现在", "deadline_date")
    unit_ids = resolve_targets(fields.unit_ids, fields.groups)

    for existing in db.session.scalars(select(Solicitation).where(
        Solicitation.topic == values["topic"], Solicitation.deadline == fields.deadline,
        Solicitation.issued_by_id == editor.id, Solicitation.status == "open",
    )):
        if existing.unit_ids == unit_ids:
            return existing

    solicitation = Solicitation(**values, deadline=fields.deadline, by_phone=bool(fields.by_phone), status="open",
                                issued_by_id=editor.id, issued_at=issued_at, updated_at=now)
    solicitation.targets = [SolicitationTarget(unit_id=unit_id) for unit_id in sorted(unit_ids)]
    db.session.add(solicitation)
    db.session.flush()
    record_event(editor, "solicitation.issue", solicitation, f"发布约稿{_topic(solicitation)}",
                 new=snapshot(solicitation, *_AUDITED))
    _notify_new(solicitation, unit_ids)
    return solicitation


def _notify_new(solicitation: Solicitation, unit_ids) -> None:
    what = "电话约稿已登记" if solicitation.by_phone else "新约稿"
    notify_users(list_unit_member_ids(unit_ids), "solicitation_new",
                 f"{what}：{_topic(solicitation)}，请于{describe_deadline(solicitation.deadline)}前报送",
                 _url(solicitation))


CHANGE_LABELS = {
    "topic": "主题",
    "requirements": "约稿要求",
    "contact_name": "联系人",
    "room": "报送地点",
    "phone": "联系电话",
    "email": "邮箱",
}


# What a notice's audit events compare: its texts, deadline, state and target units.
_AUDITED = (*CHANGE_LABELS, "deadline", "status", "closed_at", "unit_ids")


def _describe_changes(solicitation: Solicitation, values: dict, deadline: datetime) -> list[str]:
    changes = []
    for key, label in CHANGE_LABELS.items():
        old, new = getattr(solicitation, key), values[key]
        if old == new:
            continue
        if key == "requirements":
            changes.append("约稿要求有修改，请重新查看")
        elif new:
            changes.append(f"{label}改为“{new}”")
        else:
            changes.append(f"{label}已删除")
    if deadline != solicitation.deadline:
        changes.append(f"截止时间改为{describe_deadline(deadline)}")
    return changes


def update_solicitation(editor, solicitation: Solicitation, fields: SolicitationFields,
                        loaded_version: str | int | None, now: datetime | None = None) -> list[str]:
    """Edits an open notice and tells the units what changed, in Chinese; returns those changes.
    Units added are told of a new notice, units removed that it no longer concerns them. A unit that
    already filed an answer (even a draft) stays a target, so no answer loses its notice.
    `loaded_version` is the version the editor's form showed: a notice saved since is not overwritten."""
    _require_editor(editor)
    _require_open(solicitation, "修改")
    if str(loaded_version) != str(solicitation.version):
        raise SolicitationError(
            f"保存未成功：您打开此页面后，该约稿已于{to_local(solicitation.updated_at):%Y-%m-%d %H:%M}被其他编辑修改。"
            "请对照下方现在保存的版本和您填写的内容，修改后再次保存；再次保存将以您填写的内容为准。", "version")
    now = now or utcnow()
    values = _clean_fields(fields)
    if fields.deadline != solicitation.deadline and fields.deadline <= now and not solicitation.by_phone:
        raise SolicitationError("新的截止时间须晚于现在", "deadline_date")
    unit_ids = resolve_targets(fields.unit_ids, fields.groups)
    current = solicitation.unit_ids
    removed, added = current - unit_ids, unit_ids - current
    if removed:
        answered = db.session.scalars(
            select(Unit.name).join(Item, Item.unit_id == Unit.id)
            .where(Item.solicitation_id == solicitation.id, Item.unit_id.in_(removed)).distinct()
        ).all()
        if answered:
            raise SolicitationError(f"{'、'.join(answered)}已有回复（含草稿），不能移出约稿单位", "units")

    changes = _describe_changes(solicitation, values, fields.deadline)
    before = snapshot(solicitation, *_AUDITED)
    for key, value in values.items():
        setattr(solicitation, key, value)
    solicitation.deadline = fields.deadline
    solicitation.targets = [t for t in solicitation.targets if t.unit_id not in removed] + [
        SolicitationTarget(unit_id=unit_id) for unit_id in sorted(added)
    ]
    if changes or added or removed:
        solicitation.updated_at = now
    db.session.flush()
    record_event(editor, "solicitation.update", solicitation, f"修改约稿{_topic(solicitation)}", before,
                 snapshot(solicitation, *_AUDITED))

    kept = current - removed
    if changes:
        notify_users(list_unit_member_ids(kept), "solicitation_changed",
                     f"约稿{_topic(solicitation)}有变更：{'；'.join(changes)}", _url(solicitation))
    if added:
        _notify_new(solicitation, added)
    if removed:
        notify_users(list_unit_member_ids(removed), "solicitation_withdrawn",
                     f"约稿{_topic(solicitation)}已不再需要本单位报送", url_for("solicitations.inbox"))
    return changes


def extend_deadline(editor, solicitation: Solicitation, deadline: datetime | None,
                    now: datetime | None = None) -> None:
    """Moves the deadline later; every answer is judged by the new one. On a closed notice this
    reopens it: units may link answers again until the new deadline."""
    _require_editor(editor)
    now = now or utcnow()
    _check_deadline(deadline)
    if deadline <= solicitation.deadline:
        raise SolicitationError(f"新的截止时间须晚于原截止时间（{describe_deadline(solicitation.deadline)}）",
                                "deadline_date")
    if deadline <= now:
        raise SolicitationError("新的截止时间须晚于现在", "deadline_date")
    reopened = not solicitation.is_open
    before = snapshot(solicitation, *_AUDITED)
    solicitation.deadline = deadline
    solicitation.updated_at = now
    solicitation.status, solicitation.closed_at = "open", None
    record_event(editor, "solicitation.extend", solicitation, f"延长约稿{_topic(solicitation)}的截止时间", before,
                 snapshot(solicitation, *_AUDITED))
    what = "已重新开放，" if reopened else ""
    notify_users(list_unit_member_ids(solicitation.unit_ids), "solicitation_changed",
                 f"约稿{_topic(solicitation)}{what}截止时间延长至{describe_deadline(deadline)}", _url(solicitation))


def describe_closing(solicitation) -> str:
    return (f"结束约稿{quoted(solicitation.topic)}？结束后各单位不能再关联回复，已报送的回复照常按截止时间判定按时或逾期；"
            f"将通知{len(solicitation.unit_ids)}个单位。")


def close_solicitation(editor, solicitation: Solicitation, now: datetime | None = None) -> None:
    """Ends a notice: no new answers may be linked to it. Answers already filed keep their link and
    are judged on time or late by the deadline as it stood."""
    _require_editor(editor)
    _require_open(solicitation, "再次结束")
    now = now or utcnow()
    before = snapshot(solicitation, *_AUDITED)
    solicitation.status = "closed"
    solicitation.closed_at = now
    solicitation.updated_at = now
    record_event(editor, "solicitation.close", solicitation, f"结束约稿{_topic(solicitation)}", before,
                 snapshot(solicitation, *_AUDITED))
    notify_users(list_unit_member_ids(solicitation.unit_ids), "solicitation_closed",
                 f"约稿{_topic(solicitation)}已结束", _url(solicitation))


# ---- the units' side ------------------------------------------------------------------------

def _target_of(solicitation: Solicitation, unit_id: int) -> SolicitationTarget | None:
    return next((target for target in solicitation.targets if target.unit_id == unit_id), None)


def mark_opened(user, solicitation: Solicitation, now: datetime | None = None) -> bool:
    """已查看: the first time anyone of a target unit opens the notice. Returns whether it recorded."""
    if not _in_target_unit(user, solicitation):
        return False
    target = _target_of(solicitation, user.unit_id)
    if target.opened_at is not None:
        return False
    target.opened_at = now or utcnow()
    return True


def needs_opening(user, solicitation: Solicitation) -> bool:
    """Whether showing the notice to this user would record it as opened (a write the view must allow)."""
    if not _in_target_unit(user, solicitation):
        return False
    return _target_of(solicitation, user.unit_id).opened_at is None


def acknowledge_solicitation(user, solicitation: Solicitation, now: datetime | None = None) -> bool:
    """签收, recorded with time and person. The first acknowledgement stands; returns False for a repeat."""
    if not _in_target_unit(user, solicitation):
        raise SolicitationError("只有约稿单位的信息员或负责人可以签收")
    _require_open(solicitation, "签收")
    now = now or utcnow()
    target = _target_of(solicitation, user.unit_id)
    if target.acknowledged_at is not None:
        return False
    target.acknowledged_at = now
    target.acknowledged_by_id = user.id
    if target.opened_at is None:
        target.opened_at = now
    record_event(user, "solicitation.acknowledge", solicitation, f"{user.unit.name}签收约稿{_topic(solicitation)}",
                 new={"acknowledged_at": now})
    return True


def check_answer_link(unit_id: int, solicitation_id: int, current_id: int | None = None) -> None:
    """An item may answer only a notice sent to its own unit, whatever a form sends; a new link needs
    an open notice (a link made before the notice closed is kept)."""
    solicitation = db.session.get(Solicitation, solicitation_id)
    if solicitation is None or unit_id not in solicitation.unit_ids:
        raise SolicitationError("只能回复发给本单位的约稿")
    if solicitation_id != current_id and not solicitation.is_open:
        raise SolicitationError("该约稿已结束，不能再回复")


def list_answer_choices(unit_id: int, current_id: int | None = None) -> dict[int, str]:
    """{id: label} of the notices an item of this unit may answer: the open ones sent to it, and the
    one the item already answers."""
    query = (select(Solicitation).join(SolicitationTarget)
             .where(SolicitationTarget.unit_id == unit_id, Solicitation.status == "open"))
    choices = {s.id: s for s in db.session.scalars(query.order_by(Solicitation.deadline, Solicitation.id))}
    if current_id is not None and current_id not in choices:
        current = db.session.get(Solicitation, current_id)
        if current is not None:
            choices[current.id] = current
    return {s.id: f"{s.topic}（{describe_deadline(s.deadline)}截止）" for s in choices.values()}


# ---- countdown and states -------------------------------------------------------------------

def is_on_time(submitted_at: datetime, deadline: datetime) -> bool:
    """An answer is on time when it is submitted (signed off) at or before the deadline."""
    return submitted_at <= deadline


def target_state(target: SolicitationTarget, answers: list[Item], solicitation: Solicitation,
                 now: datetime) -> str:
    """One target unit's state: its best submitted answer first, then, while none is in, what the
    unit did with the notice; once the deadline has passed (or the notice is closed) it is 未报送."""
    submitted = [item.submitted_at for item in answers if item.submitted_at is not None]
    if any(is_on_time(at, solicitation.deadline) for at in submitted):
        return "on_time"
    if submitted:
        return "late"
    if now > solicitation.deadline or not solicitation.is_open:
        return "missing"
    if target.acknowledged_at is not None:
        return "acknowledged"
    if target.opened_at is not None:
        return "opened"
    return "unopened"


def _answers_by_unit(solicitation_ids, unit_id: int | None = None,
                     submitted_only: bool = True) -> dict[tuple[int, int], list[Item]]:
    ids = list(solicitation_ids)
    if not ids:
        return {}
    query = select(Item).where(Item.solicitation_id.in_(ids))
    if submitted_only:
        query = query.where(Item.status.in_(OFFICE_VISIBLE))
    if unit_id is not None:
        query = query.where(Item.unit_id == unit_id)
    answers: dict[tuple[int, int], list[Item]] = {}
    for item in db.session.scalars(query.order_by(Item.submitted_at, Item.id)):
        answers.setdefault((item.solicitation_id, item.unit_id), []).append(item)
    return answers


@dataclass
class TargetLine:
    target: SolicitationTarget
    state: str
    answers: list[Item]

    @property
    def unit(self) -> Unit:
        return self.target.unit

    @property
    def state_name(self) -> str:
        return TARGET_STATES[self.state]


@dataclass
class Board:
    """The editor's tracking board: every target unit's state and answers."""

    solicitation: Solicitation
    lines: list[TargetLine]
    countdown: Countdown
    checked_at: datetime

    @property
    def counts(self) -> dict[str, int]:
        return {state: sum(1 for line in self.lines if line.state == state) for state in TARGET_STATES}


def build_board(solicitation: Solicitation, now: datetime | None = None) -> Board:
    now = now or utcnow()
    answers = _answers_by_unit([solicitation.id])
    lines = [
        TargetLine(target, target_state(target, found, solicitation, now), found)
        for target in solicitation.targets
        for found in [answers.get((solicitation.id, target.unit_id), [])]
    ]
    order = list(TARGET_STATES)
    lines.sort(key=lambda line: (order.index(line.state), line.unit.sort_order, line.unit.id))
    return Board(solicitation, lines, describe_countdown(solicitation.deadline, now), now)


@dataclass
class UnitView:
    """What a target unit sees of a notice: its own receipt, state and answers, never another unit's."""

    solicitation: Solicitation
    target: SolicitationTarget
    state: str
    countdown: Countdown
    # every item of the unit linked to the notice, drafts included
    answers: list[Item]

    @property
    def state_name(self) -> str:
        return TARGET_STATES[self.state]


def describe_for_unit(user, solicitation: Solicitation, now: datetime | None = None) -> UnitView | None:
    if not _in_target_unit(user, solicitation):
        return None
    now = now or utcnow()
    target = _target_of(solicitation, user.unit_id)
    answers = _answers_by_unit([solicitation.id], user.unit_id, submitted_only=False).get(
        (solicitation.id, user.unit_id), [])
    submitted = [item for item in answers if item.status in OFFICE_VISIBLE]
    return UnitView(solicitation, target, target_state(target, submitted, solicitation, now),
                    describe_countdown(solicitation.deadline, now), answers)


@dataclass
class InboxLine:
    solicitation: Solicitation
    target: SolicitationTarget
    state: str
    countdown: Countdown

    @property
    def state_name(self) -> str:
        return TARGET_STATES[self.state]

    @property
    def waiting(self) -> bool:
        """The unit still owes an answer to an open notice (past the deadline, a late one)."""
        return self.solicitation.is_open and self.state in ("unopened", "opened", "acknowledged", "missing")


def list_inbox(unit_id: int, now: datetime | None = None) -> list[InboxLine]:
    """The notices sent to one unit: those still awaiting its answer first, soonest deadline first."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Solicitation, SolicitationTarget).join(SolicitationTarget)
        .where(SolicitationTarget.unit_id == unit_id)
        .order_by(Solicitation.deadline.desc(), Solicitation.id.desc()).limit(LIST_LIMIT)
    ).all()
    answers = _answers_by_unit([s.id for s, _ in rows], unit_id)
    lines = [
        InboxLine(s, target, target_state(target, answers.get((s.id, unit_id), []), s, now),
                  describe_countdown(s.deadline, now))
        for s, target in rows
    ]
    waiting = sorted((line for line in lines if line.waiting), key=lambda line: line.solicitation.deadline)
    return waiting + [line for line in lines if not line.waiting]


def list_waiting(unit_id: int, now: datetime | None = None) -> list[InboxLine]:
    return [line for line in list_inbox(unit_id, now) if line.waiting]


@dataclass
class OfficeLine:
    solicitation: Solicitation
    countdown: Countdown
    targets: int
    answered: int
    on_time: int


def list_solicitations(now: datetime | None = None) -> list[OfficeLine]:
    """Every notice for the office: open ones first by deadline, then the rest, newest first."""
    now = now or utcnow()
    solicitations = list(db.session.scalars(
        select(Solicitation).options(selectinload(Solicitation.targets))
        .order_by(Solicitation.deadline.desc(), Solicitation.id.desc()).limit(LIST_LIMIT)
    ))
    answers = _answers_by_unit([s.id for s in solicitations])
    lines = []
    for s in solicitations:
        states = [target_state(t, answers.get((s.id, t.unit_id), []), s, now) for t in s.targets]
        lines.append(OfficeLine(s, describe_countdown(s.deadline, now), len(states),
                                sum(state in ("on_time", "late") for state in states),
                                sum(state == "on_time" for state in states)))
    current = sorted((line for line in lines if line.solicitation.is_open and not line.countdown.past),
                     key=lambda line: line.solicitation.deadline)
    shown = {line.solicitation.id for line in current}
    return current + [line for line in lines if line.solicitation.id not in shown]


# ---- the editor's verdict on answers --------------------------------------------------------

def decide_answer(editor, item: Item, verdict: str) -> bool:
    """采纳 or not: with an on-time submission, an accepted answer earns the rule set's solicitation
    points. Returns False when the verdict was already so."""
    _require_editor(editor)
    if item.solicitation_id is None:
        raise SolicitationError("该信息不是约稿回复")
    if item.status not in OFFICE_VISIBLE:
        raise SolicitationError("该回复尚未报送到办公室")
    if verdict not in ("accepted", "rejected"):
        raise SolicitationError("请选择采纳或不采纳", "verdict")
    if item.solicitation_verdict == verdict:
        return False
    before = snapshot(item, "solicitation_verdict")
    item.solicitation_verdict = verdict
    solicitation = db.session.get(Solicitation, item.solicitation_id)
    result = "已被采纳" if verdict == "accepted" else "未被采纳"
    record_event(editor, "solicitation.verdict", item,
                 f"《{item.display_title}》作为约稿{_topic(solicitation)}的回复{result}", before,
                 snapshot(item, "solicitation_verdict"))
    notify_users([item.author_id], "solicitation_verdict",
                 f"《{item.display_title}》作为约稿{_topic(solicitation)}的回复{result}",
                 url_for("items.detail", item_id=item.id))
    return True


def verdict_name(verdict: str | None) -> str:
    return VERDICTS.get(verdict or "pending", verdict or "")


# ---- the printable notice (seed 附件3, 约稿通知单) ---------------------------------------------

@dataclass
class Notice:
    """The text of one notice to one unit, as the seed's 约稿通知单 words it. The print page renders
    it; the PDF renders the same object."""

    heading: str
    number: str  # 约稿编号 as printed (城南约稿〔2026〕5号), empty where the office does not number them
    addressee: str
    body: str
    requirements: str
    closing: str
    contact: str
    issuer: str
    date_line: str
    by_phone: bool


def deadline_words(deadline: datetime, issued_at: datetime) -> str:
    """A deadline as an official text writes it: 12月10日下午5时30分, 上午9时, 中午12时, 20时; midnight is
    the day before's 24时. The year only when it is not the year of issue."""
    local, issued = to_local(deadline), to_local(issued_at)
    day, hour = local.date(), local.hour
    if hour == 0 and local.minute == 0:
        day, hour = day - timedelta(days=1), 24
    year = f"{day.year}年" if day.year != issued.year else ""
    if hour < 12:
        clock = f"上午{hour}时"
    elif hour == 12:
        clock = "中午12时"
    elif hour < 19:
        clock = f"下午{hour - 12}时"
    else:
        clock = f"{hour}时"
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{year}{day.month}月{day.day}日{clock}{minutes}"


def nest_quotes(text: str) -> str:
    """Text going inside “”: its own double quotes become single ones (‘’ inside “”)."""
    return text.replace("“", "‘").replace("”", "’").replace('"', "’")


def topic_clause(topic: str) -> str:
    """What the office needs to know: “…有关情况”, without doubling a topic that already ends in 情况."""
    topic = nest_quotes(topic.strip())
    return f"“{topic}”" if topic.endswith("情况") else f"“{topic}”有关情况"


def notice_number(solicitation: Solicitation) -> str:
    """The notice's number when the office numbers them (SOLICITATION_NUMBER_PREFIX): its place among
    the solicitations issued in its year, e.g. 城南约稿〔2026〕5号."""
    prefix = current_app.config.get("SOLICITATION_NUMBER_PREFIX") or ""
    if not prefix:
        return ""
    tz = to_local(solicitation.issued_at).tzinfo
    year = to_local(solicitation.issued_at).year
    start, end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    earlier = db.session.scalar(select(func.count(Solicitation.id)).where(
        Solicitation.issued_at >= start, Solicitation.issued_at < end,
        (Solicitation.issued_at < solicitation.issued_at)
        | ((Solicitation.issued_at == solicitation.issued_at) & (Solicitation.id <= solicitation.id))))
    return f"{prefix}〔{year}〕{earlier}号"


def build_notice(solicitation: Solicitation, unit: Unit, number: str = "") -> Notice:
    office = current_app.config["OFFICE_NAME"]
    place = f"报{office}{solicitation.room}" if solicitation.room else f"报{office}"
    reach = "".join(
        part for part in (
            f"，电话：{solicitation.phone}" if solicitation.phone else "",
            f"，邮箱：{solicitation.email}" if solicitation.email else "",
        )
    )
    body = (f"根据近期工作安排，{office}需了解{topic_clause(solicitation.topic)}，请你单位认真研究，组织有关人员"
            f"认真调研、及时撰稿，经单位主管领导审核后，于{deadline_words(solicitation.deadline, solicitation.issued_at)}"
            f"之前{place}{reach}。")
    contact = "　".join(part for part in (
        f"联系人：{solicitation.contact_name}" if solicitation.contact_name else "",
        f"电话：{solicitation.phone}" if solicitation.phone else "",
    ) if part)
    issued = to_local(solicitation.issued_at)
    return Notice(
        heading=f"{office}政务信息约稿通知",
        number=number,
        addressee=f"{unit.name}：",
        body=body,
        requirements=solicitation.requirements,
        closing="特此通知。",
        contact=contact,
        issuer=office,
        date_line=f"{issued.year}年{issued.month}月{issued.day}日",
        by_phone=solicitation.by_phone,
    )


def build_notices(user, solicitation: Solicitation) -> list[Notice]:
    """One notice per target unit for the office; a unit prints only its own."""
    targets = [t for t in solicitation.targets if user.has_any_role(*OFFICE_ROLES) or t.unit_id == user.unit_id]
    number = notice_number(solicitation)
    return [build_notice(solicitation, target.unit, number) for target in targets]


# ---- reporting priorities (信息工作要点) -------------------------------------------------------

def publish_priority(editor, title: str, body: str, now: datetime | None = None) -> ReportingPriority:
    """Publishes a note to every unit; it supersedes the previous one on their dashboards. A retried
    submit of the same note finds the one already published."""
    _require_editor(editor)
    title, body = clean_text(title), clean_text(body)
    if not title:
        raise SolicitationError("请填写标题", "title")
    if len(title) > PRIORITY_TITLE_MAX:
        raise SolicitationError(f"标题不超过{PRIORITY_TITLE_MAX}个字", "title")
    if not body:
        raise SolicitationError("请填写要点内容", "body")
    if len(body) > PRIORITY_BODY_MAX:
        raise SolicitationError(f"要点内容不超过{PRIORITY_BODY_MAX}字", "body")
    latest = current_priority()
    if latest is not None and latest.title == title and latest.body == body:
        return latest
    priority = ReportingPriority(title=title, body=body, published_by_id=editor.id, published_at=now or utcnow())
    db.session.add(priority)
    db.session.flush()
    record_event(editor, "priority.publish", priority, f"发布信息工作要点：{title}",
                 new=snapshot(priority, "title", "body"))
    notify_users(list_unit_member_ids(unit.id for unit in list_reporting_units()), "priority_published",
                 f"办公室发布信息工作要点：{title}", url_for("items.dashboard"))
    return priority


def current_priority() -> ReportingPriority | None:
    return db.session.scalar(
        select(ReportingPriority).order_by(ReportingPriority.published_at.desc(), ReportingPriority.id.desc()).limit(1)
    )


def list_priorities(limit: int = 50) -> list[ReportingPriority]:
    return list(db.session.scalars(
        select(ReportingPriority).order_by(ReportingPriority.published_at.desc(), ReportingPriority.id.desc())
        .limit(limit)
    ))
