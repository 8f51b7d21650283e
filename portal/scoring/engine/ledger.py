"""The scoring pass: every unit's dated ledger rows from its facts, then raw and final scores and ranks.

Each row depends on its own unit's facts alone; only finals and ranks look across units (rank_units).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from decimal import Context as DecimalContext
from operator import attrgetter
from typing import Any, Protocol, TypeVar

from ...items.categories import CATEGORIES
from .context import _Context, _LiveItem
from .facts import (
    VERDICTS,
    Feedback,
    Item,
    Solicitation,
    Unit,
    _parse_item,
    _parse_period,
    _parse_solicitation,
    _parse_unit,
    parse_input,
)
from .quotas import _bucket_items, _quota_windows, _Window
from .rules import ANY_CATEGORY, Period, Quota, RuleSet, load_ruleset
from .values import ZERO, Id, Moment, T, _fail, _id_key, _json_number, _moment

# Ledger rows of one date and one item follow this order, unit-wide rows last.
RULE_ORDER = (
    "quota_bonus",
    "solicitation_answered",
    "adoption",
    "instruction",
    "feedback_on_time",
    "feedback_missed",
    "solicitation_missed",
    "quota_shortfall",
)
RULE_KEYS = frozenset(RULE_ORDER)
_RULE_POSITION = {key: position for position, key in enumerate(RULE_ORDER)}

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
# A private context so a caller's decimal settings cannot change scores.
_DECIMAL = DecimalContext(prec=28, rounding=ROUND_HALF_UP)
_MINUS = "\u2212"


class _Identified(Protocol):
    @property
    def id(self) -> Id: ...


IdentifiedT = TypeVar("IdentifiedT", bound=_Identified)


@dataclass(frozen=True)
class LedgerRow:
    """One point event: its date, its item (None for unit-wide rows) and its rule."""

    date: date
    item: Id | None
    rule_key: str
    rule: str
    points: Decimal
    sort_key: tuple[Any, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class UnitScore:
    unit: Id
    tier: str
    raw: Decimal
    final: Decimal
    rank: int
    ledger: tuple[LedgerRow, ...]

    def points_by_rule(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for row in self.ledger:
            totals[row.rule_key] += row.points
        return dict(totals)


@dataclass(frozen=True)
class ScoreResult:
    ruleset: str
    period: Period
    as_of: Moment
    units: tuple[UnitScore, ...]

    def unit(self, unit_id: Id) -> UnitScore:
        for score in self.units:
            if score.unit == unit_id:
                return score
        raise KeyError(unit_id)


def to_json_result(result: ScoreResult) -> dict[str, Any]:
    """The CLI's output shape: units by rank then id, each with its ledger."""
    return {"units": [_unit_json(score) for score in result.units]}


def _unit_json(score: UnitScore) -> dict[str, Any]:
    return {
        "unit": score.unit,
        "raw": float(score.raw),
        "final": float(score.final),
        "rank": score.rank,
        "ledger": [
            {
                "date": row.date.isoformat(),
                "item": row.item,
                "rule": row.rule,
                "points": _json_number(row.points),
                "rule_key": row.rule_key,
            }
            for row in score.ledger
        ],
    }


@dataclass(frozen=True, slots=True)
class _Award:
    """A candidate adoption or instruction; only raises over a group's best earn points."""

    at: datetime
    points: Decimal
    group: str
    order: int
    name: str


def score_input(data: Any) -> ScoreResult:
    """Parse the CLI's JSON input and score it."""
    facts = parse_input(data)
    return score_units(
        facts.ruleset, facts.period, facts.as_of, facts.units, facts.items, facts.solicitations
    )


def score_units(
    ruleset: RuleSet | Mapping[str, Any],
    period: Period | Mapping[str, Any],
    as_of: Moment | str,
    units: Iterable[Unit | Mapping[str, Any]],
    items: Iterable[Item | Mapping[str, Any]],
    solicitations: Iterable[Solicitation | Mapping[str, Any]] = (),
) -> ScoreResult:
    """Score every unit; facts may be dataclasses or dicts of the CLI's JSON shape."""
    rules = ruleset if isinstance(ruleset, RuleSet) else load_ruleset(ruleset)
    as_of_moment = as_of if isinstance(as_of, date) else _moment(as_of, "as_of")
    context = _Context.build(rules, _parse_period(period), as_of_moment)
    unit_list = _unique(_coerce_all(units, Unit, _parse_unit, "units"), "units")
    known_units = {unit.id for unit in unit_list}
    calls = _unique(
        _coerce_all(solicitations, Solicitation, _parse_solicitation, "solicitations"), "solicitations"
    )
    for index, call in enumerate(calls):
        _check_units_known(call.units, known_units, f"solicitations[{index}].units")
    scan = _Scan(context, calls)
    for index, item in enumerate(_unique(_coerce_all(items, Item, _parse_item, "items"), "items")):
        _check_item(item, rules, known_units, f"items[{index}]")
        scan.add_item(item)
    scan.add_missed_solicitations()
    scan.add_quotas(unit_list)
    return _total(context, unit_list, scan.rows)


