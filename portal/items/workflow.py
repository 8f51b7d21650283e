"""Who may do what to an item, as data. Services enforce it; templates only ask it which buttons to show."""
from dataclasses import dataclass

from ..auth.models import UNIT_ROLES

OFFICE_ROLES = ("editor", "viewer")
# Editors and leaders see an item only once its unit has signed it off.
OFFICE_VISIBLE = frozenset({"submitted", "in_review", "adopted", "not_adopted", "invalid"})
EDITABLE_BY_EDITOR = frozenset({"submitted", "in_review", "adopted"})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    target: str
    # role -> the states from which that role may take this action
    sources: dict[str, frozenset[str]]
    needs_comment: bool = False


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("send", "送审签", "awaiting_signoff", {"reporter": frozenset({"draft"})}),
        Transition("withdraw", "撤回修改", "draft", {"reporter": frozenset({"awaiting_signoff"})}),
        Transition("sign", "审签并报送", "submitted", {"signer": frozenset({"awaiting_signoff"})}),
        Transition(
            "return", "退回修改", "draft",
            {"signer": frozenset({"awaiting_signoff"}), "editor": frozenset({"submitted", "in_review"})},
            needs_comment=True,
        ),
        Transition("accept", "开始处理", "in_review", {"editor": frozenset({"submitted"})}),
        Transition("adopt", "采用", "adopted", {"editor": frozenset({"submitted", "in_review", "not_adopted"})}),
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


def can_view_item(user, item) -> bool:
    if in_own_unit(user, item):
        return True
    return user.has_any_role(*OFFICE_ROLES) and item.status in OFFICE_VISIBLE


def can_edit_item(user, item) -> bool:
    return item.status == "draft" and user.unit_id == item.unit_id and user.has_role("reporter")


def can_delete_item(user, item) -> bool:
    """Only a draft that never reached the office: once signed, an item's history is kept."""
    return can_edit_item(user, item) and not any(event.action == "sign" for event in item.events)


def can_edit_item_text(user, item) -> bool:
    return user.has_role("editor") and item.status in EDITABLE_BY_EDITOR


def can_transition(user, item, action: str) -> bool:
    transition = TRANSITIONS.get(action)
    if transition is None:
        return False
    for role, states in transition.sources.items():
        if item.status not in states or not user.has_role(role):
            continue
        if role in UNIT_ROLES and user.unit_id != item.unit_id:
            continue
        return True
    return False


def allowed_transitions(user, item) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if can_transition(user, item, t.action)]
