"""Connects scoring to the facts it scores: the stored scores follow any change to them, whichever service
makes it, and the office's own adoption of an item is recorded as its channel's adoption."""
from flask import url_for

from ..items.models import DECIDED
from ..items.services import WorkflowError, notify_verdict_corrected
from ..items.signals import item_transitioned, item_transitioning, second_signoff_asked
from ..notifications.services import notify_users
from ..solicitations.models import Solicitation
from ..units.models import Tier, Unit
from .adoptions import INTERNAL_CHANNEL, fact_day_refusal, record_adoption
from .models import RuleSet
from .periods import second_signoff_categories
from .runs import watch_score_facts


def init_app(app) -> None:
    # Items, adoptions and instructions are watched unit by unit (runs.update_unit_scores); deadlines
    # and target units of solicitations are scoring facts too (on time, missed), their receipts are not.
    watch_score_facts(Unit, Tier, RuleSet, Solicitation)
    item_transitioning.connect(_check_adoption_day)
    item_transitioned.connect(_record_internal_adoption)
    second_signoff_asked.connect(_second_signoff)


def _second_signoff(_sender) -> frozenset[str]:
    return second_signoff_categories()


def _check_adoption_day(item, adopted_on, now, **_kwargs) -> None:
    # Checked before the item changes, so the refusal is shown beside the adoption's date field.
    if adopted_on is not None:
        refusal = fact_day_refusal(adopted_on, item.submitted_at, "采用日期", now)
        if refusal:
            raise WorkflowError(refusal, "adopted_on")


def _record_internal_adoption(item, actor, adopted_on, from_status, comment, now, **_kwargs) -> None:
    # adopted_on is given only for the office's own adoption; a 补录 is recorded and announced by
    # records.record_adoption_by, naming the upper channel.
    if adopted_on is None:
        return
    adoption = record_adoption(item.id, INTERNAL_CHANNEL, adopted_on, actor.id, now)
    if from_status in DECIDED:  # a changed verdict (未采用 → 已采用): told as the correction it is
        notify_verdict_corrected(item, from_status, comment, f"（{adoption.channel.name}）", now)
        return
    notify_users([item.author_id], "item_adopted", f"《{item.display_title}》已被{adoption.channel.name}采用",
                 url_for("items.detail", item_id=item.id), now)
