"""The liaison roster (信息员名单): who leads and who reports in each unit, how to reach them, and the
office's requests to confirm or update it by a deadline.

Every refusal is a RosterError with a Chinese message; views show it and never turn it into a 500.
The phone and e-mail rules live here and the forms call them, so a form and the service cannot drift.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort, url_for
from sqlalchemy import bindparam, select

from ..audit.services import record_event, snapshot
from ..auth.services import list_unit_member_ids
from ..extensions import db, prepared, utcnow, write_transaction
from ..items.workflow import UNIT_ROLES
from ..notifications.services import notify_users
from ..units.models import Unit
from ..units.office import kept_by_office
from ..units.services import list_reporting_units
from ..web.countdown import Countdown, describe_countdown
from ..web.errors import UserError
from ..web.fields import EARLIEST_YEAR, LATEST_YEAR
from ..web.filters import format_datetime, to_local
from ..web.memo import once_per_page
from .models import EMPLOYMENTS, Roster, RosterOfficer, RosterRequest, RosterResponse

NAME_MAX = 40
POSITION_MAX = 40
SECTION_MAX = 60
EMAIL_MAX = 120
NOTE_MAX = 500
# A unit names one liaison officer as a rule (seed: 确定1名信息员), a few when it has part-time helpers.
MAX_OFFICERS = 10
# Deadlines outside these years are typing slips (and far-off years overflow time-zone arithmetic).
OFFICE_READERS = ("editor", "admin", "viewer")  # a leader reads every unit's roster

RESPONSE_STATES = {
    "on_time": "按时完成",
    "late": "逾期完成",
    "waiting": "尚未完成",
    "missed": "逾期未完成",
}


class RosterError(UserError):
    """A refused roster change."""


# ---- contact values -------------------------------------------------------------------------

MOBILE = re.compile(r"1[3-9]\d{9}")
# Area codes 010 and 02x are three digits with 8-digit numbers; the others (03xx-09xx) are four
# digits with 7- or 8-digit numbers. Knowing this splits "01012345678" the right way.
LANDLINE = re.compile(r"\(?(0[12]\d)\)?-?(\d{8})|\(?(0[3-9]\d{2})\)?-?(\d{7,8})")
EXTENSION = re.compile(r"(?:-|转|#|ext\.?)(\d{1,6})", re.IGNORECASE)
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Spaces and dashes people type inside numbers; full-width forms come from Chinese input methods.
_SEPARATORS = str.maketrans({" ": "", "\u3000": "", "－": "-", "—": "-", "–": "-", "（": "(", "）": ")"})
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_FULL_WIDTH_EMAIL = str.maketrans({"＠": "@", "．": ".", "。": "."})


def _squeeze(value: str | None) -> str:
    return clean(value).translate(_FULL_WIDTH_DIGITS).translate(_SEPARATORS)


def normalize_mobile(value: str | None, what: str = "手机号码") -> str:
    """'' stays ''; otherwise the 11 digits of a mainland mobile number, or a RosterError."""
    text = _squeeze(value)
    if not text:
        return ""
    digits = text.replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not MOBILE.fullmatch(digits):
        raise RosterError(f"{what}应为11位手机号码，以13至19开头，如 13804311234")
    return digits


def normalize_landline(value: str | None, what: str = "办公电话") -> str:
    """'' stays ''; otherwise "0552-3012345" (with "-801" for an extension), or a RosterError."""
    text = _squeeze(value)
    if not text:
        return ""
    extension = ""
    match = LANDLINE.match(text)
    if match:
        rest = text[match.end():]
        if rest:
            tail = EXTENSION.fullmatch(rest)
            if tail is None:
                match = None
            else:
                extension = "-" + tail.group(1)
    if match is None:
        raise RosterError(f"{what}请填写带区号的固定电话，如 0552-3012345、010-12345678，分机可写作 0552-3012345-801")
    area, number = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return f"{area}-{number}{extension}"


def normalize_email(value: str | None, what: str = "电子邮箱") -> str:
    # Only the ends are trimmed: a space inside an address is a mistake to show, not to guess at.
    text = clean(value).translate(_FULL_WIDTH_EMAIL)
    if not text:
        return ""
    if len(text) > EMAIL_MAX or not EMAIL.fullmatch(text):
        raise RosterError(f"{what}格式不正确，如 xinxi@example.gov.cn")
    return text


def clean(text: str | None) -> str:
    # PostgreSQL refuses NUL characters in text; nobody means to type them.
    return (text or "").replace("\x00", "").strip()


def _text(value: str | None, limit: int, what: str, field_name: str, required: bool = False) -> str:
    text = clean(value)
    if required and not text:
        raise RosterError(f"请填写{what}", field_name)
    if len(text) > limit:
        raise RosterError(f"{what}不超过{limit}个字", field_name)
    return text


def _contact(normalize, value, what: str, field_name: str) -> str:
    try:
        return normalize(value, what)
    except RosterError as error:
        raise RosterError(str(error), field_name) from None


# ---- loading with permission ----------------------------------------------------------------

def _is_unit_member(user, unit: Unit) -> bool:
    return user.unit_id == unit.id and user.has_any_role(*UNIT_ROLES)


def can_edit_roster(user, unit: Unit) -> bool:
    return _is_unit_member(user, unit)


def get_roster_unit_for(user, unit_id: int, action: str = "view") -> Unit:
    """The unit whose roster the user asks for. 404 for the office (it keeps no roster) and for
    another unit's roster (ids reveal nothing); 403 when the office may see it but not change it."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.is_office:
        abort(404)
    if _is_unit_member(user, unit):
        return unit
    if not user.has_any_role(*OFFICE_READERS):
        abort(404)
    if action != "view":
        abort(403)
    return unit


