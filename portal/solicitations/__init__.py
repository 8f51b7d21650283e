from flask import Blueprint

bp = Blueprint("solicitations", __name__)


def _watch_facts() -> None:
    from ..scoring.services import watch_score_facts
    from .models import Solicitation

    # Deadlines and target units are scoring facts (on time, missed); receipts are not.
    watch_score_facts(Solicitation)


_watch_facts()

from . import views  # noqa: E402,F401  (routes register on import)
