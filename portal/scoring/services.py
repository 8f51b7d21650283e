"""Adoptions, instructions, rule sets and stored scores: the database side of scoring. The engine
(engine.py) never touches the database; this module gathers its facts and stores its results."""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import String, bindparam, case, delete, event, func, inspect, or_, select, type_coerce, update
from sqlalchemy.orm import Session, aliased

from ..audit.services import record_event, snapshot
from ..auth.models import User
from ..extensions import db, utcnow, write_transaction
from ..items.models import Item
from ..items.workflow import OFFICE_VISIBLE
from ..solicitations.models import Solicitation, SolicitationTarget
from ..units.models import Tier, Unit
from ..web.errors import UserError
from ..web.fields import EARLIEST_YEAR
from ..web.filters import local_day_start, to_local
from ..web.paging import Page, paginate
from . import engine
from .models import Adoption, AnnualTarget, Channel, Instruction, RuleSet, ScoreRun, UnitScore

INTERNAL_CHANNEL = "internal"


def get_channel(key: str) -> Channel:
    channel = db.session.scalar(select(Channel).where(Channel.key == key))
    if channel is None:
        raise LookupError(f"channel {key!r} is not configured")
    return channel


class FactDateError(UserError):
    """A fact dated before its cause or after today; the message is Chinese, for the user."""


# Dates before this are typing slips, and the year-1 corner would overflow time-zone arithmetic in scoring.
EARLIEST_DAY = date(EARLIEST_YEAR, 1, 1)


def fact_day_refusal(day: date | None, submitted_at: datetime | None, what: str,
                     now: datetime | None = None) -> str | None:
    """Why a fact about an item (an adoption, an instruction) may not carry this date, or None: it is
    never dated before the item reached the office (its sign-off, in office time) nor after today."""
    if day is None:
        return f"请填写{what}"
    if day > to_office_date(now or utcnow()):
        return f"{what}不能晚于今天"
    if day < EARLIEST_DAY:
        return f"{what}不能早于{EARLIEST_DAY.year}年"
    if submitted_at is not None:
        submitted_on = to_office_date(submitted_at)
        if day < submitted_on:
            return f"{what}不能早于信息的报送日期（{submitted_on.year}年{submitted_on.month}月{submitted_on.day}日）"
    return None


def record_adoption(item_id: int, channel_key: str, adopted_on: date, recorded_by_id: int,
                    now: datetime | None = None) -> Adoption:
    """Idempotent: a channel adopts an item once; recording it again keeps the first record, date
    included. Every path that records an adoption comes through here, so the date rule is kept here
    (callers check first to show the refusal beside their own form field)."""
    channel = get_channel(channel_key)
    existing = db.session.scalar(
        select(Adoption).where(Adoption.item_id == item_id, Adoption.channel_id == channel.id)
    )
    if existing is not None:
        return existing
    item = db.session.get(Item, item_id)
    refusal = fact_day_refusal(adopted_on, item.submitted_at if item else None, "采用日期", now)
    if refusal:
        raise FactDateError(refusal)
    adoption = Adoption(item_id=item_id, channel=channel, adopted_on=adopted_on, recorded_by_id=recorded_by_id,
                        recorded_at=now or utcnow())
    db.session.add(adoption)
    record_event(db.session.get(User, recorded_by_id), "adoption.record", adoption,
                 f"记录信息 #{item_id} 被{channel.name}采用", new=_adoption_values(adoption))
    return adoption


def _adoption_values(adoption: Adoption) -> dict:
    return {"item_id": adoption.item_id, "channel": adoption.channel.name} | snapshot(adoption, "adopted_on")


def record_edition_adoption(item_id: int, channel_key: str, edition_id: int, issued_on: date,
                            recorded_by_id: int) -> Adoption:
    """An edition of the office's publication carries the item: the adoption names the edition and
    keeps the date it was recorded with (an item adopted in November and printed in December earned its
    points in November, and November's bulletin may already be published). An item that reached the
    edition without the office's own adoption (补录 by an upper office) is adopted on the edition's day."""
    adoption = record_adoption(item_id, channel_key, issued_on, recorded_by_id)
    adoption.edition_id = edition_id
    return adoption