class _Scan:
    """Collects every unit's rows in one pass over the items, then the unit-wide rows."""

    def __init__(self, context: _Context, calls: Sequence[Solicitation]) -> None:
        self.context = context
        self.calls = calls
        self.deadlines = {call.id: context.moment(call.deadline) for call in calls}
        self.titles = {call.id: call.title for call in calls}
        self.rows: dict[Id, list[LedgerRow]] = defaultdict(list)
        self.live_by_unit: dict[Id, list[_LiveItem]] = defaultdict(list)
        # (solicitation, unit) pairs with an on-time answer that was not rejected.
        self.answered: set[tuple[Id, Id]] = set()

    def add_item(self, item: Item) -> None:
        at = self.context.moment(item.submitted_at)
        if item.verdict == "invalid" or at >= self.context.as_of:
            return
        live = _LiveItem(item, at, at.date())
        self.live_by_unit[item.unit].append(live)
        unit_rows = self.rows[item.unit]
        unit_rows.extend(_adoption_rows(self.context, live))
        unit_rows.extend(_instruction_rows(self.context, live))
        unit_rows.extend(_feedback_rows(self.context, live))
        unit_rows.extend(_answer_rows(self.context, live, self.deadlines, self.titles, self.answered))

    def add_missed_solicitations(self) -> None:
        for call in self.calls:
            for unit_id, row in _missed_solicitation_rows(
                self.context, call, self.deadlines[call.id], self.answered
            ):
                self.rows[unit_id].append(row)

    def add_quotas(self, units: Sequence[Unit]) -> None:
        for quota in self.context.rules.quotas:
            windows = _quota_windows(self.context, quota)
            for unit in units:
                self.rows[unit.id].extend(
                    _quota_rows(quota, windows, unit, self.live_by_unit.get(unit.id, ()))
                )


def _coerce_all(values: Iterable[Any], kind: type[T], parse: Callable[[Any, str], T], path: str) -> list[T]:
    return [
        value if isinstance(value, kind) else parse(value, f"{path}[{index}]")
        for index, value in enumerate(values)
    ]


def _unique(values: list[IdentifiedT], path: str) -> list[IdentifiedT]:
    seen: set[Id] = set()
    for value in values:
        if value.id in seen:
            _fail(path, f"中的编号 {value.id!r} 重复")
        seen.add(value.id)
    return values


def _check_units_known(unit_ids: Iterable[Id], known: set[Id], path: str) -> None:
    for unit_id in unit_ids:
        if unit_id not in known:
            _fail(path, f"引用了不存在的单位 {unit_id!r}")


def _check_item(item: Item, rules: RuleSet, known_units: set[Id], path: str) -> None:
    _check_units_known((item.unit,), known_units, f"{path}.unit")
    if item.category not in CATEGORIES:
        _fail(f"{path}.category", f"应为 {'、'.join(CATEGORIES)} 之一，实际为 {item.category!r}")
    if item.verdict not in VERDICTS:
        _fail(f"{path}.verdict", f"应为 {'、'.join(VERDICTS)} 之一，实际为 {item.verdict!r}")
    for index, adoption in enumerate(item.adoptions):
        if adoption.channel not in rules.channels:
            _fail(f"{path}.adoptions[{index}].channel", f"不是规则集中的刊物：{adoption.channel!r}")
    for index, instruction in enumerate(item.instructions):
        if instruction.rank not in rules.instruction_bonus:
            _fail(f"{path}.instructions[{index}].rank", f"不是规则集中的领导级别：{instruction.rank!r}")


def _row(
    day: date, item: Id | None, rule_key: str, text: str, points: Decimal, sub: tuple[Any, ...] = ()
) -> LedgerRow:
    # Unit-wide rows (no item) come after item rows of the same date.
    sort_key = (
        day,
        item is None,
        () if item is None else _id_key(item),
        _RULE_POSITION[rule_key],
        sub,
        text,
        points,
    )
    return LedgerRow(day, item, rule_key, f"{text} {_signed(points)}", points, sort_key)


