"""Accounts: password hashing and policy, login, and the admin's account operations."""
import gzip
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from ..audit.services import record_event, snapshot
from ..extensions import db, utcnow, without_write_lock
from ..units.models import Unit
from ..units.services import save_unit
from ..web.errors import UserError
from .models import ROLES, UNIT_ROLES, User, UserRole
from .sessions import revoke_sessions
from .throttle import Attempt, check_login_throttle, record_login_attempt

PASSWORD_MIN, PASSWORD_MAX = 8, 128
# Django's list of the 20,000 most common passwords (BSD licence, see docs/security.md), lower case.
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


def _hasher() -> PasswordHasher:
    """argon2id; the library's current defaults unless ARGON2_PARAMS says otherwise (the tests
    lower the cost so that hundreds of accounts do not dominate the suite)."""
    hasher = current_app.extensions.get("portal_hasher")
    if hasher is None:
        hasher = PasswordHasher(**current_app.config.get("ARGON2_PARAMS", {}))
        current_app.extensions["portal_hasher"] = hasher
        # Verifying against this keeps a wrong username as slow as a wrong password.
        current_app.extensions["portal_dummy_hash"] = hasher.hash("not-a-real-password")
    return hasher


class AccountError(UserError):
    """A user-facing refusal, worded in Chinese."""


class WeakPasswordError(AccountError):
    """A new password the policy refuses."""


@cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def check_password_policy(password: str, username: str) -> None:
    """Length and guessability only (no composition rules): a long passphrase beats "Passw0rd!"."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise WeakPasswordError(f"密码长度应为{PASSWORD_MIN}至{PASSWORD_MAX}个字符")
    if password.strip().lower() == username.strip().lower():
        raise WeakPasswordError("密码不能与用户名相同")
    if password.strip().lower() in _common_passwords():
        raise WeakPasswordError("该密码过于常见，容易被猜中，请换一个（可以用几个词组成的长句）")


def hash_password(password: str) -> str:
    with without_write_lock():
        return _hasher().hash(password)


def authenticate_user(attempt: Attempt, password: str) -> User:
    """The account, or AccountError: for a wrong password, an unknown or deactivated account, and
    (without looking at the password) while recent failures block this account or address. Every
    attempt is recorded; the caller commits either way."""
    minutes = check_login_throttle(attempt)
    if minutes:
        record_login_attempt(attempt, "throttled")
        raise AccountError(f"登录尝试次数过多，请 {minutes} 分钟后再试")
    user = _verify_login(attempt.username, password)
    record_login_attempt(attempt, "failure" if user is None else "success")
    if user is None:
        raise AccountError("用户名或密码不正确，或账号已停用")
    return user


def _verify_login(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username))
    try:
        with without_write_lock():  # argon2 takes tens of milliseconds of CPU by design (the hasher's first use too)
            hasher = _hasher()
            hasher.verify(user.password_hash if user else current_app.extensions["portal_dummy_hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def generate_password() -> str:
    # Readable on a phone and in a phone call: no 0/O or 1/l confusion.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def set_roles(user: User, roles: list[str]) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError("角色无效")
    user.role_rows = [UserRole(role=role) for role in sorted(set(roles))]


def create_user(username: str, name: str, unit_id: int, roles: list[str], password: str, phone: str = "",
                email: str | None = None, must_change: bool = False) -> User:
    """must_change: the password was chosen by someone else (an admin's initial password)."""
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError("该用户名已被使用")
    user = User(username=username, name=name, unit_id=unit_id, phone=phone, email=email, active=True,
                password_hash=hash_password(password), must_change_password=must_change)
    set_roles(user, roles)
    db.session.add(user)
    record_event(None, "user.create", user, f"新建账号 {username}（{name}）", new=snapshot(user, *_AUDITED))
    return user


# What an account change is audited by; the password hash never enters the log.
_AUDITED = ("username", "name", "unit_id", "roles", "phone", "email", "active")


def update_user(user: User, name: str, unit_id: int, roles: list[str], phone: str, email: str | None) -> None:
    if user.active and "admin" in user.roles and "admin" not in roles and len(list_users_with_role("admin")) <= 1:
        # Nobody could then manage accounts, reset a password or appoint another admin.
        raise AccountError("这是唯一启用的管理员账号，不能取消其管理员角色；请先为其他账号设置管理员角色")
    before = snapshot(user, *_AUDITED)
    user.name, user.unit_id, user.phone, user.email = name, unit_id, phone, email
    set_roles(user, roles)
    record_event(None, "user.update", user, f"修改账号 {user.username}", before, snapshot(user, *_AUDITED))


def reset_password(user: User) -> str:
    """A random password the owner must replace at the next login; every open session ends."""
    password = generate_password()
    user.password_hash = hash_password(password)
    record_event(None, "user.reset_password", user, f"重置账号 {user.username} 的密码")
    user.must_change_password = True
    revoke_sessions(user)
    return password


def change_password(user: User, current: str, new: str) -> None:
    """The owner's own choice: checked against the policy. The owner's other sessions end (a thief's
    session among them); the one making the change stays."""
    try:
        with without_write_lock():
            _hasher().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("当前密码不正确") from None
    if new == current:
        # Else the forced change of an admin's initial password could be "made" by typing it again.
        raise WeakPasswordError("新密码不能与当前密码相同")
    check_password_policy(new, user.username)
    user.password_hash = hash_password(new)
    record_event(user, "user.change_password", user, "修改本人密码")
    user.must_change_password = False
    revoke_sessions(user, keep_current=True)


def set_user_active(user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise AccountError("不能停用自己的账号")
    before = snapshot(user, "active")
    user.active = active
    record_event(actor, "user.activate" if active else "user.deactivate", user,
                 f"{'启用' if active else '停用'}账号 {user.username}", before, snapshot(user, "active"))
    if not active:
        revoke_sessions(user)


def create_first_admin(username: str, name: str) -> tuple[User, str]:
    """A fresh installation's first administrator, in the office unit (created from OFFICE_NAME when
    there is none yet), with a random password to be changed at the first login."""
    office = db.session.scalar(select(Unit).where(Unit.kind == "office").order_by(Unit.id))
    if office is None:
        office = save_unit(None, name=current_app.config["OFFICE_NAME"], kind="office", parent_id=None,
                           tier_id=None, active=True, sort_order=0)
        db.session.flush()
    password = generate_password()
    return create_user(username, name, office.id, ["admin"], password, must_change=True), password


def list_users(unit_id: int | None = None) -> list[User]:
    query = select(User).order_by(User.unit_id, User.username)
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    return list(db.session.scalars(query))


def list_users_with_role(role: str, unit_id: int | None = None) -> list[User]:
    return list(db.session.scalars(_with_role(select(User), role, unit_id)))


def list_user_ids_with_role(role: str, unit_id: int | None = None) -> list[int]:
    """Whom a notice goes to: the ids alone (a user loads its unit and roles with it)."""
    return list(db.session.scalars(_with_role(select(User.id), role, unit_id)))


def _with_role(query, role: str, unit_id: int | None):
    query = query.join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role, User.active.is_(True))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return query.order_by(User.id)


def list_unit_member_ids(unit_ids) -> list[int]:
    """Every active reporter and signer of these units: the people a notice to a unit goes to."""
    unit_ids = list(unit_ids)
    if not unit_ids:
        return []
    return list(db.session.scalars(
        select(User.id).join(UserRole).where(
            User.unit_id.in_(unit_ids), UserRole.role.in_(UNIT_ROLES), User.active.is_(True)
        ).distinct().order_by(User.id)
    ))


