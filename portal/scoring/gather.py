"""The engine's facts gathered from the database (units, items with their adoptions, instructions and
solicitation answers, solicitations), and exported in the `score` command's input shape."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import String, bindparam, or_, select, type_coerce
from sqlalchemy.orm import aliased

from ..extensions import db, prepared
from ..items.models import Item
from ..solicitations.models import Solicitation, SolicitationTarget
from ..units.models import Tier, Unit
from . import engine
from .models import Adoption, Channel, Instruction
from .periods import get_active_rule_set, parse_rules, period_of


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

    if unit_id is not None:
        queries, values = _unit_fact_queries(), {"unit_id": unit_id}
        unit_query, item_query, adoption_query, instruction_query = queries
    else:
        (unit_query, item_query, adoption_query, instruction_query), values = _fact_queries(), {}
        if period is not None:
            scoring = _items_scoring_in(period, rules)
            item_query = item_query.where(scoring)
            adoption_query = adoption_query.join(Item, Item.id == Adoption.item_id).where(scoring)
            instruction_query = instruction_query.join(Item, Item.id == Instruction.item_id).where(scoring)

    skipped: list[str] = []
    adoptions: dict[int, list[engine.Adoption]] = defaultdict(list)
    for item_id, channel, adopted_on in db.session.execute(adoption_query, values):
        if channel in rules.channels:
            adoptions[item_id].append(engine.Adoption(channel, adopted_on))
        else:
            skipped.append(f"信息{item_id}的采用载体“{channel}”不在规则集中")
    instructions: dict[int, list[engine.Instruction]] = defaultdict(list)
    for instruction in db.session.scalars(instruction_query, values):
        if instruction.rank in rules.instruction_bonus:
            instructions[instruction.item_id].append(to_engine_instruction(instruction))
        else:
            skipped.append(f"信息{instruction.item_id}的批示领导级别“{instruction.rank}”不在规则集中")
    units = [engine.Unit(uid, tier or engine.DEFAULT_TIER) for uid, tier in db.session.execute(unit_query, values)]
    known = {unit.id for unit in units}
    items = [
        engine.Item(item_id, owner, category, _utc(submitted_at), VERDICTS[status],
                    tuple(adoptions.get(item_id, ())), tuple(instructions.get(item_id, ())),
                    None if answers is None else engine.SolicitationAnswer(
                        answers, _utc(deadline), ANSWER_VERDICTS.get(verdict)))
        for item_id, owner, category, submitted_at, status, answers, verdict, deadline
        in db.session.execute(item_query, values) if owner in known
    ]
    solicitations = _gather_solicitations(rules, period, known, unit_id) if period is not None else []
    return Facts(units, items, skipped, solicitations)


def _fact_queries() -> tuple:
    """The reads of the office's units, items, adoptions and instructions."""
    unit_query = select(Unit.id, Tier.key).outerjoin(Tier, Unit.tier_id == Tier.id).where(Unit.kind != "office")
    # Read the time as the driver gives it: the typed column's per-row parsing costs more than the
    # rest of the query on a city-sized table (see bench/score_city.py).
    item_query = select(
        Item.id, Item.unit_id, Item.category, type_coerce(Item.submitted_at, String), Item.status,
        Item.solicitation_id, Item.solicitation_verdict, type_coerce(Solicitation.deadline, String),
    ).outerjoin(Solicitation, Solicitation.id == Item.solicitation_id).where(
        Item.submitted_at.is_not(None), Item.status.in_(VERDICTS)
    )
    return unit_query, item_query, select(Adoption.item_id, Channel.key, Adoption.adopted_on).join(Channel), \
        select(Instruction)


@prepared
def _unit_fact_queries() -> tuple:
    """The same reads of one unit (bound at execution: unit_id), built once: every commit that changes a unit's
    facts re-scores it (scoring.runs), and composing these selects cost SQLAlchemy about as much as running them."""
    unit_query, item_query, adoption_query, instruction_query = _fact_queries()
    unit_id = bindparam("unit_id")
    return (unit_query.where(Unit.id == unit_id), item_query.where(Item.unit_id == unit_id),
            adoption_query.join(Item, Item.id == Adoption.item_id).where(Item.unit_id == unit_id),
            instruction_query.join(Item, Item.id == Instruction.item_id).where(Item.unit_id == unit_id))


def _items_scoring_in(period: engine.Period, rules: engine.RuleSet):
    """Items whose facts can yield a ledger row dated in the period: submitted in it, or answering a
    solicitation due in it (an answer filed before the period still counts as answered), or adopted or
    instructed in it, or with instruction feedback given or due in it. Every row is dated by one of
    these moments (engine/ledger.py), so the others would only be filtered out by the engine. All adoptions
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
    values = {"start": datetime.combine(period.start, time(), rules.tz),
              "end": datetime.combine(period.end + timedelta(days=1), time(), rules.tz)}
    if unit_id is None:
        query = _solicitations_query()
    else:
        query, values["unit_id"] = _unit_solicitations_query(), unit_id
    calls: dict[int, tuple[str, datetime, list[int]]] = {}
    for call_id, topic, deadline, target in db.session.execute(query, values):
        calls.setdefault(call_id, (topic, deadline, []))[2].append(target)
    return [
        engine.Solicitation(call_id, deadline, tuple(u for u in targets if u in known), topic)
        for call_id, (topic, deadline, targets) in calls.items()
    ]


@prepared
def _solicitations_query():
    """Solicitations due from `start` to before `end`, with their target units."""
    return (
        select(Solicitation.id, Solicitation.topic, Solicitation.deadline, SolicitationTarget.unit_id)
        .join(SolicitationTarget)
        .where(Solicitation.deadline >= bindparam("start"), Solicitation.deadline < bindparam("end"))
        .order_by(Solicitation.id, SolicitationTarget.unit_id)
    )


@prepared
def _unit_solicitations_query():
    return _solicitations_query().where(SolicitationTarget.unit_id == bindparam("unit_id"))


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