def list_adoptions(item_id: int) -> list[Adoption]:
    return list(
        db.session.scalars(select(Adoption).where(Adoption.item_id == item_id).order_by(Adoption.adopted_on))
    )


# ---- rule sets ----------------------------------------------------------------------------

def get_active_rule_set() -> RuleSet:
    rule_set = db.session.scalar(select(RuleSet).where(RuleSet.active.is_(True)))
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


def second_signoff_categories() -> frozenset[str]:
    """The categories the office's active rule set has signed by a 主管领导 as well (none without a rule set)."""
    rule_set = db.session.scalar(select(RuleSet).where(RuleSet.active.is_(True)))
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


# ---- facts --------------------------------------------------------------------------------

VERDICTS = {"submitted": "submitted", "in_review": "in_review", "adopted": "adopted",
            "not_adopted": "not_adopted", "invalid": "invalid"}


@dataclass
class Facts:
    units: list[engine.Unit]
    items: list[engine.Item]
    skipped: list[str]
    solicitations: list[engine.Solicitation] = field(default_factory=list)


# An answer's verdict as the engine takes it: None = not yet judged.
ANSWER_VERDICTS = {"accepted": True, "rejected": False}


def gather_facts(rules: engine.RuleSet, unit_id: int | None = None, period: engine.Period | None = None) -> Facts:
    """Everything the engine needs, in five queries. Adoptions on channels and instructions of ranks
    the rule set does not know are left out (and reported), so one stray record cannot stop scoring.
    Solicitations are gathered when a period is given: those whose deadline lies in it; for the whole
    office, items are then only those that can earn a row dated in the period (a province keeps years
    of items, and the engine counts only the period's rows)."""

    unit_query = select(Unit.id, Tier.key).outerjoin(Tier, Unit.tier_id == Tier.id).where(Unit.kind != "office")
    # Read the time as the driver gives it: the typed column's per-row parsing costs more than the
    # rest of the query on a city-sized table (see bench/score_city.py).
    item_query = select(
        Item.id, Item.unit_id, Item.category, type_coerce(Item.submitted_at, String), Item.status,
        Item.solicitation_id, Item.solicitation_verdict, type_coerce(Solicitation.deadline, String),
    ).outerjoin(Solicitation, Solicitation.id == Item.solicitation_id).where(
        Item.submitted_at.is_not(None), Item.status.in_(VERDICTS)
    )
    adoption_query = select(Adoption.item_id, Channel.key, Adoption.adopted_on).join(Channel)
    instruction_query = select(Instruction)
    if unit_id is not None:
        unit_query = unit_query.where(Unit.id == unit_id)
        item_query = item_query.where(Item.unit_id == unit_id)
        adoption_query = adoption_query.join(Item, Item.id == Adoption.item_id).where(Item.unit_id == unit_id)
        instruction_query = instruction_query.join(Item, Item.id == Instruction.item_id).where(Item.unit_id == unit_id)
    elif period is not None:
        scoring = _items_scoring_in(period, rules)
        item_query = item_query.where(scoring)
        adoption_query = adoption_query.join(Item, Item.id == Adoption.item_id).where(scoring)
        instruction_query = instruction_query.join(Item, Item.id == Instruction.item_id).where(scoring)

    skipped: list[str] = []
    adoptions: dict[int, list[engine.Adoption]] = defaultdict(list)
    for item_id, channel, adopted_on in db.session.execute(adoption_query):
        if channel in rules.channels:
            adoptions[item_id].append(engine.Adoption(channel, adopted_on))
        else:
            skipped.append(f"信息{item_id}的采用载体“{channel}”不在规则集中")
    instructions: dict[int, list[engine.Instruction]] = defaultdict(list)
    for instruction in db.session.scalars(instruction_query):
        if instruction.rank in rules.instruction_bonus:
            instructions[instruction.item_id].append(to_engine_instruction(instruction))
        else:
            skipped.append(f"信息{instruction.item_id}的批示领导级别“{instruction.rank}”不在规则集中")
    units = [engine.Unit(uid, tier or engine.DEFAULT_TIER) for uid, tier in db.session.execute(unit_query)]
    known = {unit.id for unit in units}
    items = [
        engine.Item(item_id, owner, category, _utc(submitted_at), VERDICTS[status],
                    tuple(adoptions.get(item_id, ())), tuple(instructions.get(item_id, ())),
                    None if answers is None else engine.SolicitationAnswer(
                        answers, _utc(deadline), ANSWER_VERDICTS.get(verdict)))
        for item_id, owner, category, submitted_at, status, answers, verdict, deadline in db.session.execute(item_query)
        if owner in known
    ]
    solicitations = _gather_solicitations(rules, period, known, unit_id) if period is not None else []
    return Facts(units, items, skipped, solicitations)


