"""A unit's ledger as its score page shows it: the engine's rows over the unit's own facts, by month,
and its months as the monthly bulletins figure them."""
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..items.models import Item
from ..web.memo import kept_by_version
from . import engine
from .gather import gather_facts
from .models import RuleSet, ScoreRun, UnitScore
from .periods import parse_rules, period_of, to_office_date
from .runs import MONTHS_KEY


@dataclass
class LedgerLine:
    """积分明细: one point event, dated, naming its item (title) and the rule clause that produced it."""

    day: date
    item_id: int | None
    item_title: str | None
    rule_key: str
    rule: str
    points: Decimal

    @property
    def what(self) -> str:
        """The rule clause without the signed points the engine ends it with (a page shows them in
        their own column)."""
        return self.rule.rpartition(" ")[0] or self.rule


@dataclass
class LedgerMonth:
    """A month of a unit's ledger: its rows, newest first, and their sum."""

    first: date
    lines: list[LedgerLine]

    @property
    def key(self) -> str:
        """How a link names the month (?month=2026-11)."""
        return f"{self.first:%Y-%m}"

    @property
    def points(self) -> Decimal:
        return sum((line.points for line in self.lines), Decimal(0))


def group_ledger(lines: list[LedgerLine]) -> list[LedgerMonth]:
    """The ledger by month, newest month first, each month's rows newest first."""
    months: dict[date, list[LedgerLine]] = {}
    for line in reversed(lines):
        months.setdefault(line.day.replace(day=1), []).append(line)
    return [LedgerMonth(first, rows) for first, rows in sorted(months.items(), reverse=True)]


@dataclass
class MonthFigure:
    """A unit's month as the monthly bulletin figures it: the points of its ledger rows dated in the
    month, and its rank by the raw scores at the month's end (the last month's is the ranking's)."""

    first: date
    points: Decimal
    rank: int | None
    ranked: int


def chart_unit_months(run: ScoreRun, unit_id: int) -> list[MonthFigure]:
    """Every month of the run's period up to the run's day, from the points per month the run stored
    for every unit: a row dated on or before a month's end is the same in this run as in the run as of
    that end (which the month's bulletin makes), so each unit's raw at a month's end is the base plus
    its months so far, ranked as the engine ranks. Empty for a run stored without months, or failed."""
    return [MonthFigure(first, points[unit_id], ranks[unit_id], len(ranks))
            for first, points, ranks in _month_ends(run) if unit_id in ranks]


@kept_by_version  # read and ranked once per version of the run: every unit's stored months
def _month_ends(run: ScoreRun) -> list[tuple[date, dict[int, Decimal], dict[int, int]]]:
    """Per month: its first day, each unit's points in it, each unit's rank by its raw at the month's end."""
    rule_set = db.session.get(RuleSet, run.rule_set_id)
    rules = parse_rules(rule_set)
    stored = {unit: json.loads(breakdown).get(MONTHS_KEY) for unit, breakdown in db.session.execute(
        select(UnitScore.unit_id, UnitScore.breakdown).where(UnitScore.run_id == run.id))}
    if None in stored.values():
        return []
    period = period_of(rule_set, run.as_of)
    last_day = min(period.end, to_office_date(run.as_of))
    raws = dict.fromkeys(stored, rules.base)
    month_ends = []
    first = period.start.replace(day=1)
    while first <= last_day:
        key = f"{first:%Y-%m}"
        points = {unit: Decimal(months.get(key, "0")) for unit, months in stored.items()}
        raws = {unit: raw + points[unit] for unit, raw in raws.items()}
        month_ends.append((first, points, engine.rank_units(rules.normalize, raws)[1]))
        first = (first + timedelta(days=31)).replace(day=1)
    return month_ends


@dataclass
class UnitAccount:
    """A unit's score page: its ledger and its quota windows begun so far, from one reading of its facts."""

    ledger: list[LedgerLine]
    quotas: list[engine.WindowProgress]


def account_unit(run: ScoreRun, unit_id: int) -> UnitAccount:
    """The unit's ledger for a stored run: the engine over the unit's own facts with the run's rule set
    and as_of. Every row depends on the unit's facts alone, so the rows add up to the stored raw score
    as long as the run is fresh (which the pages ensure). The quota windows are counted from the same
    facts at the same moment, as the incremental update counts the stored ones. Kept under the unit's
    score version, drawn again whenever its facts are re-scored (another unit's changes leave it); a
    stale run keeps nothing. The items' titles are left to read_titles, for the lines a page draws."""
    score = db.session.get(UnitScore, (run.id, unit_id)) if run.version else None
    rows, quotas = _score_own_facts(score, run.rule_set_id, run.as_of, unit_id)
    return UnitAccount([LedgerLine(row.date, row.item, None, row.rule_key, row.rule, row.points) for row in rows],
                       quotas)


def read_titles(lines: list[LedgerLine]) -> list[LedgerLine]:
    """The lines with their items' titles as they are now (an editor's title is no fact: never kept)."""
    item_ids = {line.item_id for line in lines if line.item_id is not None}
    titles = dict(db.session.execute(
        select(Item.id, func.coalesce(Item.edited_title, Item.title)).where(Item.id.in_(item_ids))
    ).all()) if item_ids else {}
    return [replace(line, item_title=titles.get(line.item_id)) for line in lines]


def find_month(months: list[LedgerMonth], key: str | None) -> LedgerMonth | None:
    """The month a page draws the rows of: the one named YYYY-MM if the ledger has it, else the newest."""
    return next((month for month in months if month.key == key), months[0] if months else None)


@kept_by_version
def _score_own_facts(_score: UnitScore | None, rule_set_id: int, as_of: datetime,
                     unit_id: int) -> tuple[list, list[engine.WindowProgress]]:
    """The engine's ledger rows of the unit and its quota windows, from one reading of its facts."""
    rule_set = db.session.get(RuleSet, rule_set_id)
    rules = parse_rules(rule_set)
    period = period_of(rule_set, as_of)
    facts = gather_facts(rules, unit_id, period)
    if not facts.units:
        return [], []
    quotas = engine.measure_quota_progress(rules, period, as_of, facts.units[0], facts.items)
    try:
        result = engine.score_units(rules, period, as_of, facts.units, facts.items, facts.solicitations)
    except engine.ScoringError:
        return [], quotas
    return result.unit(unit_id).ledger, quotas


def list_ledger(run: ScoreRun, unit_id: int) -> list[LedgerLine]:
    return account_unit(run, unit_id).ledger
