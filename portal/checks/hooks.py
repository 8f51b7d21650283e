"""Connects the near-duplicate check and the warnings to what happens to items."""
from ..items.signals import item_saved, item_transitioning
from ..items.workflow import TRANSITIONS, is_signoff_decision
from .services import record_warning_review, refresh_item_checks


def init_app(app) -> None:
    item_saved.connect(_refresh_checks)
    item_transitioning.connect(_record_signoff_checks)


def _refresh_checks(item) -> None:
    refresh_item_checks(item)


def _record_signoff_checks(item, actor, action: str, now, **_kwargs) -> None:
    """The signer (or 主管领导) decides with the warnings in front of them: what was shown and the
    decision are kept. (Its near-duplicates were found when it was saved, among every unit's items.)"""
    if is_signoff_decision(TRANSITIONS[action], item.status):
        record_warning_review(item, actor, action, now)
