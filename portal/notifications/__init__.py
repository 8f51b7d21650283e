from flask import Blueprint

bp = Blueprint("notifications", __name__)

from . import views  # noqa: E402,F401  (routes register on import)


@bp.app_context_processor
def _unread_count():
    from flask_login import current_user

    from .services import count_unread

    if current_user.is_authenticated:
        return {"unread_count": count_unread(current_user.id)}
    return {"unread_count": 0}
