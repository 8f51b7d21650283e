from flask import Blueprint

bp = Blueprint("scoring", __name__)


def _watch_facts() -> None:
    from ..items.models import Item
    from ..units.models import Tier, Unit
    from .models import Adoption, Instruction, RuleSet
    from .services import watch_score_facts

    watch_score_facts(Item, Adoption, Instruction, Unit, Tier, RuleSet)


_watch_facts()

from . import admin_views, record_views, views  # noqa: E402,F401  (routes register on import)
