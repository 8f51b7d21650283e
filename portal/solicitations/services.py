"""Solicitations (约稿): issuing, editing, extending and closing a notice; the target units' receipts
(查看, 签收) and the items that answer it; the editor's verdicts on them. The board and the lists read
from `board`, the printable notice is `notice`, the reporting priorities `priorities`.

Every refusal is a SolicitationError with a Chinese message; views show it and never turn it into a 500.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial

from flask import abort, url_for
from sqlalchemy import select

from ..audit.services import record_event, snapshot
from ..auth.services import list_unit_member_ids
from ..extensions import db, utcnow
from ..items.models import Item
from ..items.workflow import OFFICE_VISIBLE, UNIT_ROLES, can_view_item
from ..notifications.services import notify_users
from ..units.models import UNIT_KINDS, Tier, Unit
from ..web.errors import UserError, load_for
from ..web.fields import EARLIEST_YEAR, LATEST_YEAR
from ..web.filters import format_datetime, local_to_utc, quoted, to_local
from ..web.forms import clean_text
from .models import VERDICTS, Solicitation, SolicitationTarget

OFFICE_ROLES = ("editor", "viewer")
TOPIC_MAX = 100
REQUIREMENTS_MAX = 5000
CONTACT_MAX = 40
EMAIL_MAX = 100
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

def in_target_unit(user, solicitation: Solicitation) -> bool:
    return user.has_any_role(*UNIT_ROLES) and user.unit_id in solicitation.unit_ids


def can_view_solicitation(user, solicitation: Solicitation) -> bool:
    """The office sees every notice; a unit sees only the notices sent to it."""
    return user.has_any_role(*OFFICE_ROLES) or in_target_unit(user, solicitation)


ACTIONS = {
    "view": lambda user, s: True,
    "acknowledge": in_target_unit,
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

def require_editor(user) -> None:
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
    require_editor(editor)
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
    _notify_new(solicitation, unit_ids, now)
    return solicitation


def _notify_new(solicitation: Solicitation, unit_ids, now: datetime) -> None:
    what = "电话约稿已登记" if solicitation.by_phone else "新约稿"
    notify_users(list_unit_member_ids(unit_ids), "solicitation_new",
                 f"{what}：{_topic(solicitation)}，请于{describe_deadline(solicitation.deadline)}前报送",
                 _url(solicitation), now)


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
    require_editor(editor)
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
        _notify_new(solicitation, added, now)
    if removed:
        notify_users(list_unit_member_ids(removed), "solicitation_withdrawn",
                     f"约稿{_topic(solicitation)}已不再需要本单位报送", url_for("solicitations.inbox"))
    return changes


def extend_deadline(editor, solicitation: Solicitation, deadline: datetime | None,
                    now: datetime | None = None) -> None:
    """Moves the deadline later; every answer is judged by the new one. On a closed notice this
    reopens it: units may link answers again until the new deadline."""
    require_editor(editor)
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
    require_editor(editor)
    _require_open(solicitation, "再次结束")
    now = now or utcnow()
    before = snapshot(solicitation, *_AUDITED)
    solicitation.status = "closed"
    solicitation.closed_at = now
    solicitation.updated_at = now
    record_event(editor, "solicitation.close", solicitation, f"结束约稿{_topic(solicitation)}", before,
                 snapshot(solicitation, *_AUDITED))
    notify_users(list_unit_member_ids(solicitation.unit_ids), "solicitation_closed",
                 f"约稿{_topic(solicitation)}已结束", _url(solicitation), now)


# ---- the units' side ------------------------------------------------------------------------

def target_of(solicitation: Solicitation, unit_id: int) -> SolicitationTarget | None:
    return next((target for target in solicitation.targets if target.unit_id == unit_id), None)


def mark_opened(user, solicitation: Solicitation, now: datetime | None = None) -> bool:
    """已查看: the first time anyone of a target unit opens the notice. Returns whether it recorded."""
    if not in_target_unit(user, solicitation):
        return False
    target = target_of(solicitation, user.unit_id)
    if target.opened_at is not None:
        return False
    target.opened_at = now or utcnow()
    return True


def needs_opening(user, solicitation: Solicitation) -> bool:
    """Whether showing the notice to this user would record it as opened (a write the view must allow)."""
    if not in_target_unit(user, solicitation):
        return False
    return target_of(solicitation, user.unit_id).opened_at is None


def acknowledge_solicitation(user, solicitation: Solicitation, now: datetime | None = None) -> bool:
    """签收, recorded with time and person. The first acknowledgement stands; returns False for a repeat."""
    if not in_target_unit(user, solicitation):
        raise SolicitationError("只有约稿单位的信息员或负责人可以签收")
    _require_open(solicitation, "签收")
    now = now or utcnow()
    target = target_of(solicitation, user.unit_id)
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


# ---- the editor's verdict on answers --------------------------------------------------------

def decide_answer(editor, item: Item, verdict: str, now: datetime | None = None) -> bool:
    """采纳 or not: with an on-time submission, an accepted answer earns the rule set's solicitation
    points. Returns False when the verdict was already so."""
    require_editor(editor)
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
                 url_for("items.detail", item_id=item.id), now)
    return True


def verdict_name(verdict: str | None) -> str:
    return VERDICTS.get(verdict or "pending", verdict or "")