def _items_scoring_in(period: engine.Period, rules: engine.RuleSet):
    """Items whose facts can yield a ledger row dated in the period: submitted in it, or answering a
    solicitation due in it (an answer filed before the period still counts as answered), or adopted or
    instructed in it, or with instruction feedback given or due in it. Every row is dated by one of
    these moments (engine.py), so the others would only be filtered out by the engine. All adoptions
    and instructions of such an item are gathered, earlier ones included: an adoption earns only the
    raise over its body's best so far. (One OR of hashed subqueries: a single scan on PostgreSQL.)"""

    start = datetime.combine(period.start, time(), rules.tz)
    # aliases: the queries this filters select from the same tables, which would correlate the subqueries
    call, adopted, instructed = aliased(Solicitation), aliased(Adoption), aliased(Instruction)
    return or_(
        Item.submitted_at >= start,
        Item.solicitation_id.in_(select(call.id).where(call.deadline >= start)),
        Item.id.in_(select(adopted.item_id).where(adopted.adopted_on >= period.start)),
        Item.id.in_(select(instructed.item_id).where(or_(
            instructed.instructed_on >= period.start, instructed.feedback_due_at >= start,
            instructed.feedback_at >= start))),
    )


def _gather_solicitations(rules: engine.RuleSet, period: engine.Period, known: set[int],
                          unit_id: int | None) -> list[engine.Solicitation]:
    """Solicitations whose deadline lies in the period (dates in the rule set's zone), each with its
    target units among the scored ones (only the given unit when scoring one unit)."""
    start = datetime.combine(period.start, time(), rules.tz)
    end = datetime.combine(period.end + timedelta(days=1), time(), rules.tz)
    query = (
        select(Solicitation.id, Solicitation.topic, Solicitation.deadline, SolicitationTarget.unit_id)
        .join(SolicitationTarget)
        .where(Solicitation.deadline >= start, Solicitation.deadline < end)
        .order_by(Solicitation.id, SolicitationTarget.unit_id)
    )
    if unit_id is not None:
        query = query.where(SolicitationTarget.unit_id == unit_id)
    calls: dict[int, tuple[str, datetime, list[int]]] = {}
    for call_id, topic, deadline, target in db.session.execute(query):
        calls.setdefault(call_id, (topic, deadline, []))[2].append(target)
    return [
        engine.Solicitation(call_id, deadline, tuple(u for u in targets if u in known), topic)
        for call_id, (topic, deadline, targets) in calls.items()
    ]


