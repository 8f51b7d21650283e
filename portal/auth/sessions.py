"""Server-side sessions: the cookie carries a random token, the user_sessions row decides whether it
still counts (idle and absolute timeouts, revocation by logout, password change or an admin)."""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db, keep_login_read, prepared, utcnow, write_transaction
from ..notifications.services import UNREAD, unread_count_column
from ..units.office import OFFICE_VERSION, office_version_column
from .models import User, UserSession

SESSION_KEY = "sid"
# last_seen_at is refreshed at most this often: one write a minute per user instead of one per request.
SEEN_RESOLUTION = timedelta(minutes=1)
IDLE_MESSAGE = "长时间未操作，登录已超时，请重新登录"
ABSOLUTE_MESSAGE = "登录时间已超过上限，请重新登录"
REVOKED_MESSAGE = "登录已失效（已退出、修改了密码或被管理员下线），请重新登录"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, address: str, user_agent: str) -> None:
    """A fresh session at login: nothing of the anonymous session (its CSRF token, a planted id) survives."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=_digest(token), user_id=user.id, address=address, user_agent=user_agent))
    session[SESSION_KEY] = token


def current_session_id() -> str | None:
    token = session.get(SESSION_KEY)
    return _digest(token) if isinstance(token, str) else None


def leave_session_notice(text: str) -> None:
    """A text for this session's next page only, kept on its row: a flash message would carry it in the
    cookie, which is signed but readable (an initial password must not travel there)."""
    db.session.execute(update(UserSession).where(UserSession.id == current_session_id()).values(notice=text))


def take_session_notice() -> str | None:
    """The waiting notice of this session, removed as it is read: it is shown once. check_session read
    it with the session's row (no second read per page)."""
    session_id = current_session_id()
    text = g.pop("session_notice", None)
    if not session_id or not text:
        return None
    db.session.commit()  # as check_session: the page's reads end before the short write
    with write_transaction():
        db.session.execute(update(UserSession).where(UserSession.id == session_id).values(notice=None))
        db.session.commit()
    return text


@prepared
def _session_with_user():
    # The login check of every request: one indexed read (the session's row with its user, unit and roles, the
    # office's version and the bell's count).
    return (select(UserSession, User, office_version_column(), unread_count_column())
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.id == bindparam("session_id"), UserSession.user_id == bindparam("user_id"))
            .options(joinedload(User.role_rows)))


def check_session(user_id: int) -> tuple[User | None, str]:
    """The session's user if its row is live, else None and the Chinese reason (empty: no session)."""
    session_id = current_session_id()
    found = db.session.execute(
        _session_with_user(), {"session_id": session_id, "user_id": user_id}).unique().first() if session_id else None
    if found is None:
        return None, ""
    row, user, office_version, unread = found
    keep_login_read(OFFICE_VERSION, office_version)
    keep_login_read(UNREAD, unread)
    g.session_notice = row.notice
    now = utcnow()
    config = current_app.config
    if row.revoked_at is not None:
        return None, REVOKED_MESSAGE
    if now - row.created_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]):
        return None, ABSOLUTE_MESSAGE
    if now - row.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        return None, IDLE_MESSAGE
    if now - row.last_seen_at >= SEEN_RESOLUTION:
        # The user is loaded before the view runs (auth.require_password_change): nothing else is pending
        # here. A transaction of its own that takes the write lock up front: a GET's read transaction
        # never turns into a writer (see configure_sqlite).
        db.session.commit()
        with write_transaction():
            db.session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
            db.session.commit()
    return (user, "") if user.active else (None, "")


def revoke_sessions(user: User, keep_current: bool = False) -> None:
    """Ends the user's sessions on the server; keep_current spares the one making this request."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_current:
        query = query.where(UserSession.id != (current_session_id() or ""))
    db.session.execute(query.values(revoked_at=utcnow()))


def end_session() -> None:
    """Logout: this session's row is revoked and the cookie emptied."""
    session_id = current_session_id()
    if session_id:
        db.session.execute(update(UserSession).where(UserSession.id == session_id).values(revoked_at=utcnow()))
    session.clear()


def count_live_sessions(user: User) -> int:
    now, config = utcnow(), current_app.config
    return db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
        UserSession.created_at > now - timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
        UserSession.last_seen_at > now - timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
    ))


class PortalSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the Secure flag whenever the request came over HTTPS (directly
    or through a proxy that says so), not only when SESSION_COOKIE_SECURE is configured."""

    def get_cookie_secure(self, app) -> bool:
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))