def get_roster(unit_id: int) -> Roster | None:
    return db.session.scalar(select(Roster).where(Roster.unit_id == unit_id))


def roster_is_complete(roster: Roster | None) -> bool:
    """What a unit must have filled in before it may confirm that nothing changed."""
    return bool(roster and roster.leader_name and any(o.name and o.mobile for o in roster.officers))


# ---- saving a roster ------------------------------------------------------------------------

@dataclass
class OfficerData:
    name: str = ""
    position: str = ""
    employment: str = "part_time"
    mobile: str = ""
    office_phone: str = ""
    email: str = ""

    def is_blank(self) -> bool:
        # The employment select always carries a value, so it says nothing about an untouched row.
        return not any(clean(v) for v in (self.name, self.position, self.mobile, self.office_phone, self.email))


@dataclass
class RosterData:
    leader_name: str = ""
    leader_position: str = ""
    leader_mobile: str = ""
    leader_phone: str = ""
    leader_email: str = ""
    section: str = ""
    officers: list[OfficerData] = field(default_factory=list)


def check_officer(data: OfficerData, prefix: str = "") -> OfficerData:
    """A checked, normalized copy of one liaison officer's row; field names carry `prefix`."""
    if data.employment not in EMPLOYMENTS:
        raise RosterError("请选择专职或兼职", prefix + "employment")
    mobile = _contact(normalize_mobile, data.mobile, "信息员手机", prefix + "mobile")
    if not mobile:
        raise RosterError("请填写信息员手机号码", prefix + "mobile")
    return OfficerData(
        name=_text(data.name, NAME_MAX, "信息员姓名", prefix + "name", required=True),
        position=_text(data.position, POSITION_MAX, "职务", prefix + "position"),
        employment=data.employment,
        mobile=mobile,
        office_phone=_contact(normalize_landline, data.office_phone, "办公电话", prefix + "office_phone"),
        email=_contact(normalize_email, data.email, "电子邮箱", prefix + "email"),
    )


