"""Accounts: password hashing, login, and the admin's account operations."""
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from ..audit.services import record_event, snapshot
from ..extensions import db, utcnow
from .models import ROLES, UNIT_ROLES, User, UserRole


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


class AccountError(ValueError):
    """A user-facing refusal, worded in Chinese."""


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def authenticate_user(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    hasher = _hasher()
    try:
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
                email: str | None = None) -> User:
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError("该用户名已被使用")
    user = User(username=username, name=name, unit_id=unit_id, phone=phone, email=email, active=True,
                password_hash=hash_password(password))
    set_roles(user, roles)
    db.session.add(user)
    record_event(None, "user.create", user, f"新建账号 {username}（{name}）", new=snapshot(user, *_AUDITED))
    return user


# What an account change is audited by; the password hash never enters the log.
_AUDITED = ("username", "name", "unit_id", "roles", "phone", "email", "active")


def update_user(user: User, name: str, unit_id: int, roles: list[str], phone: str, email: str | None) -> None:
    before = snapshot(user, *_AUDITED)
    user.name, user.unit_id, user.phone, user.email = name, unit_id, phone, email
    set_roles(user, roles)
    record_event(None, "user.update", user, f"修改账号 {user.username}", before, snapshot(user, *_AUDITED))


def reset_password(user: User) -> str:
    password = generate_password()
    user.password_hash = hash_password(password)
    record_event(None, "user.reset_password", user, f"重置账号 {user.username} 的密码")
    return password


def change_password(user: User, current: str, new: str) -> None:
    try:
        _hasher().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("当前密码不正确") from None
    user.password_hash = hash_password(new)
    record_event(user, "user.change_password", user, "修改本人密码")


def set_user_active(user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise AccountError("不能停用自己的账号")
    before = snapshot(user, "active")
    user.active = active
    record_event(actor, "user.activate" if active else "user.deactivate", user,
                 f"{'启用' if active else '停用'}账号 {user.username}", before, snapshot(user, "active"))


def list_users(unit_id: int | None = None) -> list[User]:
    query = select(User).order_by(User.unit_id, User.username)
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    return list(db.session.scalars(query))


def list_users_with_role(role: str, unit_id: int | None = None) -> list[User]:
    query = select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return list(db.session.scalars(query.order_by(User.id)))


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
