"""Pure scoring engine for government information reporting.

A rule set (plain data an office can edit) and facts (units, items with their
adoptions and instructions, solicitations) go in; dated ledger rows, raw and
final scores and ranks come out.  The module deliberately imports neither
Flask nor SQLAlchemy: the database layer only gathers facts into the
dataclasses below (or plain dicts of the CLI's JSON shape) and stores results.

Time rules: times without an offset and bare dates are in the rule set's time
zone, a bare date meaning 00:00 of that day.  ``as_of`` is the moment scores
are computed; anything at or after it has not happened yet.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from decimal import Context as DecimalContext
from operator import attrgetter
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..items.categories import CATEGORIES

__all__ = [
    "ANY_CATEGORY",
    "CATEGORIES",
    "RULE_KEYS",
    "Adoption",
    "Channel",
    "Feedback",
    "FeedbackRules",
    "Instruction",
    "Item",
    "LedgerRow",
    "Period",
    "Quota",
    "RuleSet",
    "ScoreResult",
    "ScoringError",
    "ScoringInput",
    "Solicitation",
    "SolicitationAnswer",
    "SolicitationRules",
    "Unit",
    "UnitScore",
    "dump_ruleset",
    "load_default_ruleset",
    "load_ruleset",
    "parse_input",
    "resolve_period",
    "score_input",
    "score_units",
    "to_json_result",
]

ANY_CATEGORY = "any"
WINDOWS = ("week", "month", "quarter", "period")
PARTIALS = ("skip", "clip")
NORMALIZATIONS = ("top_100", "none")
VERDICTS = ("submitted", "in_review", "adopted", "not_adopted", "invalid")
DEFAULT_TIER = "default"
DEFAULT_RULESET_PATH = Path(__file__).with_name("rulesets") / "default.json"

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

ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
# A private context so a caller's decimal settings cannot change scores.
_DECIMAL = DecimalContext(prec=28, rounding=ROUND_HALF_UP)
_MINUS = "\u2212"

Id = str | int
Moment = date | datetime
T = TypeVar("T")


class _Identified(Protocol):
    @property
    def id(self) -> Id: ...


IdentifiedT = TypeVar("IdentifiedT", bound=_Identified)


class ScoringError(ValueError):
    """Bad rule set or bad facts; the message is Chinese and names the field."""


def _fail(path: str, problem: str) -> NoReturn:
    raise ScoringError(f"{path} {problem}")


# ---------------------------------------------------------------------------
# Rule set
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    key: str
    name: str
    body: str
    points: Decimal
    brief_points: Decimal | None = None

    def points_for(self, category: str) -> Decimal:
        if category == "brief" and self.brief_points is not None:
            return self.brief_points
        return self.points


@dataclass(frozen=True)
class FeedbackRules:
    on_time: Decimal = ZERO
    missed: Decimal = ZERO
    default_due_days: int = 7


@dataclass(frozen=True)
class SolicitationRules:
    answered: Decimal = ZERO
    missed: Decimal = ZERO


@dataclass(frozen=True)
class Quota:
    index: int
    category: str
    window: str
    counts: Mapping[str, int]
    penalty: Decimal
    partial: str
    bonus_beyond: Decimal = ZERO

    def count_for(self, tier: str) -> int:
        if tier in self.counts:
            return self.counts[tier]
        if DEFAULT_TIER in self.counts:
            return self.counts[DEFAULT_TIER]
        _fail(f"规则集 quotas[{self.index}].count", f"没有为单位层级“{tier}”规定数量，也没有 default")


@dataclass(frozen=True)
class RuleSet:
    name: str
    description: str
    base: Decimal
    normalize: str
    timezone: str
    period: tuple[tuple[int, int], tuple[int, int]] | None
    channels: Mapping[str, Channel]
    instruction_bonus: Mapping[str, Decimal]
    rank_names: Mapping[str, str]
    body_names: Mapping[str, str]
    feedback: FeedbackRules
    solicitation: SolicitationRules
    quotas: tuple[Quota, ...]
    # Categories whose items need a second sign-off, by the unit's 主管领导, after the unit head's
    # (the 长春 method: 调研类信息由主管领导审签). Not scored: the portal's workflow reads it.
    second_signoff: frozenset[str] = frozenset()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rank_name(self, rank: str) -> str:
        return self.rank_names.get(rank, rank)

    def body_name(self, body: str) -> str:
        return self.body_names.get(body, body)


_RULESET_KEYS = frozenset(
    {
        "name",
        "description",
        "base",
        "normalize",
        "timezone",
        "period",
        "channels",
        "instruction_bonus",
        "rank_names",
        "body_names",
        "feedback",
        "solicitation",
        "quotas",
        "second_signoff",
    }
)


def load_ruleset(data: Any) -> RuleSet:
    """Validate a rule set in the export/import format and fill its defaults.

    Raises :class:`ScoringError` (a ``ValueError``) with a Chinese message
    naming the offending field.
    """
    root = _mapping(data, "规则集")
    _reject_unknown(root, _RULESET_KEYS, "规则集")
    timezone = _string(root.get("timezone", "Asia/Shanghai"), "规则集 timezone")
    _check_timezone(timezone)
    feedback = _section(root, "feedback", {"on_time", "missed", "default_due_days"})
    solicitation = _section(root, "solicitation", {"answered", "missed"})
    return RuleSet(
        name=_string(root.get("name", ""), "规则集 name"),
        description=_string(root.get("description", ""), "规则集 description"),
        base=_number(root.get("base", 0), "规则集 base"),
        normalize=_choice(root.get("normalize", "top_100"), NORMALIZATIONS, "规则集 normalize"),
        timezone=timezone,
        period=_load_period_template(root.get("period")),
        channels=_load_channels(root.get("channels", {})),
        instruction_bonus=_load_bonuses(root.get("instruction_bonus", {})),
        rank_names=_load_names(root.get("rank_names", {}), "rank_names"),
        body_names=_load_names(root.get("body_names", {}), "body_names"),
        feedback=FeedbackRules(
            on_time=_points(feedback.get("on_time", 0), "规则集 feedback.on_time", sign=1),
            missed=_points(feedback.get("missed", 0), "规则集 feedback.missed", sign=-1),
            default_due_days=_count(feedback.get("default_due_days", 7), "规则集 feedback.default_due_days"),
        ),
        solicitation=SolicitationRules(
            answered=_points(solicitation.get("answered", 0), "规则集 solicitation.answered", sign=1),
            missed=_points(solicitation.get("missed", 0), "规则集 solicitation.missed", sign=-1),
        ),
        quotas=_load_quotas(root.get("quotas", [])),
        second_signoff=_load_second_signoff(root.get("second_signoff", [])),
    )


def load_default_ruleset() -> RuleSet:
    """The seed's rule set (长春高新区 2012), shipped as rulesets/default.json."""
    return load_ruleset(json.loads(DEFAULT_RULESET_PATH.read_text(encoding="utf-8")))


