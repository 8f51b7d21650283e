"""Standings: what the ranking, the score pages and a leader's first screen read from the stored run
(ranks overall and within tiers, points by rule, the year's filings and targets, the period's notice)."""
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..items.models import Item
from ..items.workflow import OFFICE_VISIBLE
from ..units.models import Tier, Unit
from ..web.filters import local_day_start
from ..web.memo import kept_by_version
from ..web.paging import Page, paginate
from . import engine
from .filings import Filings, TargetProgress, count_unit_filings, measure_targets
from .models import Adoption, Instruction, RuleSet, ScoreRun, UnitScore
from .periods import period_of, resolve_year_window, to_office_date
from .runs import MONTHS_KEY, ensure_fresh_scores


RULE_NAMES = {
    "adoption": "采用",
    "instruction": "领导批示",
    "feedback_on_time": "按时反馈",
    "feedback_missed": "反馈逾期",
    "solicitation_answered": "约稿",
    "solicitation_missed": "约稿未报",
    "quota_bonus": "超额报送",
    "quota_shortfall": "未完成任务",
}


@dataclass
class Standing:
    unit: object
    score: UnitScore
    breakdown: dict[str, Decimal]
    target: TargetProgress | None
    # the year's 报送 and 采用 (count_filings over the year's window), shown with or without a target
    filed: Filings | None = None
    year_first: date | None = None
    year_last: date | None = None
    # 分类排位: when units have tiers, the unit's tier (its name) and its rank among that tier's units
    tier_name: str | None = None
    tier_rank: int | None = None


OUT_OF_PERIOD = {"month": "本月", "quarter": "本季度", "year": "本年度"}


@dataclass
class PeriodStatus:
    """The period a stored run scores, and what the pages say when its day lies outside it."""

    period: engine.Period
    notice: str | None


def describe_period(run: ScoreRun) -> PeriodStatus:
    period = period_of(db.session.get(RuleSet, run.rule_set_id), run.as_of)
    inside = period.contains(to_office_date(run.as_of))
    return PeriodStatus(period, None if inside else describe_out_of_period())


def describe_out_of_period(kind: str = "month") -> str:
    """What pages and bulletins say for a window the scoring period does not reach."""
    return f"{OUT_OF_PERIOD[kind]}不在考核期内，不计分、不考核报送任务"


def list_standings(run: ScoreRun, tier_id: int | None, page: int, per_page: int, by_tier: bool = True) -> Page:
    """One page of the ranking (a Page of Standing), the targets counted for its units only. When units
    have tiers (分类排位) and `by_tier`, the units come tier by tier (in the tiers' order, untiered units
    last), each tier in its own rank order; otherwise in the one overall order."""
    query = select(UnitScore, Unit).join(Unit, Unit.id == UnitScore.unit_id).where(UnitScore.run_id == run.id)
    tiers = rank_tiers(run)
    if tiers and by_tier:
        query = query.outerjoin(Tier, Tier.id == Unit.tier_id).order_by(Tier.id.is_(None), Tier.sort_order, Tier.id)
    query = query.order_by(UnitScore.rank, Unit.sort_order, Unit.id)
    if tier_id:
        query = query.where(Unit.tier_id == tier_id)
    result = paginate(query, page, per_page, counted=None if tier_id else (count_ranked_units(run), False))
    result.items = _standings(run, result.items, tiers)
    return result


# The class of the units that have no tier, when others have one: 分类排位 ranks them among themselves.
UNTIERED_NAME = "其他单位"


def rank_within_tiers(finals: dict[int, Decimal], tier_of: dict[int, object]) -> dict[int, int]:
    """分类排位 (seed: 年终按各部门(单位)政务信息所得分数进行分类排位评比): each tier's units ranked among
    themselves by final score, ties sharing a rank (1, 2, 2, 4); the untiered units form one more class."""
    groups: dict[object, dict[int, Decimal]] = defaultdict(dict)
    for unit_id, final in finals.items():
        groups[tier_of.get(unit_id)][unit_id] = final
    ranks: dict[int, int] = {}
    for members in groups.values():
        ranks.update(engine.rank_units("none", members)[1])
    return ranks


