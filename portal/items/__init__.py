from flask import Blueprint

bp = Blueprint("items", __name__)


@bp.app_template_filter("status_name")
def _status_name(status: str) -> str:
    from .models import STATUSES

    return STATUSES.get(status, status)


@bp.app_template_global("signoff_waiting")
def _signoff_waiting() -> int:
    """The menu's count on 待审签."""
    from flask_login import current_user

    from .services import count_signoff_queue

    return count_signoff_queue(current_user.unit_id)


from . import views  # noqa: E402,F401  (routes register on import)