def dump_ruleset(ruleset: RuleSet) -> dict[str, Any]:
    """The rule set with every default filled in, in the export/import format."""
    dumped: dict[str, Any] = {
        "name": ruleset.name,
        "description": ruleset.description,
        "base": _json_number(ruleset.base),
        "normalize": ruleset.normalize,
        "timezone": ruleset.timezone,
    }
    if ruleset.period is not None:
        dumped["period"] = {
            "start": _month_day_code(ruleset.period[0]),
            "end": _month_day_code(ruleset.period[1]),
        }
    dumped["channels"] = {key: _dump_channel(channel) for key, channel in ruleset.channels.items()}
    dumped["instruction_bonus"] = {
        rank: _json_number(bonus) for rank, bonus in ruleset.instruction_bonus.items()
    }
    dumped["rank_names"] = dict(ruleset.rank_names)
    dumped["body_names"] = dict(ruleset.body_names)
    dumped["feedback"] = {
        "on_time": _json_number(ruleset.feedback.on_time),
        "missed": _json_number(ruleset.feedback.missed),
        "default_due_days": ruleset.feedback.default_due_days,
    }
    dumped["solicitation"] = {
        "answered": _json_number(ruleset.solicitation.answered),
        "missed": _json_number(ruleset.solicitation.missed),
    }
    dumped["quotas"] = [_dump_quota(quota) for quota in ruleset.quotas]
    if ruleset.second_signoff:
        dumped["second_signoff"] = [key for key in CATEGORIES if key in ruleset.second_signoff]
    return dumped


