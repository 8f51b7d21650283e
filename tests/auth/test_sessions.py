"""V7, V3.3: server-side sessions (fresh at login, idle and absolute timeouts, revoked by logout, password
change, deactivation, reset and an admin's sign-out), cookie flags, and CSRF tokens without a clock."""
import re
from datetime import timedelta

import pytest
from flask import g
from flask_login.utils import encode_cookie
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from portal.auth.hooks import STALE_PAGE_MESSAGE
from portal.auth.models import UserSession
from portal.auth.sessions import ABSOLUTE_MESSAGE, IDLE_MESSAGE, REVOKED_MESSAGE
from portal.extensions import db, utcnow
from tests.auth.test_accounts import client_for, flashes
from tests.conftest import PASSWORD, login

# Date-sensitive: .ci/run runs these again at period, quarter and year ends.
pytestmark = pytest.mark.calendar


def rows(user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                                   .order_by(UserSession.created_at)))


def age(user, **deltas) -> None:
    """Moves the user's sessions into the past: created_at=..., last_seen_at=... (timedeltas)."""
    for row in rows(user):
        for column, delta in deltas.items():
            setattr(row, column, getattr(row, column) - delta)
    db.session.commit()


def logged_out(client, message=None) -> bool:
    response = client.get("/unit")
    out = response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    return out and (message is None or ("info", message) in flashes(client))


# ---- a fresh session at login ----------------------------------------------------------------------

