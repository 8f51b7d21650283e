"""The fault test: a real server (gunicorn) on loopback is killed with SIGKILL in the middle of a burst
of concurrent item submissions. After a restart the clients retry what was never acknowledged, with
the same form keys: every acknowledged submission is there exactly once, no form key filed twice,
and SQLite's integrity check passes. Bounded: 36 submissions, well under 30 seconds."""
import http.client
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from portal import create_app
from portal.auth.services import create_user
from portal.extensions import db
from portal.units.services import save_unit
from tests.conftest import DATABASE_URL, PASSWORD

pytestmark = pytest.mark.skipif(bool(DATABASE_URL), reason="the fault test runs its own server on a SQLite file")

ROOT = Path(__file__).resolve().parent.parent
REPORTERS, PER_REPORTER = 4, 9
KILL_AFTER = 10  # acknowledged submissions before the server is killed
DEADLINE = 60  # seconds for any one wait, so a stuck server fails the test instead of hanging it
ITEM_URL = re.compile(r"/items/(\d+)$")


def free_port() -> int | None:
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]
    except OSError:
        return None


class Server:
    """gunicorn with two workers of four threads (the app loaded once, before the fork, to start fast);
    killed as a process group."""

    def __init__(self, config: dict, port: int, log: Path):
        self.config, self.port, self.log, self.process = config, port, log, None

    def start(self) -> None:
        factory = f"portal:create_app({self.config!r})"
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("PORTAL_") and key != "DATABASE_URL"}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
                 "--worker-class", "gthread", "--threads", "4", "--timeout", "30", "--preload", factory],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server did not start:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                if request(self.port, "GET", "/login")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail("the server did not answer within the deadline")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # master and workers at once: a crash, no shutdown
        self.process.wait(timeout=DEADLINE)


def request(port: int, method: str, path: str, form: dict | None = None, cookie: str = ""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location") or "", response.getheader("Set-Cookie") or ""
    finally:
        connection.close()


def log_in(port: int, username: str) -> str:
    status, location, set_cookie = request(port, "POST", "/login", {"username": username, "password": PASSWORD})
    assert status == 302 and not location.endswith("/login"), f"login of {username} failed: {status}"
    morsel = SimpleCookie(set_cookie)["session"]
    return f"session={morsel.value}"


def submission(form_key: str, number: int) -> dict:
    return {"form_key": form_key, "title": f"故障测试信息{number}", "body": "服务器中途被强行终止后，本条信息应恰好保存一次。",
            "category": "work", "follow_up_of_id": "0", "event_end": "", "intent": "save"}


def submit(port: int, cookie: str, form_key: str, number: int) -> int | None:
    """The id of the filed item once the server acknowledged it (a redirect to it), else None."""
    try:
        status, location, _ = request(port, "POST", "/items/new", submission(form_key, number), cookie)
    except (OSError, http.client.HTTPException):
        return None  # refused, reset or cut off: not acknowledged
    match = ITEM_URL.search(location)
    return int(match.group(1)) if status == 302 and match else None


@pytest.fixture
def fault_instance(migrated_database, tmp_path):
    """A fresh migrated SQLite file with one unit and its reporters."""
    port = free_port()
    if port is None:
        pytest.skip("no loopback port can be bound here")
    database = tmp_path / "portal.db"
    shutil.copyfile(migrated_database.removeprefix("sqlite:///"), database)
    config = {"SECRET_KEY": "fault-test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
              "UPLOAD_FOLDER": str(tmp_path / "uploads"), "WTF_CSRF_ENABLED": False,
              "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}}
    app = create_app(config)
    with app.app_context():
        unit = save_unit(None, name="故障测试社区", kind="community", parent_id=None, tier_id=None, active=True,
                         sort_order=0)
        db.session.flush()
        names = [f"fault{number}" for number in range(REPORTERS)]
        for name in names:
            create_user(name, name, unit.id, ["reporter"], PASSWORD)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return Server(config, port, tmp_path / "server.log"), database, names


def test_killed_server_loses_no_acknowledged_submission_and_files_none_twice(fault_instance):
    server, database, names = fault_instance
    server.start()
    cookies = {name: log_in(server.port, name) for name in names}
    keys = {name: [uuid.uuid4().hex for _ in range(PER_REPORTER)] for name in names}
    acknowledged: dict[str, int] = {}
    lock, enough = threading.Lock(), threading.Event()

    def burst(name: str) -> None:
        for number, form_key in enumerate(keys[name]):
            item_id = submit(server.port, cookies[name], form_key, number)
            if item_id is not None:
                with lock:
                    acknowledged[form_key] = item_id
                    if len(acknowledged) >= KILL_AFTER:
                        enough.set()

    threads = [threading.Thread(target=burst, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    assert enough.wait(DEADLINE), "the server acknowledged too few submissions before the deadline"
    server.kill()
    for thread in threads:
        thread.join(DEADLINE)
    first_burst = dict(acknowledged)
    unacknowledged = [(name, number, key) for name in names for number, key in enumerate(keys[name])
                      if key not in first_burst]
    assert unacknowledged, "the kill came after the whole burst: it proves nothing"

    server.start()
    try:
        cookies = {name: log_in(server.port, name) for name in names}
        retried = {key: submit(server.port, cookies[name], key, number) for name, number, key in unacknowledged}
    finally:
        server.kill()
    assert all(item_id is not None for item_id in retried.values()), "a retry after the restart was refused"

    connection = sqlite3.connect(database)
    try:
        stored = dict(connection.execute("SELECT form_key, id FROM items").fetchall())
        per_key = connection.execute("SELECT form_key, COUNT(*) FROM items GROUP BY form_key HAVING COUNT(*) > 1")
        assert per_key.fetchall() == []
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        connection.close()
    # Every acknowledged submission survived the kill under the id it was acknowledged with...
    assert {key: stored.get(key) for key in first_burst} == first_burst
    # ...and every retry found or filed exactly one item: one row per form key, nothing else.
    assert stored == first_burst | retried
    assert len(stored) == REPORTERS * PER_REPORTER
