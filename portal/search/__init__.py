from flask import Blueprint

bp = Blueprint("search", __name__)

from . import services, views  # noqa: E402,F401  (routes and the index hook register on import)
