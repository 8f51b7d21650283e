from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow

ROLES = {
    "reporter": "信息员",
    "signer": "单位负责人",
    # 主管领导: the second sign-off the rule set asks for some categories (the 长春 method: 调研).
    "supervisor": "主管领导",
    "editor": "办公室编辑",
    "admin": "管理员",
    "viewer": "领导（只读）",
}
# Login names: ASCII, typed on any phone keyboard.
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
# The roles that answer for a unit: notices to a unit go to them.
UNIT_ROLES = ("reporter", "signer")
# The roles that sign a unit's items off before they reach the office.
SIGNOFF_ROLES = ("signer", "supervisor")
# Every role whose reach ends at the user's own unit. A 主管领导 sees the unit's items once sent for
# sign-off but answers for nothing else (solicitations, the roster and unit notices are not theirs).
UNIT_SCOPED_ROLES = (*UNIT_ROLES, "supervisor")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    # Optional: notices are also e-mailed here when the portal has an SMTP server configured.
    email: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set for a password someone else chose (an admin's new account or reset): every page then leads to
    # the password change until the owner picks their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    unit = relationship("Unit", lazy="joined")
    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def has_any_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_names(self) -> str:
        return "、".join(ROLES[key] for key in ROLES if key in self.roles)


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class UserSession(db.Model):
    """One login on one browser. The signed cookie only names it; this row decides whether it still
    counts, so logout, a password change or an admin can end it on the server."""

    __tablename__ = "user_sessions"

    # SHA-256 of the random token kept in the cookie: a copy of this table does not let anyone sign in.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    # A text for this session's next page only (an initial password): kept here, never in the cookie.
    notice: Mapped[str | None] = mapped_column(Text)


class LoginAttempt(db.Model):
    """Every login attempt: the throttle counts recent failures here, so the limits hold across all
    server processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # As typed (normalised to lower case), whether or not such an account exists.
    username: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    # success, failure (wrong password, unknown or deactivated account) or throttled (not checked at all)
    outcome: Mapped[str] = mapped_column(String(10))