def _utc(value: str | datetime) -> datetime:
    """A stored naive-UTC time (text on SQLite, a datetime on PostgreSQL) as an aware datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=timezone.utc)


def to_engine_instruction(instruction: Instruction) -> engine.Instruction:
    feedback = None
    if instruction.feedback_required:
        feedback = engine.Feedback(
            required=True,
            due=instruction.feedback_due_at,
            given_at=instruction.feedback_at,
            rejected=instruction.feedback_verdict == "rejected",
        )
    return engine.Instruction(instruction.rank, instruction.instructed_on, feedback)


def _moment_text(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def export_facts(as_of: datetime) -> dict:
    """The facts behind the stored scores in the `score` command's input shape: `flask score` on this
    gives the scores compute_scores(as_of) stores (an office's check of the portal, and an archive of
    a year's scoring that needs no database)."""
    rule_set = get_active_rule_set()
    rules = parse_rules(rule_set)
    period = period_of(rule_set, as_of)
    facts = gather_facts(rules, period=period)

    def instruction(entry: engine.Instruction) -> dict:
        feedback = entry.feedback
        return {"rank": entry.rank, "date": _moment_text(entry.date), "feedback": None if feedback is None else {
            "required": feedback.required, "due": _moment_text(feedback.due),
            "given_at": _moment_text(feedback.given_at), "rejected": feedback.rejected}}

    return {
        "rules": engine.dump_ruleset(rules),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "as_of": as_of.isoformat(),
        "units": [{"id": unit.id, "tier": unit.tier} for unit in facts.units],
        "items": [
            {"id": item.id, "unit": item.unit, "category": item.category,
             "submitted_at": _moment_text(item.submitted_at), "verdict": item.verdict,
             "adoptions": [{"channel": a.channel, "date": _moment_text(a.date)} for a in item.adoptions],
             "instructions": [instruction(entry) for entry in item.instructions],
             "solicitation": None if item.solicitation is None else {
                 "id": item.solicitation.id, "deadline": _moment_text(item.solicitation.deadline),
                 "accepted": item.solicitation.accepted}}
            for item in facts.items
        ],
        "solicitations": [
            {"id": call.id, "deadline": _moment_text(call.deadline), "units": list(call.units), "title": call.title}
            for call in facts.solicitations
        ],
    }


# ---- stored scores ------------------------------------------------------------------------

def compute_scores(as_of: datetime | None = None) -> ScoreRun:
    """Scores every unit with the active rule set and stores the result, replacing older runs."""
    rule_set = get_active_rule_set()
    rules = parse_rules(rule_set)
    as_of = as_of or utcnow()
    period = period_of(rule_set, as_of)
    facts = gather_facts(rules, period=period)
    run = ScoreRun(rule_set_id=rule_set.id, as_of=as_of, computed_at=utcnow())
    try:
        result = engine.score_units(rules, period, as_of, facts.units, facts.items, facts.solicitations)
    except engine.ScoringError as error:
        result, run.error = None, str(error)
    else:
        run.error = "；".join(facts.skipped[:20])
    db.session.execute(delete(ScoreRun))
    db.session.add(run)
    db.session.flush()
    if result is not None:
        items_by_unit: dict = defaultdict(list)
        for item in facts.items:
            items_by_unit[item.unit].append(item)
        quotas = {unit.id: _open_quotas_json(engine.measure_quota_progress(
            rules, period, as_of, unit, items_by_unit[unit.id]), as_of) for unit in facts.units}
        store_result(run, result, quotas)
    return run


MONTHS_KEY = "months"


def _stored_breakdown(score: engine.UnitScore) -> str:
    """A unit's stored points, JSON: per rule (the ranking's breakdown) and, under MONTHS_KEY, per month
    of the rows' dates ("2026-03": points; the score page's chart), so no page re-runs the engine."""
    months: dict[str, Decimal] = defaultdict(Decimal)
    for row in score.ledger:
        months[f"{row.date:%Y-%m}"] += row.points
    return json.dumps({**{key: str(points) for key, points in score.points_by_rule().items()},
                       MONTHS_KEY: {month: str(points) for month, points in sorted(months.items())}})


def store_result(run: ScoreRun, result: engine.ScoreResult, quotas: dict[int, str]) -> None:
    """Stores each unit's totals, points by rule and month and open quota windows; ledger rows are not
    stored (tens of thousands a run): a unit's page recomputes its own rows from the same facts
    (list_ledger), which is cheap."""
    score_rows = [
        {"run_id": run.id, "unit_id": score.unit, "raw": score.raw, "final": score.final, "rank": score.rank,
         "breakdown": _stored_breakdown(score), "quotas": quotas.get(score.unit, "")}
        for score in result.units
    ]
    if score_rows:
        db.session.connection().execute(UnitScore.__table__.insert(), score_rows)


def current_run() -> ScoreRun | None:
    return db.session.scalar(select(ScoreRun).order_by(ScoreRun.id.desc()).limit(1))


def _is_fresh(run: ScoreRun | None) -> bool:
    if run is None or run.stale:
        return False
    max_age = timedelta(minutes=current_app.config["SCORE_MAX_AGE_MINUTES"])
    return utcnow() - run.computed_at < max_age


def ensure_fresh_scores() -> ScoreRun:
    """The stored run, recomputed first when facts changed since (stale) or when it is older than
    SCORE_MAX_AGE_MINUTES (windows close and feedback falls due as time passes). A GET page may call
    this: the recomputation runs in its own write transaction."""
    run = current_run()
    if _is_fresh(run):
        return run
    db.session.commit()  # end the read transaction, so the write below can take the lock up front
    with write_transaction():
        run = current_run()
        if not _is_fresh(run):  # another request may have recomputed while this one waited
            run = compute_scores()
        db.session.commit()
    return run


# ---- keeping stored scores current ----------------------------------------------------------
#
# A change to an item, adoption or instruction touches one unit's facts: on commit that unit alone is
# re-scored and ranks follow (update_unit_scores), well under a second at province size where a full
# run takes many seconds. Changes that reach every unit (units, tiers, rule sets, solicitations) mark
# the stored run stale, and the next page that needs it recomputes it whole.

_FACT_MODELS: tuple[type, ...] = ()
# The item fields the engine reads (gather_facts): other edits (title, body, photos) leave scores as they are.
SCORED_ITEM_FIELDS = ("unit_id", "category", "submitted_at", "status", "solicitation_id", "solicitation_verdict")


def update_unit_scores(unit_ids: set[int]) -> None:
    """Re-scores the given units' facts in the stored run (same rule set, same as_of) and replaces their
    totals, then the finals and ranks of every unit whose changed. The result is the one compute_scores
    would store for the same as_of: ledger rows depend on their own unit's facts alone, and the only
    cross-unit step, finals relative to the top raw and competition ranks, is redone over all units."""
    run = db.session.scalar(select(ScoreRun).order_by(ScoreRun.id.desc()).limit(1).with_for_update())
    if run is None or run.stale:
        return  # nothing stored yet, or a full run is due anyway
    rule_set = db.session.get(RuleSet, run.rule_set_id)
    rules, period = parse_rules(rule_set), period_of(rule_set, run.as_of)
    stored = {unit_id: (raw, final, rank) for unit_id, raw, final, rank in db.session.execute(
        select(UnitScore.unit_id, UnitScore.raw, UnitScore.final, UnitScore.rank).where(UnitScore.run_id == run.id))}
    if not stored:
        return  # the run failed (a rule set error): it stays failed until the rules change
    raws = {unit_id: raw for unit_id, (raw, _, _) in stored.items()}
    table = UnitScore.__table__
    for unit_id in sorted(unit_ids):
        facts = gather_facts(rules, unit_id, period)
        if not facts.units or unit_id not in stored:
            continue  # an office, or a unit the run does not rank
        try:
            score = engine.score_units(rules, period, run.as_of, facts.units, facts.items,
                                       facts.solicitations).unit(unit_id)
        except engine.ScoringError:
            run.stale = True  # the full run reports the error
            return
        raws[unit_id] = score.raw
        # Quotas are counted up to this commit, not the run's as_of: the item just filed shows at once.
        now = utcnow()
        quotas = engine.measure_quota_progress(rules, period, now, facts.units[0], facts.items)
        db.session.execute(table.update().where(table.c.run_id == run.id, table.c.unit_id == unit_id).values(
            raw=score.raw, breakdown=_stored_breakdown(score), quotas=_open_quotas_json(quotas, now)))
    finals, ranks = engine.rank_units(rules.normalize, raws)
    changed = [{"r": run.id, "u": unit_id, "final": finals[unit_id], "rank": ranks[unit_id]}
               for unit_id, (_, final, rank) in stored.items()
               if (final, rank) != (finals[unit_id], ranks[unit_id])]
    if changed:
        db.session.connection().execute(
            table.update().where(table.c.run_id == bindparam("r"), table.c.unit_id == bindparam("u")), changed)


def _note_fact_changes(session, _flush_context) -> None:
    """After a flush (ids assigned, attribute history still there): which facts changed."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _FACT_MODELS):
            session.info["scores_stale"] = True
        elif isinstance(obj, (Adoption, Instruction)):
            item_id = inspect(obj).dict.get("item_id")
            if item_id is None:  # deleted while expired: its item is unknown, so recompute whole
                session.info["scores_stale"] = True
            else:
                session.info.setdefault("scored_items", set()).add(item_id)
        elif isinstance(obj, Item):
            session.info.setdefault("scored_units", set()).update(_scored_units_of(obj, session))


def _scored_units_of(item, session) -> set[int]:
    """The units whose scores an item change touches: none for a draft that never reached the office."""
    state = inspect(item)
    if item in session.deleted and "submitted_at" not in state.dict:
        session.info["scores_stale"] = True  # deleted while expired: whether it counted is unknown
        return set()
    if item in session.new or item in session.deleted:
        return {state.dict["unit_id"]} if state.dict.get("submitted_at") else set()
    units: set[int] = set()
    for name in SCORED_ITEM_FIELDS:
        history = state.attrs[name].history
        if history.has_changes():
            units.add(item.unit_id)
            if name == "unit_id":
                units.update(value for value in history.deleted if value is not None)
    return units


def _update_scores_on_commit(session) -> None:
    if not (has_app_context() and session is db.session.registry()):
        return  # a session of its own (none in the app today): scores age out instead
    session.flush()  # pending changes are noted on flush, which commit would run only after this
    stale = session.info.pop("scores_stale", False)
    units = session.info.pop("scored_units", set())
    items = session.info.pop("scored_items", set())
    if stale:
        session.execute(update(ScoreRun).values(stale=True))
        return
    if items:
        units |= set(session.scalars(select(Item.unit_id).where(Item.id.in_(items))))
    if units:
        update_unit_scores(units)


def watch_score_facts(*models: type) -> None:
    """Any change to these models marks the stored scores stale, whichever service made it; changes to
    items, adoptions and instructions update the affected units' stored scores in the same commit."""
    global _FACT_MODELS
    _FACT_MODELS = tuple(dict.fromkeys((*_FACT_MODELS, *models)))  # once, however many apps
    if not event.contains(Session, "after_flush", _note_fact_changes):
        event.listen(Session, "after_flush", _note_fact_changes)
        event.listen(Session, "before_commit", _update_scores_on_commit)


# ---- standings: what the ranking and score pages show --------------------------------------

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


@dataclass
class Standing:
    unit: object
    score: UnitScore
    breakdown: dict[str, Decimal]
    target: TargetProgress | None
    # the year's 报送 and 采用 (count_filings over the year's window), shown with or without a target
    filed: "Filings | None" = None
    year_first: date | None = None
    year_last: date | None = None
    # 分类排位: when units have tiers, the unit's tier (its name) and its rank among that tier's units
    tier_name: str | None = None
    tier_rank: int | None = None


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

    start, end = local_day_start(first), local_day_start(last + timedelta(days=1))
    late = case((Item.report_due_at.is_not(None) & (Item.submitted_at > Item.report_due_at), 1), else_=0)
    invalid = case((Item.status == "invalid", 1), else_=0)
    items = (select(Item.unit_id, func.count(Item.id), func.sum(late), func.sum(invalid))
             .where(Item.submitted_at >= start, Item.submitted_at < end, Item.status.in_(VERDICTS))
             .group_by(Item.unit_id))
    adoptions = (select(Item.unit_id, func.count(Adoption.id)).join(Item, Item.id == Adoption.item_id)
                 .where(Adoption.adopted_on >= first, Adoption.adopted_on <= last, Item.status != "invalid")
                 .group_by(Item.unit_id))
    if unit_ids is not None:
        items, adoptions = items.where(Item.unit_id.in_(unit_ids)), adoptions.where(Item.unit_id.in_(unit_ids))
    counts: dict[int, Filings] = defaultdict(Filings)
    for unit_id, submitted, late_count, invalid_count in db.session.execute(items):
        counts[unit_id] = Filings(submitted, int(late_count or 0), int(invalid_count or 0))
    for unit_id, adopted in db.session.execute(adoptions):
        counts[unit_id].adopted = adopted
    return dict(counts)


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
    return UnitYear(count_filings(first, last, [unit_id]).get(unit_id, Filings()), first, last)


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


def measure_targets(year: int, now: datetime, unit_ids: list[int],
                    counts: dict[int, Filings] | None = None) -> dict[int, TargetProgress]:
    """Per reporting unit of unit_ids, the year's 报送 and 采用 (count_filings over the year's window,
    or the counts given, made so) against its tier's targets."""
    first, last = resolve_year_window(year)
    start, end = local_day_start(first), local_day_start(last + timedelta(days=1))
    elapsed = min(1.0, max(0.0, (now - start) / (end - start)))
    targets = {t.tier_id: t for t in db.session.scalars(select(AnnualTarget).where(AnnualTarget.year == year))}
    counts = count_filings(first, last, unit_ids) if counts is None else counts
    progress = {}
    for unit_id, tier_id in db.session.execute(select(Unit.id, Unit.tier_id)
                                               .where(Unit.kind != "office", Unit.id.in_(unit_ids))):
        target = targets.get(tier_id) or targets.get(None)
        if target is not None:
            filed = counts.get(unit_id, Filings())
            progress[unit_id] = TargetProgress(filed.submitted, filed.adopted, target.submitted_target,
                                               target.adopted_target, elapsed, filed.invalid, first, last)
    return progress


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
    result = paginate(query, page, per_page)
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


def rank_tiers(run: ScoreRun) -> dict[int, tuple[str, int]] | None:
    """{unit id: (tier name, rank within the tier)} for the run's units, or None when no unit has a tier
    (one ranking for all)."""
    from ..units.models import Tier, Unit

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
    filed = count_filings(first, last, unit_ids)
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


def count_ranked_units(run: ScoreRun) -> int:
    return db.session.scalar(select(func.count()).select_from(UnitScore).where(UnitScore.run_id == run.id))


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
    def points(self) -> Decimal:
        return sum((line.points for line in self.lines), Decimal(0))


def group_ledger(lines: list[LedgerLine]) -> list[LedgerMonth]:
    """The ledger by month, newest month first, each month's rows newest first."""
    months: dict[date, list[LedgerLine]] = {}
    for line in reversed(lines):
        months.setdefault(line.day.replace(day=1), []).append(line)
    return [LedgerMonth(first, rows) for first, rows in sorted(months.items(), reverse=True)]


def top_raw(run: ScoreRun) -> Decimal | None:
    """The highest raw score of the run: what 百分制 divides by."""
    return db.session.scalar(select(func.max(UnitScore.raw)).where(UnitScore.run_id == run.id))


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
    rule_set = db.session.get(RuleSet, run.rule_set_id)
    rules = parse_rules(rule_set)
    stored = {unit: json.loads(breakdown).get(MONTHS_KEY) for unit, breakdown in db.session.execute(
        select(UnitScore.unit_id, UnitScore.breakdown).where(UnitScore.run_id == run.id))}
    if unit_id not in stored or None in stored.values():
        return []
    period = period_of(rule_set, run.as_of)
    last_day = min(period.end, to_office_date(run.as_of))
    raws = dict.fromkeys(stored, rules.base)
    figures = []
    first = period.start.replace(day=1)
    while first <= last_day:
        key = f"{first:%Y-%m}"
        for unit, months in stored.items():
            raws[unit] += Decimal(months.get(key, "0"))
        ranks = engine.rank_units(rules.normalize, raws)[1]
        figures.append(MonthFigure(first, Decimal(stored[unit_id].get(key, "0")), ranks[unit_id], len(raws)))
        first = (first + timedelta(days=31)).replace(day=1)
    return figures


def list_ledger(run: ScoreRun, unit_id: int) -> list[LedgerLine]:
    """The unit's ledger for a stored run: the engine over the unit's own facts with the run's rule set
    and as_of. Every row depends on the unit's facts alone, so the rows add up to the stored raw score
    as long as the run is fresh (which the pages ensure)."""
    rule_set = db.session.get(RuleSet, run.rule_set_id)
    rules = parse_rules(rule_set)
    period = period_of(rule_set, run.as_of)
    facts = gather_facts(rules, unit_id, period)
    if not facts.units:
        return []
    try:
        result = engine.score_units(rules, period, run.as_of, facts.units, facts.items,
                                    facts.solicitations)
    except engine.ScoringError:
        return []
    rows = result.unit(unit_id).ledger
    item_ids = {row.item for row in rows if row.item is not None}
    titles = dict(db.session.execute(
        select(Item.id, func.coalesce(Item.edited_title, Item.title)).where(Item.id.in_(item_ids))
    ).all()) if item_ids else {}
    return [LedgerLine(row.date, row.item, titles.get(row.item), row.rule_key, row.rule, row.points) for row in rows]


def measure_unit_quotas(unit_id: int, as_of: datetime) -> list[engine.WindowProgress]:
    """The unit's progress in every quota window begun so far, counted live by the engine's rules."""
    rule_set = get_active_rule_set()
    rules = parse_rules(rule_set)
    facts = gather_facts(rules, unit_id)
    if not facts.units:
        return []
    return engine.measure_quota_progress(rules, period_of(rule_set, as_of), as_of, facts.units[0], facts.items)


def _open_quotas_json(progress: list[engine.WindowProgress], counted_at: datetime) -> str:
    return json.dumps({"at": counted_at.isoformat(), "windows": [
        {**vars(window), "first": window.first.isoformat(), "last": window.last.isoformat()}
        for window in progress if not window.assessed]})


def list_open_quotas(unit_id: int, now: datetime) -> list[engine.WindowProgress]:
    """The unit's quota windows under way (the dashboard's), as stored with its score. Windows begin and
    are assessed at office midnight, so what was counted earlier the same office day still holds; the
    item counts are kept current on every commit that changes them (update_unit_scores). Counted live
    when nothing fit is stored (no run yet, a stale run, a run from before today)."""
    stored = db.session.scalar(
        select(UnitScore.quotas).join(ScoreRun, ScoreRun.id == UnitScore.run_id)
        .where(UnitScore.unit_id == unit_id, ScoreRun.stale.is_(False)).order_by(ScoreRun.id.desc()).limit(1))
    if stored:
        data = json.loads(stored)
        if to_office_date(datetime.fromisoformat(data["at"])) == to_office_date(now):
            return [engine.WindowProgress(**(window | {"first": date.fromisoformat(window["first"]),
                                                       "last": date.fromisoformat(window["last"])}))
                    for window in data["windows"]]
    return [window for window in measure_unit_quotas(unit_id, now) if not window.assessed]


def list_week_quota_gaps(as_of: datetime) -> list[tuple[int, engine.WindowProgress]]:
    """(unit id, progress) for every weekly quota a unit has not yet met in the week under way."""
    try:
        rule_set = get_active_rule_set()
    except LookupError:
        return []
    rules = parse_rules(rule_set)
    if not any(quota.window == "week" for quota in rules.quotas):
        return []
    today = to_office_date(as_of)
    facts = gather_facts(rules)
    items_by_unit: dict = defaultdict(list)
    for item in facts.items:
        items_by_unit[item.unit].append(item)
    return [
        (unit.id, progress)
        for unit in facts.units
        for progress in engine.measure_quota_progress(rules, period_of(rule_set, as_of), as_of, unit,
                                                      items_by_unit[unit.id])
        if progress.window == "week" and progress.first <= today <= progress.last and not progress.met
    ]


def to_office_date(moment: datetime) -> date:
    return to_local(moment).date()


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