def _raising_awards(awards: list[_Award]) -> Iterator[tuple[_Award, Decimal]]:
    """Yield each award that beats its group's best so far, with the best before it."""
    if len(awards) == 1:  # the common case needs no sorting
        if awards[0].points > 0:
            yield awards[0], ZERO
        return
    best: dict[str, Decimal] = {}
    for award in sorted(awards, key=lambda award: (award.at, -award.points, award.order)):
        previous = best.get(award.group, ZERO)
        if award.points > previous:
            best[award.group] = award.points
            yield award, previous


def _award_rows(live: _LiveItem, awards: list[_Award], rule_key: str, phrase: str) -> list[LedgerRow]:
    rows = []
    for award, previous in _raising_awards(awards):
        text = phrase.format(award.name)
        if previous:
            text += f"（已计{_plain(previous)}分，补差额）"
        rows.append(
            _row(award.at.date(), live.item.id, rule_key, text, award.points - previous, (award.order,))
        )
    return rows


def _adoption_rows(context: _Context, live: _LiveItem) -> list[LedgerRow]:
    channels = context.rules.channels
    awards = []
    for adoption in live.item.adoptions:
        at = context.moment(adoption.date)
        if at < context.as_of:
            channel = channels[adoption.channel]
            points = channel.points_for(live.item.category)
            awards.append(_Award(at, points, channel.body, context.channel_order[channel.key], channel.name))
    return _award_rows(live, awards, "adoption", "被{}采用")


def _instruction_rows(context: _Context, live: _LiveItem) -> list[LedgerRow]:
    rules = context.rules
    awards = []
    for instruction in live.item.instructions:
        at = context.moment(instruction.date)
        if at < context.as_of:
            bonus = rules.instruction_bonus[instruction.rank]
            rank_name = rules.rank_name(instruction.rank)
            awards.append(_Award(at, bonus, "", context.rank_order[instruction.rank], rank_name))
    return _award_rows(live, awards, "instruction", "获{}批示")


def _feedback_rows(context: _Context, live: _LiveItem) -> Iterator[LedgerRow]:
    for instruction in live.item.instructions:
        feedback = instruction.feedback
        issued = context.moment(instruction.date)
        if feedback is None or not feedback.required or issued >= context.as_of:
            continue
        row = _feedback_row(
            context, live, instruction.rank, feedback, issued, context.rank_order[instruction.rank]
        )
        if row is not None:
            yield row


def _feedback_row(
    context: _Context, live: _LiveItem, rank: str, feedback: Feedback, issued: datetime, order: int
) -> LedgerRow | None:
    rules = context.rules.feedback
    if feedback.due is None:
        due_day = issued.date() + timedelta(days=rules.default_due_days)
        due = datetime.combine(due_day, time.max, context.tz)
    else:
        due = context.moment(feedback.due)
    given = None if feedback.given_at is None else context.moment(feedback.given_at)
    if given is not None and given >= context.as_of:
        given = None  # recorded at or after as_of: it has not happened yet
    rank_name = context.rules.rank_name(rank)
    if given is not None and given <= due and not feedback.rejected:
        text = f"按期反馈{rank_name}批示落实情况"
        return _row(given.date(), live.item.id, "feedback_on_time", text, rules.on_time, (order,))
    if due >= context.as_of:
        return None  # still pending
    if given is None:
        text = f"{rank_name}批示逾期未反馈"
    elif given <= due:
        text = f"{rank_name}批示反馈未获认可"
    else:
        text = f"{rank_name}批示反馈逾期"
    return _row(due.date(), live.item.id, "feedback_missed", text, rules.missed, (order,))


def _solicitation_label(call_id: Id, title: str | None) -> str:
    return f"“{title}”" if title else f"（{call_id}）"


def _answer_rows(
    context: _Context,
    live: _LiveItem,
    deadlines: Mapping[Id, datetime],
    titles: Mapping[Id, str | None],
    answered: set[tuple[Id, Id]],
) -> list[LedgerRow]:
    answer = live.item.solicitation
    if answer is None:
        return []
    deadline = deadlines.get(answer.id)
    if deadline is None:
        if answer.deadline is None:
            _fail(
                f"信息 {live.item.id!r} 的 solicitation",
                f"引用的约稿 {answer.id!r} 不在 solicitations 中，且没有给出 deadline",
            )
        deadline = context.moment(answer.deadline)
    if live.at > deadline:
        return []
    if answer.accepted is not False:
        answered.add((answer.id, live.item.unit))
    if answer.accepted is not True:
        return []
    label = _solicitation_label(answer.id, titles.get(answer.id))
    points = context.rules.solicitation.answered
    return [_row(live.day, live.item.id, "solicitation_answered", f"按时回复约稿{label}并被采纳", points)]