def check_roster(data: RosterData) -> RosterData:
    """A checked, normalized copy: blank officer rows are dropped, at least one officer remains."""
    officers = [check_officer(o, f"officers-{i}-") for i, o in enumerate(data.officers) if not o.is_blank()]
    if not officers:
        raise RosterError("请至少填写一名信息员", "officers-0-name")
    if len(officers) > MAX_OFFICERS:
        raise RosterError(f"信息员最多填写{MAX_OFFICERS}名", "officers-0-name")
    return RosterData(
        leader_name=_text(data.leader_name, NAME_MAX, "分管领导姓名", "leader_name", required=True),
        leader_position=_text(data.leader_position, POSITION_MAX, "分管领导职务", "leader_position", required=True),
        leader_mobile=_contact(normalize_mobile, data.leader_mobile, "分管领导手机", "leader_mobile"),
        leader_phone=_contact(normalize_landline, data.leader_phone, "分管领导办公电话", "leader_phone"),
        leader_email=_contact(normalize_email, data.leader_email, "分管领导电子邮箱", "leader_email"),
        section=_text(data.section, SECTION_MAX, "对口科室", "section"),
        officers=officers,
    )


def _roster_values(roster: Roster) -> dict:
    officers = [f"{o.name} {o.position} {o.mobile} {o.office_phone} {o.email}".strip() for o in roster.officers]
    return snapshot(roster, "leader_name", "leader_position", "leader_mobile", "leader_phone", "leader_email",
                    "section") | {"officers": officers}


def record_roster_export(user, rows: list, kind: str) -> None:
    """The roster is personal data (names, mobiles, e-mails of every unit's people): who took a copy,
    when and from where goes into the audit log, in a short transaction of its own (a GET's)."""
    db.session.commit()
    with write_transaction():
        record_event(user, "roster.export", None, f"导出信息员名单（{kind}，{len(rows)}个单位）",
                     new={"format": kind, "units": len(rows)})
        db.session.commit()


def save_roster(user, unit: Unit, data: RosterData, now: datetime | None = None) -> Roster:
    """Replaces the unit's roster with `data`. Saving answers the office's current request too:
    a unit that updated its roster has certainly looked at it."""
    if not can_edit_roster(user, unit):
        raise RosterError("只有本单位的信息员或负责人可以修改本单位名单")
    data = check_roster(data)
    now = now or utcnow()
    roster = get_roster(unit.id)
    if roster is None:
        roster = Roster(unit_id=unit.id)
        db.session.add(roster)
    before = _roster_values(roster)
    roster.leader_name, roster.leader_position = data.leader_name, data.leader_position
    roster.leader_mobile, roster.leader_phone = data.leader_mobile, data.leader_phone
    roster.leader_email = data.leader_email
    roster.section = data.section
    roster.officers = [
        RosterOfficer(sort_order=index, name=o.name, position=o.position, employment=o.employment, mobile=o.mobile,
                      office_phone=o.office_phone, email=o.email)
        for index, o in enumerate(data.officers)
    ]
    roster.updated_at, roster.updated_by_id = now, user.id
    record_event(user, "roster.save", roster, f"保存{unit.name}信息员名单", before, _roster_values(roster))
    request = current_request()
    if request is not None:
        _respond(request, unit, user, "updated", now)
    return roster


def roster_data_of(roster: Roster | None) -> RosterData:
    """What the edit form starts from."""
    if roster is None:
        return RosterData(officers=[OfficerData()])
    return RosterData(
        leader_name=roster.leader_name, leader_position=roster.leader_position, leader_mobile=roster.leader_mobile,
        leader_phone=roster.leader_phone, leader_email=roster.leader_email, section=roster.section,
        officers=[OfficerData(o.name, o.position, o.employment, o.mobile, o.office_phone, o.email)
                  for o in roster.officers] or [OfficerData()],
    )


# ---- requests: issue, respond ---------------------------------------------------------------

@prepared  # the menu's mark on every unit page
def _latest_request():
    return select(RosterRequest).order_by(RosterRequest.issued_at.desc(), RosterRequest.id.desc()).limit(1)


@prepared
def _responded_at():
    return select(RosterResponse.responded_at).where(RosterResponse.request_id == bindparam("request_id"),
                                                     RosterResponse.unit_id == bindparam("unit_id"))


