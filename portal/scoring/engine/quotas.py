"""Quota windows: the weeks, months, quarters or the whole period a quota counts items in, cut windows
skipped or clipped; and a unit's progress in each (for its score page)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .context import _Context, _LiveItem
from .facts import Item, Unit
from .rules import ANY_CATEGORY, Period, Quota, RuleSet
from .values import Moment, _localize


@dataclass(frozen=True)
class _Window:
    first: date
    last: date
    label: str
    assessed: bool


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


def _month_day_text(day: date) -> str:
    return f"{day.month}月{day.day}日"
