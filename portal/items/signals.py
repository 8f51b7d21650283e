"""What happens to an item, announced to the packages built on items (checks, scoring, solicitations,
editions): items never imports them; each connects its receivers in its own init_app.

A receiver that refuses raises WorkflowError (field named), which reaches the caller of the service as
if the service had raised it; nothing is committed.
"""
from blinker import Namespace

_signals = Namespace()

# Sender: the ItemFields about to be stored; kwargs unit_id, item (None for a new item). Receivers
# check what the fields link to outside items (a solicitation answered).
item_fields_checking = _signals.signal("item-fields-checking")

# Sender: the item, created or edited by its unit (text, category, photos), flushed or about to be.
item_saved = _signals.signal("item-saved")

# Sender: the item, before its status changes (the transition allowed, its comment given); kwargs actor,
# action, adopted_on (the office's own adoption's date, None for any other action or a 补录).
item_transitioning = _signals.signal("item-transitioning")

# Sender: the item, after its status changed (sent, signed, returned, adopted, …); the same kwargs,
# from_status (a verdict changed from one to another is a correction, told as such) and comment.
item_transitioned = _signals.signal("item-transitioned")

# Sender: an item whose photo a reader outside the item's audience asks for. A receiver returns True when
# a document every reader may open shows the item (a locked edition).
item_shown_to_all = _signals.signal("item-shown-to-all")


def shown_to_all(item) -> bool:
    return any(answer for _receiver, answer in item_shown_to_all.send(item))

# Sender: None. Receivers return the categories the office's rules have signed twice, by the unit head
# and then a 主管领导 (scoring answers from the active rule set); none when nobody answers.
second_signoff_asked = _signals.signal("second-signoff-asked")


def second_signoff_categories() -> frozenset[str]:
    return frozenset().union(*(answer for _receiver, answer in second_signoff_asked.send(None)))
