"""V6.1.1, V6.3.1: failed logins are throttled per account and address, per address and per account,
counted in the database; a block lifts when the window passes and cannot be prolonged by more attempts."""
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import create_app
from portal.auth.models import LoginAttempt
from portal.extensions import db
from tests.auth.test_accounts import BAD_LOGIN
from tests.conftest import PASSWORD, _config

THROTTLED = "登录尝试次数过多，请 15 分钟后再试"


def attempt(client, username="reporter", password=PASSWORD, address="10.0.0.1", agent="Test/1.0"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers={"User-Agent": agent})


def fail(client, times, **where):
    for _ in range(times):
        response = attempt(client, password="wrong-password", **where)
        assert BAD_LOGIN in response.get_data(as_text=True)


def attempts() -> list[tuple[str, str, str, str]]:
    db.session.expire_all()
    return [(row.username, row.address, row.user_agent, row.outcome)
            for row in db.session.scalars(select(LoginAttempt).order_by(LoginAttempt.id))]


def age_attempts(minutes: int, outcome: str | None = None) -> None:
    """Moves recorded attempts into the past, as if the clock had run on."""
    query = select(LoginAttempt)
    for row in db.session.scalars(query.where(LoginAttempt.outcome == outcome) if outcome else query):
        row.at -= timedelta(minutes=minutes)
    db.session.commit()


def test_after_the_limit_even_the_right_password_is_refused_and_logged(app, client, world, caplog):
    caplog.set_level(logging.INFO, logger="portal.auth")
    fail(client, 5, username="Reporter")
    response = attempt(client)
    assert response.status_code == 200
    assert f'<p class="error" role="alert">{THROTTLED}</p>' in response.get_data(as_text=True)
    assert client.get("/unit").status_code == 302
    assert attempts() == [("reporter", "10.0.0.1", "Test/1.0", "failure")] * 5 + [
        ("reporter", "10.0.0.1", "Test/1.0", "throttled")]
    line = "login {}: username='reporter' address='10.0.0.1' agent='Test/1.0'"
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", line.format("failure"))] * 5 + [("WARNING", line.format("throttled"))]
    assert db.session.scalar(select(LoginAttempt.at).where(LoginAttempt.outcome == "throttled")).tzinfo is not None


def test_the_block_lifts_when_the_window_passes(app, client, world):
    fail(client, 5)
    age_attempts(10)
    assert "请 5 分钟后再试" in attempt(client).get_data(as_text=True)
    age_attempts(6)
    assert attempt(client).status_code == 302
    assert attempts()[-1][3] == "success"


def test_hammering_during_a_block_does_not_prolong_it(app, client, world):
    fail(client, 5)
    age_attempts(10)
    for _ in range(5):
        assert "请 5 分钟后再试" in attempt(client, password="wrong-password").get_data(as_text=True)
    age_attempts(6)
    # The failures are out of the window; the refused attempts since are not failures.
    assert [row[3] for row in attempts()] == ["failure"] * 5 + ["throttled"] * 5
    assert attempt(client).status_code == 302


def test_a_success_is_logged_and_blocks_nobody_else(app, client, world, caplog):
    fail(client, 5)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="portal.auth"):
        # Another account from the same address, and the same account from another address.
        assert attempt(app.test_client(), username="signer").status_code == 302
        assert attempt(app.test_client(), address="10.0.0.2").status_code == 302
    assert [r.getMessage() for r in caplog.records] == [
        "login success: username='signer' address='10.0.0.1' agent='Test/1.0'",
        "login success: username='reporter' address='10.0.0.2' agent='Test/1.0'"]


def test_a_typed_newline_cannot_forge_a_log_line(app, client, world, caplog):
    with caplog.at_level(logging.INFO, logger="portal.auth"):
        attempt(client, username="x\nlogin success: username='admin'")
    assert "\n" not in caplog.text.strip()


def test_one_address_trying_many_accounts_is_throttled(app, client, world):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 4
    for username in ("editor", "leader", "signer", "admin"):
        fail(client, 1, username=username)
    assert THROTTLED in attempt(client).get_data(as_text=True)
    assert attempt(client, address="10.0.0.9").status_code == 302


