"""The read model of solicitations: each target unit's state (on time, late, missing, or what it did
with the notice), the editor's tracking board, what a unit sees of a notice, the unit's inbox and the
office's list."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from ..extensions import db, prepared, utcnow
from ..items.models import Item
from ..items.workflow import OFFICE_VISIBLE
from ..units.models import Unit
from ..units.office import kept_by_office_and
from ..web.countdown import Countdown, describe_countdown
from .models import TARGET_STATES, Solicitation, SolicitationTarget
from .services import in_target_unit, target_of

LIST_LIMIT = 200


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
    if not in_target_unit(user, solicitation):
        return None
    now = now or utcnow()
    target = target_of(solicitation, user.unit_id)
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


@prepared
def _unit_notices():
    return (select(Solicitation, SolicitationTarget).join(SolicitationTarget)
            .where(SolicitationTarget.unit_id == bindparam("unit_id"))
            .order_by(Solicitation.deadline.desc(), Solicitation.id.desc()).limit(LIST_LIMIT))


@prepared  # the menu's count on every unit page
def _unit_open_notices():
    return _unit_notices().where(Solicitation.status == "open")


def list_inbox(unit_id: int, now: datetime | None = None) -> list[InboxLine]:
    """The notices sent to one unit: those still awaiting its answer first, soonest deadline first."""
    now = now or utcnow()
    rows = db.session.execute(_unit_notices(), {"unit_id": unit_id}).all()
    answers = _answers_by_unit([s.id for s, _ in rows], unit_id)
    lines = [InboxLine(s, target, target_state(target, answers.get((s.id, unit_id), []), s, now),
                       describe_countdown(s.deadline, now))
             for s, target in rows]
    waiting = sorted((line for line in lines if line.waiting), key=lambda line: line.solicitation.deadline)
    return waiting + [line for line in lines if not line.waiting]


@dataclass(frozen=True)
class AnswerCopy:
    submitted_at: datetime | None


@dataclass(frozen=True)
class NoticeCopy:
    """What the unit's menu and dashboard show of an open notice and of the unit's receipt of it (both a
    Solicitation and a SolicitationTarget to target_state), copied off the ORM's objects."""
    id: int
    topic: str
    deadline: datetime
    status: str
    opened_at: datetime | None
    acknowledged_at: datetime | None
    answers: tuple[AnswerCopy, ...]  # the unit's submitted answers

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@kept_by_office_and  # every unit page's menu counts them, the dashboard lists them
def _open_notices(_items_version: str | None, unit_id: int) -> tuple[NoticeCopy, ...]:
    """The open notices sent to the unit with its receipt and answers, under the unit's items version too."""
    rows = db.session.execute(_unit_open_notices(), {"unit_id": unit_id}).all()
    answers = _answers_by_unit([s.id for s, _ in rows], unit_id)
    return tuple(NoticeCopy(s.id, s.topic, s.deadline, s.status, target.opened_at, target.acknowledged_at,
                            tuple(AnswerCopy(item.submitted_at) for item in answers.get((s.id, unit_id), [])))
                 for s, target in rows)


def list_waiting(unit: Unit, now: datetime | None = None) -> list[InboxLine]:
    """The notices still awaiting the unit's answer, soonest deadline first: only open notices are read (a
    closed one waits for nothing). Their states and countdowns are worked out now, from the kept copies."""
    now = now or utcnow()
    lines = [InboxLine(notice, notice, target_state(notice, notice.answers, notice, now),
                       describe_countdown(notice.deadline, now))
             for notice in _open_notices(unit.items_version, unit.id)]
    return sorted((line for line in lines if line.waiting), key=lambda line: line.solicitation.deadline)


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
