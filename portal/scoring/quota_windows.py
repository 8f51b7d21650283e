"""Quota windows under way: each unit's progress counted live by the engine's rules, stored with its
score (and read back on the same office day), and the weekly quotas not yet met."""
import json
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import bindparam, select

from ..extensions import db, prepared
from ..web.memo import once_per_page
from . import engine
from .gather import gather_facts
from .models import ScoreRun, UnitScore
from .periods import get_active_rule_set, parse_rules, period_of, to_office_date


def measure_unit_quotas(unit_id: int, as_of: datetime) -> list[engine.WindowProgress]:
    """The unit's progress in every quota window begun so far, counted live by the engine's rules."""
    rule_set = get_active_rule_set()
    rules = parse_rules(rule_set)
    facts = gather_facts(rules, unit_id)
    if not facts.units:
        return []
    return engine.measure_quota_progress(rules, period_of(rule_set, as_of), as_of, facts.units[0], facts.items)


def dump_open_quotas(progress: list[engine.WindowProgress], counted_at: datetime) -> str:
    return json.dumps({"at": counted_at.isoformat(), "windows": [
        {**vars(window), "first": window.first.isoformat(), "last": window.last.isoformat()}
        for window in progress if not window.assessed]})


@prepared  # every unit's dashboard reads it
def _current_unit_score():
    return (select(UnitScore.quotas, UnitScore.version).join(ScoreRun, ScoreRun.id == UnitScore.run_id)
            .where(UnitScore.unit_id == bindparam("unit_id"), ScoreRun.stale.is_(False))
            .order_by(ScoreRun.id.desc()).limit(1))


@once_per_page  # the dashboard's quota windows and its year's figures
def read_current_unit_score(unit_id: int):
    """The unit's stored score in the run under way, unless stale (its quotas and version), or None."""
    return db.session.execute(_current_unit_score(), {"unit_id": unit_id}).first()


def list_open_quotas(unit_id: int, now: datetime) -> list[engine.WindowProgress]:
    """The unit's quota windows under way (the dashboard's), as stored with its score. Windows begin and
    are assessed at office midnight, so what was counted earlier the same office day still holds; the
    item counts are kept current on every commit that changes them (update_unit_scores). Counted live
    when nothing fit is stored (no run yet, a stale run, a run from before today)."""
    score = read_current_unit_score(unit_id)
    if score and score.quotas:
        data = json.loads(score.quotas)
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
