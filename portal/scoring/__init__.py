from flask import Blueprint

bp = Blueprint("scoring", __name__)


def _watch_facts() -> None:
    # items, adoptions and instructions are watched unit by unit (services.update_unit_scores)
    from ..units.models import Tier, Unit
    from .models import RuleSet
    from .services import watch_score_facts

    watch_score_facts(Unit, Tier, RuleSet)


_watch_facts()

from . import admin_views, record_views, views  # noqa: E402,F401  (routes register on import)
