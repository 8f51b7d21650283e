"""One scoring pass's frame: the rule set, the period and ``as_of``, the moment scores are computed, in
the rule set's zone; anything at or after ``as_of`` has not happened yet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .facts import Item
from .rules import Period, RuleSet
from .values import Moment, _localize


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