@once_per_page  # the menu's mark and the dashboard's notice both ask
def current_request() -> RosterRequest | None:
    """The latest request: units answer it until the office issues the next one, late if need be."""
    return db.session.scalar(_latest_request())


def deadline_text(deadline: datetime) -> str:
    """The deadline as the pages' `dt` filter shows it, for notices and messages."""
    return format_datetime(deadline)


def issue_roster_request(editor, deadline_at: datetime, note: str = "", now: datetime | None = None) -> RosterRequest:
    """Asks every active reporting unit to confirm or update its roster by `deadline_at` and tells
    their reporters and signers. A retried submit of the same request returns the one already
    issued; a different one waits until the open one has closed."""
    if not editor.has_role("editor"):
        raise RosterError("只有办公室编辑可以发出名单确认通知")
    now = now or utcnow()
    _check_request_deadline(deadline_at, now)
    note = _text(note, NOTE_MAX, "通知说明", "note")
    latest = current_request()
    if latest is not None and latest.deadline_at >= now:
        if latest.deadline_at == deadline_at and latest.note == note:
            return latest
        raise RosterError(f"已有一份名单确认通知尚未截止（{deadline_text(latest.deadline_at)}截止），请截止后再发新的通知")
    units = list_reporting_units()
    if not units:
        raise RosterError("还没有报送单位，无需发出名单确认通知")
    request = RosterRequest(note=note, deadline_at=deadline_at, issued_at=now, issued_by_id=editor.id,
                            responses=[RosterResponse(unit_id=unit.id) for unit in units])
    db.session.add(request)
    db.session.flush()
    record_event(editor, "roster_request.issue", request, f"发出名单确认通知，{deadline_text(deadline_at)}截止",
                 new=snapshot(request, "deadline_at", "note"))
    notify_users(list_unit_member_ids({unit.id for unit in units}), "roster_request",
                 f"办公室请各单位于{deadline_text(deadline_at)}前确认或更新本单位信息员名单", url_for("roster.index"), now)
    return request


def _check_request_deadline(deadline_at: datetime | None, now: datetime) -> None:
    if deadline_at is None:
        raise RosterError("请填写截止时间", "deadline_on")
    if not EARLIEST_YEAR <= to_local(deadline_at).year <= LATEST_YEAR:
        raise RosterError("截止日期的年份不合理", "deadline_on")
    if deadline_at <= now:
        raise RosterError("截止时间必须晚于现在", "deadline_on")


def update_roster_request(editor, request: RosterRequest, deadline_at: datetime | None, note: str = "",
                          now: datetime | None = None) -> list[str]:
    """Changes the deadline (extends it, or brings it forward while still ahead) or the note of the
    current request, and tells the units that have not yet answered what changed. Answers already
    given keep their time and are judged by the new deadline. Returns the changes described."""
    if not editor.has_role("editor"):
        raise RosterError("只有办公室编辑可以修改名单确认通知")
    latest = current_request()
    if latest is None or latest.id != request.id:
        raise RosterError("已有更新的名单确认通知，旧通知不能再修改")
    now = now or utcnow()
    _check_request_deadline(deadline_at, now)
    note = _text(note, NOTE_MAX, "通知说明", "note")
    changes = []
    if deadline_at != request.deadline_at:
        verb = "延长至" if deadline_at > request.deadline_at else "提前至"
        changes.append(f"截止时间{verb}{deadline_text(deadline_at)}")
    if note != request.note:
        changes.append("通知说明已修改")
    if not changes:
        return []
    before = snapshot(request, "deadline_at", "note")
    request.deadline_at, request.note = deadline_at, note
    record_event(editor, "roster_request.update", request, "修改名单确认通知：" + "；".join(changes), before,
                 snapshot(request, "deadline_at", "note"))
    waiting = {response.unit_id for response in request.responses if response.responded_at is None}
    notify_users(list_unit_member_ids(waiting), "roster_request_changed", "名单确认通知已修改：" + "；".join(changes),
                 url_for("roster.index"), now)
    return changes


