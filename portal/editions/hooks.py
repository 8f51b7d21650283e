"""Connects editions to the items they print."""
from ..items.signals import item_shown_to_all
from .services import is_in_locked_edition


def init_app(app) -> None:
    item_shown_to_all.connect(_in_locked_edition)


def _in_locked_edition(item) -> bool:
    # A locked edition is for every reader, photos included, whichever unit filed the item.
    return is_in_locked_edition(item.id)