@kept_by_version
def rank_tiers(run: ScoreRun) -> dict[int, tuple[str, int]] | None:
    """{unit id: (tier name, rank within the tier)} for the run's units, or None when no unit has a tier
    (one ranking for all)."""
    tiered = select(UnitScore.unit_id).join(Unit, Unit.id == UnitScore.unit_id).where(
        UnitScore.run_id == run.id, Unit.tier_id.is_not(None))
    if db.session.scalar(tiered.limit(1)) is None:  # most offices: no need to read every unit's score
        return None
    rows = db.session.execute(
        select(UnitScore.unit_id, UnitScore.final, Tier.id, Tier.name).join(Unit, Unit.id == UnitScore.unit_id)
        .outerjoin(Tier, Tier.id == Unit.tier_id).where(UnitScore.run_id == run.id)
    ).all()
    ranks = rank_within_tiers({unit_id: final for unit_id, final, _, _ in rows},
                              {unit_id: tier_id for unit_id, _, tier_id, _ in rows})
    return {unit_id: (name or UNTIERED_NAME, ranks[unit_id]) for unit_id, _, _, name in rows}


def group_by_tier(standings: list[Standing]) -> list[tuple[str | None, list[Standing]]]:
    """Consecutive standings of one tier together, in their order: the ranking page's one table per tier
    (a single group named None when units have no tiers)."""
    groups: list[tuple[str | None, list[Standing]]] = []
    for standing in standings:
        if not groups or groups[-1][0] != standing.tier_name:
            groups.append((standing.tier_name, []))
        groups[-1][1].append(standing)
    return groups


def _standings(run: ScoreRun, rows: list, tiers: dict[int, tuple[str, int]] | None) -> list[Standing]:
    year = to_office_date(run.as_of).year
    unit_ids = [unit.id for _, unit in rows]
    first, last = resolve_year_window(year)
    # a stale run's versions stay while facts change: its units are counted anew
    filed = count_unit_filings({unit.id: score if run.version else None for score, unit in rows}, first, last)
    targets = measure_targets(year, run.as_of, unit_ids, filed)
    return [
        Standing(unit, score, {k: Decimal(v) for k, v in json.loads(score.breakdown).items() if k != MONTHS_KEY},
                 targets.get(unit.id), filed.get(unit.id, Filings()), first, last, *(tiers or {}).get(unit.id, (None, None)))
        for score, unit in rows
    ]


def get_standing(run: ScoreRun, unit_id: int) -> Standing | None:
    row = db.session.execute(
        select(UnitScore, Unit).join(Unit, Unit.id == UnitScore.unit_id)
        .where(UnitScore.run_id == run.id, UnitScore.unit_id == unit_id)
    ).first()
    if row is None:
        return None
    return _standings(run, [row], rank_tiers(run))[0]


@kept_by_version
def count_ranked_units(run: ScoreRun) -> int:
    return db.session.scalar(select(func.count()).select_from(UnitScore).where(UnitScore.run_id == run.id))


@kept_by_version
def top_raw(run: ScoreRun) -> Decimal | None:
    """The highest raw score of the run: what 百分制 divides by."""
    return db.session.scalar(select(func.max(UnitScore.raw)).where(UnitScore.run_id == run.id))


@dataclass
class MonthSummary:
    """A leader's first screen: this month's figures, the units at both ends, what may await 批示."""
    first: date
    submitted: int
    adopted: int
    top: list[Standing]
    bottom: list[Standing]
    awaiting_instruction: list


def summarize_month(now: datetime, ends: int = 3) -> MonthSummary:
    # 报送 and 采用 counted as everywhere (domain.md, counts in a window): submissions in the month,
    # adoption rows dated in it.

    first = to_office_date(now).replace(day=1)
    submitted = db.session.scalar(select(func.count(Item.id)).where(
        Item.status.in_(OFFICE_VISIBLE), Item.submitted_at >= local_day_start(first)))
    adopted = db.session.scalar(select(func.count(Adoption.id)).where(Adoption.adopted_on >= first))
    run = ensure_fresh_scores()
    ranked = count_ranked_units(run)
    # the whole office's ends: the overview names overall ranks
    top = list_standings(run, None, 1, ends, by_tier=False).items
    last_page = max(1, -(-ranked // ends))
    bottom = list(reversed(list_standings(run, None, last_page, ends, by_tier=False).items)) if ranked > ends else []
    # Adopted items with no leader instruction yet, newest first: what the leader may want to instruct on.
    awaiting = list(db.session.scalars(
        select(Item).where(Item.status == "adopted", ~select(Instruction.id).where(Instruction.item_id == Item.id).exists())
        .order_by(Item.submitted_at.desc()).limit(5)))
    return MonthSummary(first, submitted, adopted, top, bottom, awaiting)
