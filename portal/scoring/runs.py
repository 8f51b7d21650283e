"""Stored scores: a run of the engine over every unit, stored per unit (totals, points by rule and month,
open quota windows), recomputed when stale or old, and kept current unit by unit as facts change."""
import json
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import bindparam, delete, event, inspect, select, update
from sqlalchemy.orm import Session

from ..extensions import db, prepared, utcnow, write_transaction
from ..items.models import Item
from ..web.memo import draw_version
from . import engine
from .gather import VERDICTS, gather_facts
from .models import Adoption, Instruction, RuleSet, ScoreRun, UnitScore
from .periods import get_active_rule_set, parse_rules, period_of
from .quota_windows import dump_open_quotas


def compute_scores(as_of: datetime | None = None) -> ScoreRun:
    """Scores every unit with the active rule set and stores the result, replacing older runs."""
    rule_set = get_active_rule_set()
    rules = parse_rules(rule_set)
    as_of = as_of or utcnow()
    period = period_of(rule_set, as_of)
    facts = gather_facts(rules, period=period)
    run = ScoreRun(rule_set_id=rule_set.id, as_of=as_of, computed_at=utcnow(), version=draw_version())
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
        quotas = {unit.id: dump_open_quotas(engine.measure_quota_progress(
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
         "breakdown": _stored_breakdown(score), "quotas": quotas.get(score.unit, ""), "version": draw_version()}
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
# The item fields the engine reads (gather_facts) and the filings count (filings.count_filings: lateness by
# the report's due time): other edits (title, body, photos) leave scores and their versions as they are.
SCORED_ITEM_FIELDS = ("unit_id", "category", "submitted_at", "status", "solicitation_id", "solicitation_verdict",
                      "report_due_at")


# The statements of update_unit_scores, which runs at the commit of every change to a unit's facts: built on
# first use, their values bound at execution (composing them cost about as much as running them).
@prepared
def _locked_run():
    return select(ScoreRun).order_by(ScoreRun.id.desc()).limit(1).with_for_update()


@prepared
def _stored_ranks():
    return select(UnitScore.unit_id, UnitScore.raw, UnitScore.final, UnitScore.rank).where(
        UnitScore.run_id == bindparam("run_id"))


@prepared
def _stored_units():
    return select(UnitScore.unit_id, UnitScore.raw, UnitScore.breakdown).where(
        UnitScore.run_id == bindparam("run_id"), UnitScore.unit_id.in_(bindparam("unit_ids", expanding=True)))


@prepared
def _store_unit_score():
    table = UnitScore.__table__
    return table.update().where(table.c.run_id == bindparam("r"), table.c.unit_id == bindparam("u")).values(
        raw=bindparam("new_raw"), breakdown=bindparam("new_breakdown"), quotas=bindparam("new_quotas"),
        version=bindparam("new_version"))


@prepared
def _store_rank():
    table = UnitScore.__table__
    return table.update().where(table.c.run_id == bindparam("r"), table.c.unit_id == bindparam("u"))


def update_unit_scores(unit_ids: set[int]) -> None:
    """Re-scores the given units' facts in the stored run (same rule set, same as_of) and replaces their
    totals, then the finals and ranks of every unit whose changed. The result is the one compute_scores
    would store for the same as_of: ledger rows depend on their own unit's facts alone, and the only
    cross-unit step, finals relative to the top raw and competition ranks, is redone over all units."""
    run = db.session.scalar(_locked_run())
    if run is None or run.stale:
        return  # nothing stored yet, or a full run is due anyway
    rule_set = db.session.get(RuleSet, run.rule_set_id)
    rules, period = parse_rules(rule_set), period_of(rule_set, run.as_of)
    own = {unit_id: (raw, breakdown) for unit_id, raw, breakdown
           in db.session.execute(_stored_units(), {"run_id": run.id, "unit_ids": sorted(unit_ids)})}
    if not own:
        return  # offices and units the run does not rank; or the run failed (a rule set error) and stays failed
    moved = False  # whether what the run's version stands for changed: a unit's points, a final, a rank
    new_raws = {}
    for unit_id in sorted(own):
        facts = gather_facts(rules, unit_id, period)
        if not facts.units:
            continue  # no longer a unit the engine scores: the full run will say
        try:
            score = engine.score_units(rules, period, run.as_of, facts.units, facts.items,
                                       facts.solicitations).unit(unit_id)
        except engine.ScoringError:
            run.stale, run.version = True, None  # the full run reports the error
            return
        breakdown = _stored_breakdown(score)
        moved |= score.raw != own[unit_id][0] or breakdown != own[unit_id][1]
        if score.raw != own[unit_id][0]:
            new_raws[unit_id] = score.raw
        # Quotas are counted up to this commit, not the run's as_of: the item just filed shows at once.
        now = utcnow()
        quotas = engine.measure_quota_progress(rules, period, now, facts.units[0], facts.items)
        db.session.execute(_store_unit_score(), {
            "r": run.id, "u": unit_id, "new_raw": score.raw, "new_breakdown": breakdown,
            "new_quotas": dump_open_quotas(quotas, now), "new_version": draw_version()})
    changed = []
    if new_raws:  # finals and ranks follow the raws alone: with none moved, every unit's stay as stored
        stored = {unit_id: (raw, final, rank) for unit_id, raw, final, rank
                  in db.session.execute(_stored_ranks(), {"run_id": run.id})}
        finals, ranks = engine.rank_units(rules.normalize, {unit_id: raw for unit_id, (raw, _, _) in stored.items()}
                                          | new_raws)
        changed = [{"r": run.id, "u": unit_id, "final": finals[unit_id], "rank": ranks[unit_id]}
                   for unit_id, (_, final, rank) in stored.items()
                   if (final, rank) != (finals[unit_id], ranks[unit_id])]
        if changed:
            db.session.connection().execute(_store_rank(), changed)
    if moved or changed:
        # Written with the rows above, in the same transaction. A filing sent or signed earns no points by
        # itself (the seed's rules): the run keeps its version, and what pages keep under it, while the unit's
        # own version (its 报送, its quota windows) is drawn again above.
        run.version = draw_version()


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
    if not (_counted(state, before=True) or _counted(state, before=False)):
        return set()  # a draft saved, sent for sign-off, withdrawn or returned by its signer: no fact either side
    units: set[int] = set()
    for name in SCORED_ITEM_FIELDS:
        history = state.attrs[name].history
        if history.has_changes():
            units.add(item.unit_id)
            if name == "unit_id":
                units.update(value for value in history.deleted if value is not None)
    return units


_UNKNOWN = object()


def _value(state, name: str, before: bool):
    """An attribute's value before this flush's change or after it; _UNKNOWN when it was never loaded."""
    history = state.attrs[name].history
    if history.unchanged:
        return history.unchanged[0]
    values = history.deleted if before else history.added
    return values[0] if values else _UNKNOWN


def _counted(state, before: bool) -> bool:
    """Whether the item was (before) or is (after) among the facts gather_facts reads: submitted, with one
    of the office's verdicts. A value never loaded may have counted, so it does."""
    submitted_at, status = _value(state, "submitted_at", before), _value(state, "status", before)
    return _UNKNOWN in (submitted_at, status) or (submitted_at is not None and status in VERDICTS)


def _update_scores_on_commit(session) -> None:
    if not (has_app_context() and session is db.session.registry()):
        return  # a session of its own (none in the app today): scores age out instead
    session.flush()  # pending changes are noted on flush, which commit would run only after this
    stale = session.info.pop("scores_stale", False)
    units = session.info.pop("scored_units", set())
    items = session.info.pop("scored_items", set())
    if stale:
        # a stale run keeps no answers (web.memo.kept_by_version): the facts it was scored from changed
        session.execute(update(ScoreRun).values(stale=True, version=None))
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
