"""Connects the near-duplicate check and the warnings to what happens to items."""
from ..items.signals import item_saved, item_transitioning
from .services import record_similar_items, record_warning_review, refresh_item_checks


def init_app(app) -> None:
    item_saved.connect(_refresh_checks)
    item_transitioning.connect(_record_signoff_checks)


def _refresh_checks(item) -> None:
    refresh_item_checks(item)


def _record_signoff_checks(item, actor, action: str, **_kwargs) -> None:
    """The signer decides with the warnings in front of them: what was shown and the decision are kept;
    a signed item's near-duplicates are found again, now among what the office has received."""
    if item.status != "awaiting_signoff" or action not in ("sign", "return"):
        return
    record_warning_review(item, actor, action)
    if action == "sign":
        record_similar_items(item)
