"""What units filed: 报送 and 采用 counted in a window, one definition for every page, bulletin and export,
and the year's counts against the annual targets of each unit's tier."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, case, func, select

from ..extensions import db, prepared
from ..items.models import Item
from ..units.models import Unit
from ..units.office import kept_by_office
from ..web.filters import local_day_start
from ..web.memo import kept_each_by_version
from .gather import VERDICTS
from .models import Adoption, AnnualTarget
from .periods import resolve_year_window, to_office_date
from .quota_windows import read_current_unit_score


@dataclass
class Filings:
    """What a unit filed in a window, the one definition every page, bulletin and export uses.
    报送 (篇): items signed off in the window, whatever the office's verdict; 逾时 and 不计分 (篇): those
    of them submitted late or judged invalid; 采用 (篇次): adoption rows dated in the window on items not
    judged invalid (an item adopted by two publications counts twice)."""

    submitted: int = 0
    late: int = 0
    invalid: int = 0
    adopted: int = 0


def count_filings(first: date, last: date, unit_ids: list[int] | None = None) -> dict[int, Filings]:
    """Filings per unit for the window first..last (office dates, both ends included)."""
    window = {"start": local_day_start(first), "end": local_day_start(last + timedelta(days=1)),
              "first": first, "last": last}
    if unit_ids is not None:
        window["unit_ids"] = list(unit_ids)
    items, adoptions = _filing_statements(unit_ids is not None)
    counts: dict[int, Filings] = defaultdict(Filings)
    for unit_id, submitted, late_count, invalid_count in db.session.execute(items, window):
        counts[unit_id] = Filings(submitted, int(late_count or 0), int(invalid_count or 0))
    for unit_id, adopted in db.session.execute(adoptions, window):
        counts[unit_id].adopted = adopted
    return dict(counts)


@prepared  # a unit's dashboard and score page count its year
def _filing_statements(of_units: bool):
    late = case((Item.report_due_at.is_not(None) & (Item.submitted_at > Item.report_due_at), 1), else_=0)
    invalid = case((Item.status == "invalid", 1), else_=0)
    items = (select(Item.unit_id, func.count(Item.id), func.sum(late), func.sum(invalid))
             .where(Item.submitted_at >= bindparam("start"), Item.submitted_at < bindparam("end"),
                    Item.status.in_(VERDICTS))
             .group_by(Item.unit_id))
    adoptions = (select(Item.unit_id, func.count(Adoption.id)).join(Item, Item.id == Adoption.item_id)
                 .where(Adoption.adopted_on >= bindparam("first"), Adoption.adopted_on <= bindparam("last"),
                        Item.status != "invalid")
                 .group_by(Item.unit_id))
    if of_units:
        units = bindparam("unit_ids", expanding=True)
        items, adoptions = items.where(Item.unit_id.in_(units)), adoptions.where(Item.unit_id.in_(units))
    return items, adoptions


@kept_each_by_version
def count_unit_filings(scores: dict[int, object], first: date, last: date) -> dict[int, Filings]:
    """count_filings of the given units, {unit id: its stored score or None}: each unit's kept under its
    score's version, which every change to what count_filings reads of it draws again (an item submitted,
    judged or returned, an adoption; runs.SCORED_ITEM_FIELDS). A stale run's scores must not be given:
    its versions stay while facts change."""
    counts = count_filings(first, last, list(scores))
    return {unit_id: counts.get(unit_id, Filings()) for unit_id in scores}


@dataclass
class UnitYear:
    """A unit's 报送 and 采用 in the year's window, as the dashboard shows them."""

    filed: Filings
    year_first: date
    year_last: date


def describe_unit_year(unit_id: int, now: datetime) -> UnitYear | None:
    try:
        first, last = resolve_year_window(to_office_date(now).year)
    except LookupError:
        return None
    filed = count_unit_filings({unit_id: read_current_unit_score(unit_id)}, first, last)[unit_id]
    return UnitYear(filed, first, last)


@dataclass
class TargetProgress:
    """年度目标任务 completion: the year's 报送 (篇, 不计分 included and shown) and 采用 (篇次) against the
    unit tier's targets."""

    submitted: int
    adopted: int
    submitted_target: int
    adopted_target: int
    # the share of the year already gone, to tell "behind" from "not yet due"
    year_elapsed: float
    invalid: int = 0
    first: date | None = None
    last: date | None = None

    @staticmethod
    def percent(done: int, target: int) -> float | None:
        return round(done * 100 / target, 1) if target else None

    @property
    def submitted_percent(self) -> float | None:
        return self.percent(self.submitted, self.submitted_target)

    @property
    def adopted_percent(self) -> float | None:
        return self.percent(self.adopted, self.adopted_target)

    BEHIND_SHARE = 0.6

    @property
    def behind(self) -> bool:
        """Far behind: under 60 % of the pace the elapsed part of the year asks for."""
        expected = self.year_elapsed * 100 * self.BEHIND_SHARE
        return any(p is not None and p < expected for p in (self.submitted_percent, self.adopted_percent))


def measure_targets(year: int, now: datetime, unit_ids: list[int],
                    counts: dict[int, Filings] | None = None) -> dict[int, TargetProgress]:
    """Per reporting unit of unit_ids, the year's 报送 and 采用 (count_filings over the year's window,
    or the counts given, made so) against its tier's targets."""
    first, last = resolve_year_window(year)
    start, end = local_day_start(first), local_day_start(last + timedelta(days=1))
    elapsed = min(1.0, max(0.0, (now - start) / (end - start)))
    targets = _year_targets(year)
    tiers = _reporting_unit_tiers()
    counts = count_filings(first, last, unit_ids) if counts is None else counts
    progress = {}
    for unit_id in unit_ids:
        if unit_id not in tiers:
            continue
        target = targets.get(tiers[unit_id]) or targets.get(None)
        if target is not None:
            filed = counts.get(unit_id, Filings())
            progress[unit_id] = TargetProgress(filed.submitted, filed.adopted, *target, elapsed, filed.invalid,
                                               first, last)
    return progress


@kept_by_office  # the ranking and every unit's score page ask
def _year_targets(year: int) -> dict[int | None, tuple[int, int]]:
    """{tier id (None: every tier without its own): (报送 target, 采用 target)} of the year."""
    return {t.tier_id: (t.submitted_target, t.adopted_target)
            for t in db.session.scalars(select(AnnualTarget).where(AnnualTarget.year == year))}


@kept_by_office
def _reporting_unit_tiers() -> dict[int, int | None]:
    """{reporting unit id: its tier id}."""
    return dict(db.session.execute(select(Unit.id, Unit.tier_id).where(Unit.kind != "office")).all())
