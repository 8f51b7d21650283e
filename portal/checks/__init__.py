from flask import Blueprint

bp = Blueprint("checks", __name__)

from . import views  # noqa: E402,F401  (routes register on import)
