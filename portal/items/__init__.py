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
    from .workflow import awaited_states

    return count_signoff_queue(current_user.unit_id, awaited_states(current_user))


@bp.app_template_global("own_unit_lacks_signers")
def _own_unit_lacks_signers() -> list[str]:
    """For the reporter's form and dashboard: why 送审签 would wait for ever (empty when it would not)."""
    from flask_login import current_user

    from ..auth.services import list_missing_signers, missing_signer_message

    return [f"本单位{missing_signer_message(role)}" for role in list_missing_signers(current_user.unit_id)]


from . import views  # noqa: E402,F401  (routes register on import)
