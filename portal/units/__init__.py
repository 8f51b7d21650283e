from flask import Blueprint

bp = Blueprint("units", __name__, url_prefix="/admin")

from . import views  # noqa: E402,F401  (routes register on import)