def _missed_solicitation_rows(
    context: _Context, call: Solicitation, deadline: datetime, answered: set[tuple[Id, Id]]
) -> Iterator[tuple[Id, LedgerRow]]:
    if deadline >= context.as_of:
        return
    text = f"未按时回复约稿{_solicitation_label(call.id, call.title)}"
    for unit_id in dict.fromkeys(call.units):
        if (call.id, unit_id) not in answered:
            points = context.rules.solicitation.missed
            yield (
                unit_id,
                _row(deadline.date(), None, "solicitation_missed", text, points, (_id_key(call.id),)),
            )


def _quota_rows(
    quota: Quota, windows: Mapping[Hashable, _Window], unit: Unit, items: Iterable[_LiveItem]
) -> list[LedgerRow]:
    required = quota.count_for(unit.tier)
    buckets = _bucket_items(quota, windows, items)
    what = f"{CATEGORIES[quota.category]}信息" if quota.category != ANY_CATEGORY else ""
    rows: list[LedgerRow] = []
    if quota.bonus_beyond:
        for key, bucket in buckets.items():
            bucket.sort(key=lambda live: (live.at, _id_key(live.item.id)))
            text = f"{windows[key].label}超额报送{what or '信息'}"
            rows.extend(
                _row(live.day, live.item.id, "quota_bonus", text, quota.bonus_beyond, (quota.index,))
                for live in bucket[required:]
            )
    for key, window in windows.items():
        submitted = len(buckets.get(key, ()))
        if window.assessed and submitted < required:
            text = f"{window.label}未完成{what}报送任务"
            if required > 1:
                text += f"（应报{required}篇，实报{submitted}篇）"
            penalty = -quota.penalty * (required - submitted)
            rows.append(_row(window.last, None, "quota_shortfall", text, penalty, (quota.index,)))
    return rows


def _total(context: _Context, units: Sequence[Unit], rows: Mapping[Id, list[LedgerRow]]) -> ScoreResult:
    ledgers: dict[Id, tuple[LedgerRow, ...]] = {}
    raws: dict[Id, Decimal] = {}
    for unit in units:
        counted = [row for row in rows.get(unit.id, ()) if row.points and context.period.contains(row.date)]
        counted.sort(key=attrgetter("sort_key"))
        ledgers[unit.id] = tuple(counted)
        raws[unit.id] = context.rules.base + sum((row.points for row in counted), ZERO)
    finals, ranks = rank_units(context.rules.normalize, raws)
    scores = [
        UnitScore(unit.id, unit.tier, raws[unit.id], finals[unit.id], ranks[unit.id], ledgers[unit.id])
        for unit in units
    ]
    scores.sort(key=lambda score: (score.rank, _id_key(score.unit)))
    return ScoreResult(context.rules.name, context.period, context.as_of, tuple(scores))


def rank_units(normalize: str, raws: Mapping[Id, Decimal]) -> tuple[dict[Id, Decimal], dict[Id, int]]:
    """Final scores and ranks from every unit's raw score. This is the only step of scoring that looks
    across units (a final is relative to the top raw, a rank to every final): each ledger row depends on
    its own unit's facts alone, so a change to one unit's facts needs that unit re-scored, then this."""
    finals = _finals(normalize, raws)
    return finals, _competition_ranks(finals)


def _final_of(normalize: str, raws: Mapping[Id, Decimal]) -> Callable[[Decimal], Decimal]:
    if normalize == "none":
        return _round
    top = max(raws.values(), default=ZERO)
    if top <= 0:
        return lambda _raw: _round(ZERO)
    return lambda raw: _round(_DECIMAL.divide(_DECIMAL.multiply(raw, _HUNDRED), top))


def _finals(normalize: str, raws: Mapping[Id, Decimal]) -> dict[Id, Decimal]:
    final = _final_of(normalize, raws)
    return {unit: final(raw) for unit, raw in raws.items()}


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP, context=_DECIMAL)


def _competition_ranks(finals: Mapping[Id, Decimal]) -> dict[Id, int]:
    """Ties share a rank and the next rank skips (1, 2, 2, 4)."""
    first_position: dict[Decimal, int] = {}
    for position, value in enumerate(sorted(finals.values(), reverse=True), start=1):
        first_position.setdefault(value, position)
    return {unit: first_position[value] for unit, value in finals.items()}


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _signed(points: Decimal) -> str:
    if points > 0:
        return f"+{_plain(points)}"
    if points < 0:
        return f"{_MINUS}{_plain(-points)}"
    return "0"
