from flask import Blueprint

bp = Blueprint("units", __name__, url_prefix="/admin")


@bp.app_template_global("office_contact")
def _office_contact():
    from .services import get_office_contact

    return get_office_contact()


from . import views  # noqa: E402,F401  (routes register on import)