def resolve_period(ruleset: RuleSet, year: int) -> Period:
    """The rule set's default period (e.g. 1 Jan to 30 Nov) ending in a given year.

    A start later in the year than the end (e.g. 12-01 to 11-30) lies in the year before.
    """
    if ruleset.period is None:
        _fail("规则集 period", "未设置，输入中必须给出 period")
    start, end = ruleset.period
    start_year = year - 1 if start > end else year
    try:
        return Period(date(start_year, *start), date(year, *end))
    except ValueError:
        _fail("规则集 period", f"在 {year} 年不是有效日期")


def _dump_channel(channel: Channel) -> dict[str, Any]:
    dumped: dict[str, Any] = {
        "name": channel.name,
        "body": channel.body,
        "points": _json_number(channel.points),
    }
    if channel.brief_points is not None:
        dumped["brief_points"] = _json_number(channel.brief_points)
    return dumped


def _dump_quota(quota: Quota) -> dict[str, Any]:
    count: int | dict[str, int] = dict(quota.counts)
    if set(quota.counts) == {DEFAULT_TIER}:
        count = quota.counts[DEFAULT_TIER]
    return {
        "category": quota.category,
        "window": quota.window,
        "count": count,
        "penalty": _json_number(quota.penalty),
        "partial": quota.partial,
        "bonus_beyond": _json_number(quota.bonus_beyond),
    }


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        _fail("规则集 timezone", f"不是已知的时区名称：{name!r}")


def _section(root: Mapping[str, Any], key: str, allowed: set[str]) -> Mapping[str, Any]:
    section = _mapping(root.get(key, {}), f"规则集 {key}")
    _reject_unknown(section, allowed, f"规则集 {key}")
    return section


def _load_period_template(value: Any) -> tuple[tuple[int, int], tuple[int, int]] | None:
    if value is None:
        return None
    period = _mapping(value, "规则集 period")
    _reject_unknown(period, {"start", "end"}, "规则集 period")
    return (
        _month_day(period.get("start"), "规则集 period.start"),
        _month_day(period.get("end"), "规则集 period.end"),
    )


def _month_day_code(month_day: tuple[int, int]) -> str:
    month, day = month_day
    return f"{month:02d}-{day:02d}"


def _month_day(value: Any, path: str) -> tuple[int, int]:
    text = _string(value, path)
    try:
        month, day = (int(part) for part in text.split("-"))
        date(2000, month, day)  # a leap year, so 02-29 is accepted here
    except ValueError:
        _fail(path, f'应为“月-日”格式，如 "11-30"，实际为 {text!r}')
    return month, day


def _load_channels(value: Any) -> dict[str, Channel]:
    channels = _mapping(value, "规则集 channels")
    loaded = {}
    for key, spec in channels.items():
        path = f"规则集 channels.{key}"
        entry = _mapping(spec, path)
        _reject_unknown(entry, {"name", "body", "points", "brief_points"}, path)
        brief = entry.get("brief_points")
        loaded[key] = Channel(
            key=key,
            name=_string(entry.get("name", key), f"{path}.name"),
            body=_string(_required(entry, "body", path), f"{path}.body"),
            points=_points(_required(entry, "points", path), f"{path}.points", sign=1),
            brief_points=None if brief is None else _points(brief, f"{path}.brief_points", sign=1),
        )
    return loaded


def _load_bonuses(value: Any) -> dict[str, Decimal]:
    bonuses = _mapping(value, "规则集 instruction_bonus")
    return {
        rank: _points(bonus, f"规则集 instruction_bonus.{rank}", sign=1) for rank, bonus in bonuses.items()
    }


def _load_names(value: Any, section: str) -> dict[str, str]:
    names = _mapping(value, f"规则集 {section}")
    return {key: _string(name, f"规则集 {section}.{key}") for key, name in names.items()}