def _respond(request: RosterRequest, unit: Unit, user, kind: str, now: datetime) -> tuple[RosterResponse, bool]:
    """Records the unit's first answer to `request`; later answers keep the first time and person,
    which is what timeliness is judged by. Returns the row and whether this call answered."""
    response = db.session.scalar(
        select(RosterResponse).where(RosterResponse.request_id == request.id, RosterResponse.unit_id == unit.id)
    )
    if response is None:
        # A unit set up after the request went out answers it all the same.
        response = RosterResponse(request_id=request.id, unit_id=unit.id)
        db.session.add(response)
    if response.responded_at is not None:
        return response, False
    response.responded_at, response.responded_by_id, response.kind = now, user.id, kind
    db.session.flush()
    return response, True


def confirm_roster(user, unit: Unit, now: datetime | None = None) -> tuple[RosterResponse, bool]:
    """确认无变化: the unit answers the current request without changing its roster."""
    if not can_edit_roster(user, unit):
        raise RosterError("只有本单位的信息员或负责人可以确认本单位名单")
    request = current_request()
    if request is None:
        raise RosterError("办公室目前没有要求确认名单")
    if not roster_is_complete(get_roster(unit.id)):
        raise RosterError("本单位名单尚未填写完整（分管领导和至少一名信息员及其手机），请先填写并保存名单")
    response, answered = _respond(request, unit, user, "confirmed", now or utcnow())
    if answered:
        record_event(user, "roster.confirm", request, f"{unit.name}确认信息员名单无变化",
                     new=snapshot(response, "kind", "responded_at"))
    return response, answered


# ---- countdown and states -------------------------------------------------------------------

def response_state(response: RosterResponse | None, deadline: datetime, now: datetime) -> str:
    """on time when answered at or before the deadline; missed once the deadline has passed unanswered."""
    if response is None or response.responded_at is None:
        return "missed" if now > deadline else "waiting"
    return "on_time" if response.responded_at <= deadline else "late"


@dataclass
class RequestNotice:
    """What a unit sees of the current request on its roster page."""

    request: RosterRequest
    response: RosterResponse | None
    state: str
    countdown: Countdown

    @property
    def state_name(self) -> str:
        return RESPONSE_STATES[self.state]

    @property
    def answered(self) -> bool:
        return self.state in ("on_time", "late")


def unit_request_notice(unit: Unit, now: datetime | None = None) -> RequestNotice | None:
    now = now or utcnow()
    request = current_request()
    if request is None:
        return None
    response = db.session.scalar(
        select(RosterResponse).where(RosterResponse.request_id == request.id, RosterResponse.unit_id == unit.id)
    )
    return RequestNotice(request, response, response_state(response, request.deadline_at, now),
                         describe_countdown(request.deadline_at, now))


@dataclass(frozen=True)
class OwedRequest:
    """The current request as the unit's menu and dashboard show it while the unit owes an answer."""
    id: int
    deadline_at: datetime


@kept_by_office  # every unit page's menu asks
def _owed_request(unit_id: int) -> OwedRequest | None:
    request = current_request()
    if request is None or db.session.scalar(_responded_at(), {"request_id": request.id, "unit_id": unit_id}):
        return None
    return OwedRequest(request.id, request.deadline_at)


def roster_pending_for(user) -> bool:
    """The nav link's mark: the user's unit has not yet answered the current request."""
    return user.has_any_role(*UNIT_ROLES) and _owed_request(user.unit_id) is not None


def owed_request_notice(unit_id: int, now: datetime | None = None) -> RequestNotice | None:
    """The unit dashboard's reminder: the current request while the unit has not answered it, its state and
    countdown worked out now."""
    owed = _owed_request(unit_id)
    if owed is None:
        return None
    now = now or utcnow()
    return RequestNotice(owed, None, response_state(None, owed.deadline_at, now), describe_countdown(owed.deadline_at, now))