def test_many_addresses_at_one_account_cannot_lock_the_owner_out_of_a_known_address(app, world):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 4
    # The owner's usual address: a successful login last week.
    assert attempt(app.test_client(), address="10.0.0.1").status_code == 302
    age_attempts(60 * 24 * 7)
    for number in range(4):
        fail(app.test_client(), 1, address=f"203.0.113.{number}")
    # A fresh address (the attacker's next one, or the owner travelling) waits out the window...
    assert THROTTLED in attempt(app.test_client(), address="198.51.100.7").get_data(as_text=True)
    # ...the owner's usual address does not.
    assert attempt(app.test_client(), address="10.0.0.1").status_code == 302


def test_made_up_usernames_from_an_office_address_do_not_lock_out_its_known_accounts(app, world):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 5
    office = "10.8.0.1"  # the office's one NAT address
    assert attempt(app.test_client(), address=office).status_code == 302  # the reporter works here
    for number in range(5):
        fail(app.test_client(), 1, username=f"made_up_{number}", address=office)
    # The reporter, known at this address, still gets in with the right password...
    assert attempt(app.test_client(), address=office).status_code == 302
    # ...an account never seen here waits out the window, and so does a guesser at the known account.
    assert THROTTLED in attempt(app.test_client(), username="editor", address=office).get_data(as_text=True)
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS"] = 2
    fail(app.test_client(), 2, address=office)
    assert THROTTLED in attempt(app.test_client(), address=office).get_data(as_text=True)


def test_limits_follow_the_configuration(app, client, world):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS"] = 2
    app.config["LOGIN_WINDOW_MINUTES"] = 60
    fail(client, 2)
    assert "请 60 分钟后再试" in attempt(client).get_data(as_text=True)


def test_a_long_user_agent_is_truncated(app, client, world):
    attempt(client, agent="Mozilla/5.0 " + "x" * 500)
    assert len(attempts()[0][2]) == 200


@pytest.fixture
def proxied_app(app, tmp_path):
    """The same database behind a proxy that appends the client's address to X-Forwarded-For."""
    proxied = create_app(_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path) | {"TRUSTED_PROXIES": 1})
    with proxied.app_context():
        yield proxied
        db.session.remove()
        db.engine.dispose()


def test_behind_a_proxy_the_forwarded_address_counts(proxied_app, world):
    client = proxied_app.test_client()
    for number in range(5):
        client.post("/login", data={"username": "reporter", "password": "wrong-password"},
                    environ_base={"REMOTE_ADDR": "127.0.0.1"},
                    headers={"X-Forwarded-For": f"1.2.3.4, 10.0.0.{number}"})
    assert [row[1] for row in attempts()] == [f"10.0.0.{number}" for number in range(5)]


def test_without_proxy_fix_a_forwarded_header_is_ignored(app, client, world):
    client.post("/login", data={"username": "reporter", "password": "wrong-password"},
                environ_base={"REMOTE_ADDR": "10.0.0.1"}, headers={"X-Forwarded-For": "6.6.6.6"})
    assert attempts()[0][1] == "10.0.0.1"



@pytest.mark.parametrize("peer", ["203.0.113.9", "10.0.0.7", "::ffff:203.0.113.9"])
def test_a_forwarded_address_from_a_peer_that_is_not_the_proxy_is_ignored(proxied_app, world, peer):
    client = proxied_app.test_client()
    client.post("/login", data={"username": "reporter", "password": "wrong-password"},
                environ_base={"REMOTE_ADDR": peer}, headers={"X-Forwarded-For": "6.6.6.6",
                                                            "X-Forwarded-Proto": "https"})
    assert attempts()[0][1] == peer


def test_the_proxy_addresses_are_a_setting(app, world, tmp_path):
    proxied = create_app(_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path) | {
        "TRUSTED_PROXIES": 1, "TRUSTED_PROXY_ADDRESSES": "10.1.0.0/24, 10.2.0.5"})
    client = proxied.test_client()
    with proxied.app_context():
        for peer, seen in (("10.1.0.20", "1.2.3.4"), ("10.2.0.5", "1.2.3.4"), ("10.2.0.6", "10.2.0.6"),
                           ("127.0.0.1", "127.0.0.1")):
            client.post("/login", data={"username": "reporter", "password": "wrong-password"},
                        environ_base={"REMOTE_ADDR": peer}, headers={"X-Forwarded-For": "1.2.3.4"})
            assert attempts()[-1][1] == seen, peer
        db.session.remove()
        db.engine.dispose()