def _load_second_signoff(value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        _fail("规则集 second_signoff", "应为信息类别的列表")
    for index, category in enumerate(value):
        if not isinstance(category, str) or category not in CATEGORIES:
            _fail(f"规则集 second_signoff[{index}]", f"应为 {'、'.join(CATEGORIES)} 之一，实际为 {category!r}")
    return frozenset(value)


_QUOTA_KEYS = frozenset({"category", "window", "count", "penalty", "partial", "bonus_beyond"})


def _load_quotas(value: Any) -> tuple[Quota, ...]:
    if not isinstance(value, list):
        _fail("规则集 quotas", "应为列表")
    return tuple(_load_quota(index, spec) for index, spec in enumerate(value))


def _load_quota(index: int, spec: Any) -> Quota:
    path = f"规则集 quotas[{index}]"
    entry = _mapping(spec, path)
    _reject_unknown(entry, _QUOTA_KEYS, path)
    category = _string(entry.get("category", ANY_CATEGORY), f"{path}.category")
    if category != ANY_CATEGORY and category not in CATEGORIES:
        _fail(f"{path}.category", f"应为 any 或 {'、'.join(CATEGORIES)} 之一，实际为 {category!r}")
    return Quota(
        index=index,
        category=category,
        window=_choice(_required(entry, "window", path), WINDOWS, f"{path}.window"),
        counts=_load_counts(_required(entry, "count", path), f"{path}.count"),
        penalty=_points(entry.get("penalty", 0), f"{path}.penalty", sign=1),
        partial=_choice(entry.get("partial", "skip"), PARTIALS, f"{path}.partial"),
        bonus_beyond=_points(entry.get("bonus_beyond", 0), f"{path}.bonus_beyond", sign=1),
    )


def _load_counts(value: Any, path: str) -> dict[str, int]:
    if isinstance(value, Mapping):
        return {str(tier): _count(count, f"{path}.{tier}") for tier, count in value.items()}
    return {DEFAULT_TIER: _count(value, path)}


# ---------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The scoring period, both ends inclusive, as dates in the rule set's zone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            _fail("period", f"起始日 {self.start} 晚于截止日 {self.end}")

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Unit:
    id: Id
    tier: str = DEFAULT_TIER


@dataclass(frozen=True)
class Solicitation:
    id: Id
    deadline: Moment
    units: tuple[Id, ...] = ()
    title: str | None = None


@dataclass(frozen=True)
class Adoption:
    channel: str
    date: Moment


@dataclass(frozen=True)
class Feedback:
    required: bool = True
    due: Moment | None = None
    given_at: Moment | None = None
    rejected: bool = False


@dataclass(frozen=True)
class Instruction:
    rank: str
    date: Moment
    feedback: Feedback | None = None


@dataclass(frozen=True)
class SolicitationAnswer:
    """An item's link to the solicitation it answers; ``accepted`` None = not yet judged."""

    id: Id
    deadline: Moment | None = None
    accepted: bool | None = None


@dataclass(frozen=True)
class Item:
    id: Id
    unit: Id
    category: str
    submitted_at: Moment
    verdict: str = "submitted"
    adoptions: tuple[Adoption, ...] = ()
    instructions: tuple[Instruction, ...] = ()
    solicitation: SolicitationAnswer | None = None


@dataclass(frozen=True)
class ScoringInput:
    ruleset: RuleSet
    period: Period
    as_of: Moment
    units: tuple[Unit, ...]
    items: tuple[Item, ...]
    solicitations: tuple[Solicitation, ...]


def parse_input(data: Any) -> ScoringInput:
    """Turn the CLI's JSON input (docs/scoring.md) into validated facts."""
    root = _mapping(data, "输入")
    ruleset = _parse_rules_field(root.get("rules", "default"))
    as_of = _moment(_required(root, "as_of", "输入"), "as_of")
    if root.get("period") is None:
        # The day before as_of is the last day that has happened.
        last_day = _localize(as_of, ruleset.tz).date() - timedelta(days=1)
        period = resolve_period(ruleset, last_day.year)
    else:
        period = _parse_period(root["period"])
    return ScoringInput(
        ruleset=ruleset,
        period=period,
        as_of=as_of,
        units=tuple(_parse_list(root, "units", _parse_unit)),
        items=tuple(_parse_list(root, "items", _parse_item)),
        solicitations=tuple(_parse_list(root, "solicitations", _parse_solicitation)),
    )


def _parse_rules_field(value: Any) -> RuleSet:
    if value == "default":
        return load_default_ruleset()
    if isinstance(value, Mapping):
        return load_ruleset(value)
    _fail("rules", f'应为 "default" 或规则集对象，实际为 {value!r}')


def _parse_list(
    root: Mapping[str, Any], key: str, parse: Callable[[Any, str], T], prefix: str = ""
) -> list[T]:
    values = root.get(key)
    if values is None:
        return []
    if not isinstance(values, list):
        _fail(f"{prefix}{key}", "应为列表")
    return [parse(value, f"{prefix}{key}[{index}]") for index, value in enumerate(values)]


def _parse_period(value: Any) -> Period:
    if isinstance(value, Period):
        return value
    period = _mapping(value, "period")
    return Period(
        start=_day(_required(period, "start", "period"), "period.start"),
        end=_day(_required(period, "end", "period"), "period.end"),
    )


def _parse_unit(value: Any, path: str) -> Unit:
    entry = _mapping(value, path)
    tier = entry.get("tier")
    return Unit(
        id=_identifier(_required(entry, "id", path), f"{path}.id"),
        tier=DEFAULT_TIER if tier is None else _string(tier, f"{path}.tier"),
    )


def _parse_solicitation(value: Any, path: str) -> Solicitation:
    entry = _mapping(value, path)
    targets = entry.get("units", [])
    if not isinstance(targets, list):
        _fail(f"{path}.units", "应为单位编号列表")
    title = entry.get("title")
    return Solicitation(
        id=_identifier(_required(entry, "id", path), f"{path}.id"),
        deadline=_moment(_required(entry, "deadline", path), f"{path}.deadline"),
        units=tuple(_identifier(unit, f"{path}.units[{index}]") for index, unit in enumerate(targets)),
        title=None if title is None else _string(title, f"{path}.title"),
    )


def _parse_item(value: Any, path: str) -> Item:
    entry = _mapping(value, path)
    answer = entry.get("solicitation")
    return Item(
        id=_identifier(_required(entry, "id", path), f"{path}.id"),
        unit=_identifier(_required(entry, "unit", path), f"{path}.unit"),
        category=_string(_required(entry, "category", path), f"{path}.category"),
        submitted_at=_moment(_required(entry, "submitted_at", path), f"{path}.submitted_at"),
        verdict=_string(entry.get("verdict") or "submitted", f"{path}.verdict"),
        adoptions=tuple(_parse_list(entry, "adoptions", _parse_adoption, f"{path}.")),
        instructions=tuple(_parse_list(entry, "instructions", _parse_instruction, f"{path}.")),
        solicitation=None if answer is None else _parse_answer(answer, f"{path}.solicitation"),
    )


def _parse_adoption(value: Any, path: str) -> Adoption:
    entry = _mapping(value, path)
    return Adoption(
        channel=_string(_required(entry, "channel", path), f"{path}.channel"),
        date=_moment(_required(entry, "date", path), f"{path}.date"),
    )


def _parse_instruction(value: Any, path: str) -> Instruction:
    entry = _mapping(value, path)
    feedback = entry.get("feedback")
    return Instruction(
        rank=_string(_required(entry, "rank", path), f"{path}.rank"),
        date=_moment(_required(entry, "date", path), f"{path}.date"),
        feedback=None if feedback is None else _parse_feedback(feedback, f"{path}.feedback"),
    )


def _parse_feedback(value: Any, path: str) -> Feedback:
    entry = _mapping(value, path)
    return Feedback(
        required=_flag(entry.get("required", True), f"{path}.required"),
        due=_optional_moment(entry.get("due"), f"{path}.due"),
        given_at=_optional_moment(entry.get("given_at"), f"{path}.given_at"),
        rejected=_flag(entry.get("rejected") or False, f"{path}.rejected"),
    )


def _parse_answer(value: Any, path: str) -> SolicitationAnswer:
    entry = _mapping(value, path)
    accepted = entry.get("accepted")
    return SolicitationAnswer(
        id=_identifier(_required(entry, "id", path), f"{path}.id"),
        deadline=_optional_moment(entry.get("deadline"), f"{path}.deadline"),
        accepted=None if accepted is None else _flag(accepted, f"{path}.accepted"),
    )


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    rules: RuleSet
    tz: ZoneInfo
    period: Period
    as_of: datetime
    # Positions in the rule set order rows of one date and item; computed once per run.
    channel_order: Mapping[str, int]
    rank_order: Mapping[str, int]

    @classmethod
    def build(cls, rules: RuleSet, period: Period, as_of: Moment) -> _Context:
        return cls(
            rules=rules,
            tz=rules.tz,
            period=period,
            as_of=_localize(as_of, rules.tz),
            channel_order={key: position for position, key in enumerate(rules.channels)},
            rank_order={rank: position for position, rank in enumerate(rules.instruction_bonus)},
        )

    def moment(self, value: Moment) -> datetime:
        return _localize(value, self.tz)


@dataclass(slots=True)
class _LiveItem:
    """An item that counts: not invalid and submitted before as_of."""

    item: Item
    at: datetime
    day: date


@dataclass(frozen=True, slots=True)
class _Award:
    """A candidate adoption or instruction; only raises over a group's best earn points."""

    at: datetime
    points: Decimal
    group: str
    order: int
    name: str


@dataclass(frozen=True)
class _Window:
    first: date
    last: date
    label: str
    assessed: bool


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


# ---- quota windows ----------------------------------------------------------


def _week_key(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


_WINDOW_KEYS: Mapping[str, Callable[[date], Hashable]] = {
    "week": _week_key,
    "month": lambda day: (day.year, day.month),
    "quarter": lambda day: (day.year, _quarter_of(day)),
    "period": lambda day: "period",
}


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _calendar_span(kind: str, day: date, period: Period) -> tuple[date, date, str]:
    """The calendar window of a kind containing ``day``: first day, last day, label."""
    if kind == "week":
        first = _week_key(day)
        return first, first + timedelta(days=6), f"第{first.isocalendar().week}周"
    if kind == "month":
        return day.replace(day=1), _month_end(day.year, day.month), f"{day.year}年{day.month}月"
    if kind == "quarter":
        quarter = _quarter_of(day)
        first_month = 3 * quarter - 2
        first = date(day.year, first_month, 1)
        return first, _month_end(day.year, first_month + 2), f"{day.year}年第{quarter}季度"
    return period.start, period.end, "考核期"


def _quota_windows(context: _Context, quota: Quota) -> dict[Hashable, _Window]:
    """The quota's windows in the period, cut windows skipped or clipped."""
    period = context.period
    key_of = _WINDOW_KEYS[quota.window]
    windows: dict[Hashable, _Window] = {}
    day = period.start
    while day <= period.end:
        first, last, label = _calendar_span(quota.window, day, period)
        clipped_first, clipped_last = max(first, period.start), min(last, period.end)
        day = last + timedelta(days=1)
        if (clipped_first, clipped_last) != (first, last):
            if quota.partial == "skip":
                continue
            label += f"（{_month_day_text(clipped_first)}至{_month_day_text(clipped_last)}）"
        ends_at = _localize(clipped_last + timedelta(days=1), context.tz)
        windows[key_of(clipped_first)] = _Window(clipped_first, clipped_last, label, ends_at <= context.as_of)
    return windows


def _bucket_items(
    quota: Quota, windows: Mapping[Hashable, _Window], items: Iterable[_LiveItem]
) -> dict[Hashable, list[_LiveItem]]:
    """The items that count for the quota, by the window they fall in."""
    key_of = _WINDOW_KEYS[quota.window]
    buckets: dict[Hashable, list[_LiveItem]] = defaultdict(list)
    for live in items:
        if quota.category != ANY_CATEGORY and live.item.category != quota.category:
            continue
        key = key_of(live.day)
        window = windows.get(key)
        if window is not None and window.first <= live.day <= window.last:
            buckets[key].append(live)
    return buckets


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


@dataclass(frozen=True)
class WindowProgress:
    """How far a unit is with one quota in one window (for the unit's score page)."""

    quota_index: int
    category: str
    window: str
    label: str
    first: date
    last: date
    required: int
    submitted: int
    assessed: bool

    @property
    def met(self) -> bool:
        return self.submitted >= self.required


def measure_quota_progress(
    ruleset: RuleSet, period: Period, as_of: Moment, unit: Unit, items: Iterable[Item]
) -> list[WindowProgress]:
    """Every quota window of the period that has begun by ``as_of``, with the unit's count in it.
    Counts follow the same rules as the shortfall rows (invalid and not-yet-submitted items excluded)."""
    context = _Context.build(ruleset, period, as_of)
    live = [
        _LiveItem(item, at, at.date())
        for item in items
        if item.unit == unit.id and item.verdict != "invalid" and (at := context.moment(item.submitted_at)) < context.as_of
    ]
    progress = []
    for quota in ruleset.quotas:
        windows = _quota_windows(context, quota)
        buckets = _bucket_items(quota, windows, live)
        for key, window in windows.items():
            if _localize(window.first, context.tz) >= context.as_of:
                continue
            progress.append(WindowProgress(
                quota.index, quota.category, quota.window, window.label, window.first, window.last,
                quota.count_for(unit.tier), len(buckets.get(key, ())), window.assessed,
            ))
    return progress


# ---- totals -----------------------------------------------------------------


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


def _finals(normalize: str, raws: Mapping[Id, Decimal]) -> dict[Id, Decimal]:
    if normalize == "none":
        return {unit: _round(raw) for unit, raw in raws.items()}
    top = max(raws.values(), default=ZERO)
    if top <= 0:
        return dict.fromkeys(raws, _round(ZERO))
    return {
        unit: _round(_DECIMAL.divide(_DECIMAL.multiply(raw, _HUNDRED), top)) for unit, raw in raws.items()
    }


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP, context=_DECIMAL)


def _competition_ranks(finals: Mapping[Id, Decimal]) -> dict[Id, int]:
    """Ties share a rank and the next rank skips (1, 2, 2, 4)."""
    first_position: dict[Decimal, int] = {}
    for position, value in enumerate(sorted(finals.values(), reverse=True), start=1):
        first_position.setdefault(value, position)
    return {unit: first_position[value] for unit, value in finals.items()}


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _localize(value: Moment, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=tz)
        return value if value.tzinfo is tz else value.astimezone(tz)
    return datetime.combine(value, time.min, tz)


def _id_key(value: Id) -> tuple[int, int, str]:
    # Integer ids (from a database) sort numerically, text ids as text.
    if isinstance(value, int):
        return (0, value, "")
    return (1, 0, str(value))


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _signed(points: Decimal) -> str:
    if points > 0:
        return f"+{_plain(points)}"
    if points < 0:
        return f"{_MINUS}{_plain(-points)}"
    return "0"


def _month_day_text(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(path, f"应为 JSON 对象，实际为 {value!r}")
    return value


def _required(entry: Mapping[str, Any], key: str, path: str) -> Any:
    if entry.get(key) is None:
        _fail(path, f"缺少必填字段 {key}")
    return entry[key]


def _reject_unknown(entry: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        _fail(path, f"含有未知字段：{'、'.join(map(str, unknown))}（可用字段：{'、'.join(sorted(allowed))}）")


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, f"应为文字，实际为 {value!r}")
    return value


def _identifier(value: Any, path: str) -> Id:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        _fail(path, f"应为文字或整数编号，实际为 {value!r}")
    return value


def _flag(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        _fail(path, f"应为 true 或 false，实际为 {value!r}")
    return value


def _choice(value: Any, choices: Sequence[str], path: str) -> str:
    if not isinstance(value, str) or value not in choices:
        _fail(path, f"应为 {'、'.join(choices)} 之一，实际为 {value!r}")
    return value


def _number(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        _fail(path, f"应为数字，实际为 {value!r}")
    number = Decimal(str(value))
    if not number.is_finite():
        _fail(path, "应为有限的数字")
    return number


def _points(value: Any, path: str, sign: int) -> Decimal:
    """A number that must not have the wrong sign (bonuses ≥ 0, penalties ≤ 0)."""
    number = _number(value, path)
    if number * sign < 0:
        _fail(path, "不能为负数" if sign > 0 else "应为 0 或负数（扣分）")
    return number


def _count(value: Any, path: str) -> int:
    number = _number(value, path)
    if number < 0 or number != number.to_integral_value():
        _fail(path, f"应为非负整数，实际为 {value!r}")
    return int(number)


def _moment(value: Any, path: str) -> Moment:
    if isinstance(value, date):
        return value
    text = _string(value, path)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        _fail(path, f"不是有效的日期或时间（应如 2012-01-04 或 2012-01-04T09:30:00+08:00）：{text!r}")
    return parsed.date() if len(text) == 10 else parsed


def _optional_moment(value: Any, path: str) -> Moment | None:
    return None if value is None else _moment(value, path)


def _day(value: Any, path: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = _string(value, path)
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(path, f"不是有效的日期（应如 2012-01-01）：{text!r}")
