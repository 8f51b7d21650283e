"""Rule sets: the plain data an office can edit (channels, bonuses, quotas, feedback and solicitation
points, the yearly period), validated and with every default filled in, and back to the export/import
format."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...items.categories import CATEGORIES
from .values import (
    ZERO,
    _choice,
    _count,
    _fail,
    _json_number,
    _mapping,
    _number,
    _points,
    _reject_unknown,
    _required,
    _string,
)

ANY_CATEGORY = "any"
WINDOWS = ("week", "month", "quarter", "period")
PARTIALS = ("skip", "clip")
NORMALIZATIONS = ("top_100", "none")
DEFAULT_TIER = "default"
# The shipped rule sets live beside the engine, in portal/scoring/rulesets/.
DEFAULT_RULESET_PATH = Path(__file__).resolve().parents[1] / "rulesets" / "default.json"


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
