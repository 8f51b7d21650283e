"""Who may do what to an item, as data. Services enforce it; templates only ask it which buttons to show."""
from dataclasses import dataclass

from ..auth.models import SIGNOFF_ROLES, UNIT_ROLES, UNIT_SCOPED_ROLES
from .models import DECIDED, PENDING_STATUSES
from .signals import second_signoff_categories

OFFICE_ROLES = ("editor", "viewer")
# Sent by the reporter, not yet signed off: the unit's side of the workflow.
SIGNOFF_STATES = frozenset({"awaiting_signoff", "awaiting_lead"})
# Editors and leaders see an item only once its unit has signed it off.
OFFICE_VISIBLE = frozenset(PENDING_STATUSES + DECIDED)
EDITABLE_BY_EDITOR = frozenset({"submitted", "in_review", "adopted"})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    target: str
    # role -> the states from which that role may take this action
    sources: dict[str, frozenset[str]]
    needs_comment: bool = False
    # None: whatever the item's category. True / False: only when the office's rule set does / does not
    # ask a second sign-off (主管领导) for the item's category (see needs_second_signoff).
    second_signoff: bool | None = None
    # The button the page shows first and most prominently.
    primary: bool = False


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("send", "送审签", "awaiting_signoff", {"reporter": frozenset({"draft"})}, primary=True),
        Transition("withdraw", "撤回修改", "draft", {"reporter": SIGNOFF_STATES}),
        Transition("sign", "审签并报送", "submitted", {"signer": frozenset({"awaiting_signoff"})},
                   second_signoff=False, primary=True),
        # The unit head signs first; the item then waits for the 主管领导 before it reaches the office.
        Transition("sign_first", "审签并报主管领导", "awaiting_lead", {"signer": frozenset({"awaiting_signoff"})},
                   second_signoff=True, primary=True),
        Transition("lead_sign", "主管领导审签并报送", "submitted", {"supervisor": frozenset({"awaiting_lead"})},
                   primary=True),
        Transition(
            "return", "退回修改", "draft",
            {"signer": frozenset({"awaiting_signoff"}), "supervisor": frozenset({"awaiting_lead"}),
             "editor": frozenset({"submitted", "in_review"})},
            needs_comment=True,
        ),
        Transition("accept", "开始处理", "in_review", {"editor": frozenset({"submitted"})}),
        Transition("adopt", "采用", "adopted", {"editor": frozenset({"submitted", "in_review", "not_adopted"})},
                   primary=True),
        Transition("reject", "不采用", "not_adopted", {"editor": frozenset({"submitted", "in_review"})}),
        Transition(
            "invalidate", "不计分", "invalid",
            {"editor": frozenset({"submitted", "in_review", "not_adopted"})},
            needs_comment=True,
        ),
    )
}

ACTION_NAMES = {
    "create": "创建草稿",
    "edit": "修改",
    "editor_edit": "编辑修改",
    "recategorize": "更正类别",
    **{t.action: t.label for t in TRANSITIONS.values()},
}


def can_correct_category(user, item) -> bool:
    """The office corrects a mislabelled category of any item it has received, whatever its verdict."""
    return user.has_role("editor") and item.status in OFFICE_VISIBLE


def in_own_unit(user, item) -> bool:
    return user.unit_id == item.unit_id and user.has_any_role(*UNIT_ROLES)


def needs_second_signoff(item) -> bool:
    """Whether the office's rule set asks a 主管领导's sign-off, after the unit head's, for this item's category."""
    return item.category in second_signoff_categories()


def is_signoff_decision(transition: Transition, from_status: str) -> bool:
    """A signer's or 主管领导's decision on an item waiting for them (sign or return), not the reporter's withdrawal."""
    return from_status in SIGNOFF_STATES and any(
        from_status in transition.sources.get(role, ()) for role in SIGNOFF_ROLES)


def awaited_states(user) -> frozenset[str]:
    """The states in which an item waits for this user's sign-off: their queue."""
    return frozenset(state for transition in TRANSITIONS.values() if transition.target != "draft"
                     for role in SIGNOFF_ROLES if user.has_role(role)
                     for state in transition.sources.get(role, ()))


def can_view_item(user, item) -> bool:
    if in_own_unit(user, item):
        return True
    if user.has_role("supervisor") and user.unit_id == item.unit_id and item.status != "draft":
        return True
    return user.has_any_role(*OFFICE_ROLES) and item.status in OFFICE_VISIBLE


def can_edit_item(user, item) -> bool:
    return item.status == "draft" and user.unit_id == item.unit_id and user.has_role("reporter")


def can_delete_item(user, item) -> bool:
    """Only a draft that never reached the office: once signed off, an item's history is kept."""
    return can_edit_item(user, item) and not any(event.to_status == "submitted" for event in item.events)


def can_edit_item_text(user, item) -> bool:
    return user.has_role("editor") and item.status in EDITABLE_BY_EDITOR


def can_transition(user, item, action: str) -> bool:
    transition = TRANSITIONS.get(action)
    if transition is None:
        return False
    for role, states in transition.sources.items():
        if item.status not in states or not user.has_role(role):
            continue
        if role in UNIT_SCOPED_ROLES and user.unit_id != item.unit_id:
            continue
        if transition.second_signoff is not None and transition.second_signoff != needs_second_signoff(item):
            continue
        return True
    return False


def allowed_transitions(user, item) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if can_transition(user, item, t.action)]
