"""Adoptions, instructions, rule sets and stored scores: the database side of scoring. The engine
(engine.py) never touches the database; this module gathers its facts and stores its results."""
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.orm import Session

from ..extensions import db, utcnow, write_transaction
from . import engine
from .models import Adoption, Channel, Instruction, LedgerEntry, RuleSet, ScoreRun, UnitScore

INTERNAL_CHANNEL = "internal"


def get_channel(key: str) -> Channel:
    channel = db.session.scalar(select(Channel).where(Channel.key == key))
    if channel is None:
        raise LookupError(f"channel {key!r} is not configured")
    return channel


def record_adoption(item_id: int, channel_key: str, adopted_on: date, recorded_by_id: int) -> Adoption:
    """Idempotent: a channel adopts an item once; recording it again keeps the first record."""
    channel = get_channel(channel_key)
    existing = db.session.scalar(
        select(Adoption).where(Adoption.item_id == item_id, Adoption.channel_id == channel.id)
    )
    if existing is not None:
        return existing
    adoption = Adoption(item_id=item_id, channel=channel, adopted_on=adopted_on, recorded_by_id=recorded_by_id)
    db.session.add(adoption)
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


def period_of(rule_set: RuleSet) -> engine.Period:
    return engine.Period(rule_set.period_start, rule_set.period_end)


# ---- facts --------------------------------------------------------------------------------

VERDICTS = {"submitted": "submitted", "in_review": "in_review", "adopted": "adopted",
            "not_adopted": "not_adopted", "invalid": "invalid"}


@dataclass
class Facts:
    units: list[engine.Unit]
    items: list[engine.Item]
    skipped: list[str]


def gather_facts(rules: engine.RuleSet, unit_id: int | None = None) -> Facts:
    """Everything the engine needs, in four queries. Adoptions on channels and instructions of ranks
    the rule set does not know are left out (and reported), so one stray record cannot stop scoring."""
    from ..items.models import Item
    from ..units.models import Tier, Unit

    unit_query = select(Unit.id, Tier.key).outerjoin(Tier, Unit.tier_id == Tier.id).where(Unit.kind != "office")
    item_query = select(Item.id, Item.unit_id, Item.category, Item.submitted_at, Item.status).where(
        Item.submitted_at.is_not(None), Item.status.in_(VERDICTS)
    )
    adoption_query = select(Adoption.item_id, Channel.key, Adoption.adopted_on).join(Channel)
    instruction_query = select(Instruction)
    if unit_id is not None:
        unit_query = unit_query.where(Unit.id == unit_id)
        item_query = item_query.where(Item.unit_id == unit_id)
        adoption_query = adoption_query.join(Item, Item.id == Adoption.item_id).where(Item.unit_id == unit_id)
        instruction_query = instruction_query.join(Item, Item.id == Instruction.item_id).where(Item.unit_id == unit_id)

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
        engine.Item(item_id, owner, category, submitted_at, VERDICTS[status],
                    tuple(adoptions.get(item_id, ())), tuple(instructions.get(item_id, ())))
        for item_id, owner, category, submitted_at, status in db.session.execute(item_query)
        if owner in known
    ]
    return Facts(units, items, skipped)


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


# ---- stored scores ------------------------------------------------------------------------

def compute_scores(as_of: datetime | None = None) -> ScoreRun:
    """Scores every unit with the active rule set and stores the result, replacing older runs."""
    rule_set = get_active_rule_set()
    rules = parse_rules(rule_set)
    as_of = as_of or utcnow()
    facts = gather_facts(rules)
    run = ScoreRun(rule_set_id=rule_set.id, as_of=as_of, computed_at=utcnow())
    try:
        result = engine.score_units(rules, period_of(rule_set), as_of, facts.units, facts.items)
    except engine.ScoringError as error:
        result, run.error = None, str(error)
    else:
        run.error = "；".join(facts.skipped[:20])
    db.session.execute(delete(ScoreRun))
    db.session.add(run)
    db.session.flush()
    if result is not None:
        store_result(run, result)
    return run


def store_result(run: ScoreRun, result: engine.ScoreResult) -> None:
    score_rows, ledger_rows = [], []
    for score in result.units:
        score_rows.append({
            "run_id": run.id, "unit_id": score.unit, "raw": score.raw, "final": score.final, "rank": score.rank,
            "breakdown": json.dumps({key: str(points) for key, points in score.points_by_rule().items()}),
        })
        ledger_rows.extend(
            {"run_id": run.id, "unit_id": score.unit, "day": row.date, "item_id": row.item,
             "rule_key": row.rule_key, "rule": row.rule[:300], "points": row.points, "position": position}
            for position, row in enumerate(score.ledger)
        )
    if score_rows:
        db.session.execute(insert(UnitScore), score_rows)
    if ledger_rows:
        db.session.execute(insert(LedgerEntry), ledger_rows)


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


_FACT_MODELS: tuple[type, ...] = ()


def _note_fact_changes(session, _flush_context, _instances) -> None:
    if any(isinstance(obj, _FACT_MODELS) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["scores_stale"] = True


def _mark_stale_on_commit(session) -> None:
    if session.info.pop("scores_stale", False):
        session.execute(update(ScoreRun).values(stale=True))


def watch_score_facts(*models: type) -> None:
    """Any change to these models marks the stored scores stale, whichever service made it."""
    global _FACT_MODELS
    _FACT_MODELS = (*_FACT_MODELS, *models)
    if not event.contains(Session, "before_flush", _note_fact_changes):
        event.listen(Session, "before_flush", _note_fact_changes)
        event.listen(Session, "before_commit", _mark_stale_on_commit)
