"""The active rule set as scoring reads it (parsed once per version) and the periods it scores: the
period in force on a day, the year's assessment window, the office's date of a moment."""
import json
from datetime import date, datetime

from sqlalchemy import select

from ..extensions import db, utcnow
from ..units.office import kept_by_office
from ..web.filters import to_local
from ..web.memo import once_per_page
from . import engine
from .models import RuleSet


@once_per_page  # the score, the quotas and the sign-off guard of one page all ask
def find_active_rule_set() -> RuleSet | None:
    return db.session.scalar(select(RuleSet).where(RuleSet.active.is_(True)))


def get_active_rule_set() -> RuleSet:
    rule_set = find_active_rule_set()
    if rule_set is None:
        raise LookupError("no active rule set")
    return rule_set


def parse_rules(rule_set: RuleSet) -> engine.RuleSet:
    """The engine's view of a stored rule set, parsed once per version."""
    key = (rule_set.id, rule_set.updated_at)
    cached = _PARSED.get(rule_set.id)
    if cached is None or cached[0] != key:
        cached = (key, engine.load_ruleset(json.loads(rule_set.data)))
        _PARSED[rule_set.id] = cached
    return cached[1]


_PARSED: dict[int, tuple[tuple, engine.RuleSet]] = {}


@kept_by_office  # every reporter's dashboard and form ask
def second_signoff_categories() -> frozenset[str]:
    """The categories the office's active rule set has signed by a 主管领导 as well (none without a rule set)."""
    rule_set = find_active_rule_set()
    return parse_rules(rule_set).second_signoff if rule_set is not None else frozenset()


def period_of(rule_set: RuleSet, moment: datetime | date | None = None) -> engine.Period:
    """The scoring period in force on a day (the office's today by default). The stored dates are the
    admin's period (a one-off when set so) and hold for the days they cover; any other day falls in the
    rule set's yearly pattern (e.g. 01-01 to 11-30) resolved for its year, so 1 January starts the new
    year's period without anyone editing dates. A day after its year's period (December under the
    seed's pattern) belongs to that closed period: nothing is scored in it and no quota assessed."""
    stored = engine.Period(rule_set.period_start, rule_set.period_end)
    if moment is None:
        moment = utcnow()
    day = to_office_date(moment) if isinstance(moment, datetime) else moment
    if stored.contains(day):
        return stored
    rules = parse_rules(rule_set)
    if rules.period is None:
        return stored
    try:
        period = engine.resolve_period(rules, day.year)
        if day > period.end:  # a pattern crossing the new year (12-01 to 11-30): next year's period
            following = engine.resolve_period(rules, day.year + 1)
            period = following if following.contains(day) else period
    except engine.ScoringError:
        return stored
    return period


@kept_by_office  # every unit's dashboard asks
def resolve_year_window(year: int) -> tuple[date, date]:
    """The year's assessment window: the active rule set's period ending in that year (seed: 1 Jan to
    30 Nov, so the year's results can be published in December), the calendar year without one. The
    yearly bulletin, the ranking's and the score page's yearly figures all use it."""
    rule_set = get_active_rule_set()
    if rule_set.period_end.year == year:
        return rule_set.period_start, rule_set.period_end
    try:
        period = engine.resolve_period(parse_rules(rule_set), year)
    except engine.ScoringError:
        return date(year, 1, 1), date(year, 12, 31)
    return period.start, period.end


def to_office_date(moment: datetime) -> date:
    return to_local(moment).date()