def test_login_starts_a_fresh_server_side_session(app, client, world):
    with client.session_transaction() as session:
        session["planted"] = "left by someone before the login"
        session["sid"] = "chosen-by-an-attacker"
    client.post("/login", data={"username": "reporter", "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "10.1.2.3"}, headers={"User-Agent": "Phone/2.0"})
    with client.session_transaction() as session:
        assert "planted" not in session and session["sid"] != "chosen-by-an-attacker"
        first = session["sid"]
    (row,) = rows(world.reporter)
    assert (row.address, row.user_agent, row.revoked_at) == ("10.1.2.3", "Phone/2.0", None)
    assert first not in row.id  # the table keeps a digest, not the token
    client.post("/logout")
    login(client, world.reporter)
    with client.session_transaction() as session:
        assert session["sid"] != first
    assert len(rows(world.reporter)) == 2


def test_a_login_cookie_without_its_session_row_counts_for_nothing(app, world):
    client = client_for(app, world.reporter)
    with client.session_transaction() as session:
        del session["sid"]
    assert logged_out(client)
    other = client_for(app, world.signer)
    with other.session_transaction() as session:
        stolen = session["sid"]
    client = client_for(app, world.reporter)
    with client.session_transaction() as session:
        session["sid"] = stolen  # another user's live session
    assert logged_out(client)


def test_remember_me_cookie_does_not_bypass_the_session(app, world):
    client = app.test_client()
    with app.test_request_context():
        client.set_cookie("remember_token", encode_cookie(str(world.reporter.id)))
    assert logged_out(client)


# ---- timeouts -----------------------------------------------------------------------------------------

def test_idle_timeout(app, world):
    client = client_for(app, world.reporter)
    age(world.reporter, last_seen_at=timedelta(minutes=29))
    assert client.get("/unit").status_code == 200
    age(world.reporter, last_seen_at=timedelta(minutes=31))
    assert logged_out(client, IDLE_MESSAGE)
    login_page = client.get("/login").get_data(as_text=True)
    assert "登录" in login_page
    assert logged_out(client, "请先登录")  # the session is gone from the cookie too


def test_idle_timeout_follows_the_configuration(app, world):
    app.config["SESSION_IDLE_MINUTES"] = 5
    client = client_for(app, world.reporter)
    age(world.reporter, last_seen_at=timedelta(minutes=6))
    assert logged_out(client, IDLE_MESSAGE)


def test_absolute_timeout_however_active(app, world):
    client = client_for(app, world.reporter)
    age(world.reporter, created_at=timedelta(hours=11, minutes=59))
    assert client.get("/unit").status_code == 200
    age(world.reporter, created_at=timedelta(minutes=2))
    assert logged_out(client, ABSOLUTE_MESSAGE)


def test_last_seen_is_written_at_most_once_a_minute(app, world):
    client = client_for(app, world.reporter)
    age(world.reporter, last_seen_at=timedelta(seconds=30))
    before = rows(world.reporter)[0].last_seen_at
    client.get("/unit")
    assert rows(world.reporter)[0].last_seen_at == before
    age(world.reporter, last_seen_at=timedelta(seconds=60))
    client.get("/unit")
    assert rows(world.reporter)[0].last_seen_at > before + timedelta(seconds=25)


# ---- revocation -----------------------------------------------------------------------------------------

def test_logout_revokes_the_session_on_the_server(app, world):
    client = client_for(app, world.reporter)
    cookie = client.get_cookie("session").value
    client.post("/logout")
    assert rows(world.reporter)[0].revoked_at is not None
    # The cookie as it was before logout (kept by a thief, or a shared computer's browser) is dead.
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert logged_out(replay, REVOKED_MESSAGE)


def test_password_change_ends_the_other_sessions_only(app, world):
    phone, desk = client_for(app, world.reporter), client_for(app, world.reporter)
    response = desk.post("/account/password", data={"current": PASSWORD, "new": "a-new-secret-1",
                                                    "confirm": "a-new-secret-1"})
    assert response.status_code == 302
    assert desk.get("/unit").status_code == 200
    assert logged_out(phone, REVOKED_MESSAGE)


def test_deactivation_revokes_every_session(app, world):
    client = client_for(app, world.reporter)
    admin = client_for(app, world.admin)
    admin.post(f"/admin/users/{world.reporter.id}/active")
    assert all(row.revoked_at for row in rows(world.reporter))
    admin.post(f"/admin/users/{world.reporter.id}/active")  # enabled again: the old session stays dead
    assert logged_out(client)


def test_admin_reset_revokes_every_session(app, world):
    client = client_for(app, world.reporter)
    client_for(app, world.admin).post(f"/admin/users/{world.reporter.id}/reset-password")
    assert logged_out(client, REVOKED_MESSAGE)


def test_admin_signs_a_user_out_everywhere(app, world):
    phone, desk = client_for(app, world.reporter), client_for(app, world.reporter)
    other = client_for(app, world.signer)
    admin = client_for(app, world.admin)
    page = admin.get(f"/admin/users/{world.reporter.id}/edit").get_data(as_text=True)
    assert "当前有 2 个有效的登录会话" in page and "确认全部下线" in page
    response = admin.post(f"/admin/users/{world.reporter.id}/sign-out")
    assert response.headers["Location"] == f"/admin/users/{world.reporter.id}/edit"
    assert ("success", f"{world.reporter.name}（reporter）已在所有设备上退出登录") in flashes(admin)
    assert logged_out(phone, REVOKED_MESSAGE) and logged_out(desk, REVOKED_MESSAGE)
    assert other.get("/unit").status_code == 200
    assert "当前有 0 个有效的登录会话" in admin.get(f"/admin/users/{world.reporter.id}/edit").get_data(as_text=True)
    assert client_for(app, world.reporter).get("/unit").status_code == 200  # a new login works


# ---- cookies ------------------------------------------------------------------------------------------

def session_cookie_header(response) -> str:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    return header


@pytest.mark.parametrize(("base_url", "configured", "secure"), [
    ("http://localhost", False, False),
    ("https://localhost", False, True),
    ("http://localhost", True, True),
])
def test_session_cookie_flags(app, world, base_url, configured, secure):
    app.config["SESSION_COOKIE_SECURE"] = configured
    response = app.test_client().post("/login", data={"username": "reporter", "password": PASSWORD},
                                      base_url=base_url)
    header = session_cookie_header(response)
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert ("Secure" in header.split("; ")) is secure


def test_https_through_the_proxy_sets_secure(app, world):
    # gunicorn (deploy/gunicorn.conf.py) turns nginx's X-Forwarded-Proto into the request's scheme.
    response = app.test_client().post("/login", data={"username": "reporter", "password": PASSWORD},
                                      environ_overrides={"wsgi.url_scheme": "https"})
    assert "Secure" in session_cookie_header(response).split("; ")


# ---- CSRF without a clock -----------------------------------------------------------------------------

class TwoHoursAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(utcnow().timestamp()) - 2 * 3600


def csrf_token_from(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def test_a_form_opened_hours_ago_still_submits(app, world):
    app.config["WTF_CSRF_ENABLED"] = True

    @app.before_request
    def _forget_cached_token():
        # As conftest's hook for the user: the test's shared `g` would keep the first request's token.
        g.pop("csrf_token", None)

    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "reporter", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    client.get("/account/password")
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    # The token the form got two hours ago: Flask-WTF's own format, signed with a clock two hours back.
    old_token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=TwoHoursAgo).dumps(raw)
    data = {"current": PASSWORD, "new": "still-my-form-2026", "confirm": "still-my-form-2026", "csrf_token": old_token}
    assert client.post("/account/password", data=data).status_code == 302
    forged = client.post("/account/password", data=data | {"csrf_token": "forged"})
    assert forged.status_code == 302 and forged.headers["Location"] == "/account/password"  # nothing changed

    # The same token under a one-hour limit would have expired: this is what the setting prevents.
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    refused = client.post("/account/password", data=data | {"current": "still-my-form-2026"})
    assert refused.status_code == 302 and ("error", STALE_PAGE_MESSAGE) in flashes(client)