@dataclass
class TrackingLine:
    response: RosterResponse
    state: str
    roster: Roster | None

    @property
    def state_name(self) -> str:
        return RESPONSE_STATES[self.state]


@dataclass
class Tracking:
    request: RosterRequest
    lines: list[TrackingLine]
    counts: dict[str, int]
    countdown: Countdown
    is_current: bool

    @property
    def finished(self) -> bool:
        """Nothing left to change on the board: every unit answered, or a newer request replaced this one."""
        return not self.is_current or all(line.state in ("on_time", "late") for line in self.lines)


# Units that still owe an answer first, then the late, then the punctual; tree order within each.
_STATE_ORDER = {"missed": 0, "waiting": 1, "late": 2, "on_time": 3}


def track_roster_request(request: RosterRequest, now: datetime | None = None) -> Tracking:
    now = now or utcnow()
    rosters = {r.unit_id: r for r in db.session.scalars(select(Roster))}
    responses = db.session.scalars(
        select(RosterResponse).join(Unit, Unit.id == RosterResponse.unit_id)
        .where(RosterResponse.request_id == request.id).order_by(Unit.sort_order, Unit.id)
    )
    lines = [TrackingLine(r, response_state(r, request.deadline_at, now), rosters.get(r.unit_id)) for r in responses]
    lines.sort(key=lambda line: _STATE_ORDER[line.state])
    counts = {state: sum(1 for line in lines if line.state == state) for state in RESPONSE_STATES}
    latest = current_request()
    return Tracking(request, lines, counts, describe_countdown(request.deadline_at, now),
                    latest is not None and latest.id == request.id)


def get_roster_request_for(user, request_id: int) -> RosterRequest:
    """Requests are the office's: anyone else is refused before an id is looked up."""
    if not user.has_role("editor"):
        abort(403)
    return db.session.get(RosterRequest, request_id) or abort(404)


def list_roster_requests(limit: int = 20) -> list[RosterRequest]:
    return list(db.session.scalars(
        select(RosterRequest).order_by(RosterRequest.issued_at.desc(), RosterRequest.id.desc()).limit(limit)
    ))


# ---- the roster as a table (page, spreadsheet, PDF) --------------------------------------

@dataclass
class RosterRow:
    """One unit of 附件4 (信息员统计表): the unit, its leader and section, its liaison officers."""

    unit: Unit
    roster: Roster | None
    officers: list[RosterOfficer]
    # the unit's answer to the current request, if there is one
    state: str | None = None
    responded_at: datetime | None = None

    @property
    def state_name(self) -> str:
        return RESPONSE_STATES.get(self.state, "") if self.state else ""


def roster_heading(office_name: str, now: datetime) -> tuple[str, str]:
    """附件4's title and the note under it (the seed: 注：此表于 月 日下班前反馈至管委会办公室)."""
    note = f"导出时间：{format_datetime(now)}"
    request = current_request()
    if request is not None:
        note = f"注：此表于{deadline_text(request.deadline_at)}前反馈至{office_name}。{note}"
    return f"{office_name}政务信息员统计表", note


def roster_rows(now: datetime | None = None) -> list[RosterRow]:
    """Every active reporting unit in tree order with its roster (or none yet), and its answer to the
    current request: the content of the overview page, the .xlsx and the PDF."""
    now = now or utcnow()
    rosters = {r.unit_id: r for r in db.session.scalars(select(Roster))}
    request = current_request()
    responses = {}
    if request is not None:
        responses = {r.unit_id: r for r in db.session.scalars(
            select(RosterResponse).where(RosterResponse.request_id == request.id))}
    rows = []
    for unit in list_reporting_units():
        roster = rosters.get(unit.id)
        row = RosterRow(unit, roster, list(roster.officers) if roster else [])
        if request is not None:
            response = responses.get(unit.id)
            row.state = response_state(response, request.deadline_at, now)
            row.responded_at = response.responded_at if response else None
        rows.append(row)
    return rows
