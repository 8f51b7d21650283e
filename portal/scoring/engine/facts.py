"""Facts: units, items with their adoptions and instructions, solicitations; and the CLI's JSON input
(docs/scoring.md) parsed into them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .rules import DEFAULT_TIER, Period, RuleSet, load_default_ruleset, load_ruleset, resolve_period
from .values import (
    Id,
    Moment,
    T,
    _day,
    _fail,
    _flag,
    _identifier,
    _localize,
    _mapping,
    _moment,
    _optional_moment,
    _required,
    _string,
)

VERDICTS = ("submitted", "in_review", "adopted", "not_adopted", "invalid")


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
