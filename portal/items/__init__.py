from flask import Blueprint

bp = Blueprint("items", __name__)


@bp.app_template_filter("status_name")
def _status_name(status: str) -> str:
    from .models import STATUSES

    return STATUSES.get(status, status)


from . import views  # noqa: E402,F401  (routes register on import)
