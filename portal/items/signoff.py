"""Who must sign a unit's items before they reach the office: the unit head (审签人) always, and a 主管领导
too for the categories the office's rules sign twice (asked of the packages above through
signals.second_signoff_categories). Flagged where an admin or a reporter would otherwise find out only
when an item waits for ever."""
from sqlalchemy import bindparam, select

from ..auth.models import User, UserRole
from ..extensions import db, prepared
from ..units.models import Unit
from ..units.office import kept_by_office
from .categories import CATEGORIES
from .signals import second_signoff_categories

NO_SIGNER_MESSAGE = "还没有可用的审签人（单位负责人）：送审签的信息将无人审签。请管理员为其创建或启用审签账号。"
NO_SUPERVISOR_MESSAGE = ("还没有可用的主管领导：按考核规则，{categories}类信息须经主管领导审签，送审签后将无人审签。"
                         "请管理员为其创建或启用主管领导账号。")
# The badge on the units page for each missing sign-off role.
MISSING_SIGNER_BADGES = {"signer": "无审签人", "supervisor": "无主管领导"}


def _role_units(role: str):
    return select(User.unit_id).join(UserRole).where(UserRole.role == role, User.active.is_(True))


def required_signoff_roles() -> tuple[str, ...]:
    """Every unit needs an active signer; a 主管领导 too once the rule set has some category signed twice."""
    return ("signer", "supervisor") if second_signoff_categories() else ("signer",)


def missing_signer_message(role: str) -> str:
    if role == "signer":
        return NO_SIGNER_MESSAGE
    categories = second_signoff_categories()
    return NO_SUPERVISOR_MESSAGE.format(categories="、".join(name for key, name in CATEGORIES.items() if key in categories))


def list_units_missing_signers() -> dict[str, list[Unit]]:
    """Per sign-off role the rule set requires: the active reporting units with nobody active in it,
    whose items would wait at 待审签 (or 待主管领导审签) for ever."""
    return {role: list(db.session.scalars(select(Unit).where(
        Unit.kind != "office", Unit.active.is_(True), Unit.id.not_in(_role_units(role))).order_by(Unit.sort_order, Unit.id)))
        for role in required_signoff_roles()}


@prepared
def _roles_held():
    return (select(UserRole.role).join(User, User.id == UserRole.user_id)
            .where(User.unit_id == bindparam("unit_id"), User.active.is_(True),
                   UserRole.role.in_(bindparam("roles", expanding=True))).distinct())


@kept_by_office  # the reporter's dashboard and form ask on every view
def list_missing_signers(unit_id: int) -> tuple[str, ...]:
    """The sign-off roles the rule set requires that nobody active holds in this unit."""
    required = required_signoff_roles()
    held = set(db.session.scalars(_roles_held(), {"unit_id": unit_id, "roles": list(required)}))
    return tuple(role for role in required if role not in held)
