"""Connects the stored scores to the facts they are figured from, whichever service changes them."""
from ..solicitations.models import Solicitation
from ..units.models import Tier, Unit
from .models import RuleSet
from .services import watch_score_facts


def init_app(app) -> None:
    # Items, adoptions and instructions are watched unit by unit (services.update_unit_scores); deadlines
    # and target units of solicitations are scoring facts too (on time, missed), their receipts are not.
    watch_score_facts(Unit, Tier, RuleSet, Solicitation)
