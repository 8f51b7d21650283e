"""Work that keeps the CPU busy for a while runs with SQLite's write lock free. A POST takes the lock with its
first statement (extensions.configure_sqlite), and every other writer of the office (filings, signings,
logins) waits for whatever runs under it: a yearly bulletin's PDF took seconds, a login's argon2 tens of
milliseconds. Each kind of such work is probed as it starts by a second connection that asks for the write
lock without waiting; the requests that do each kind are walked through the app."""
import io
import sqlite3

import argon2
import docx.document
import openpyxl
import pytest
import weasyprint

import portal.items.photos
from portal.extensions import db
from tests.bulletins.conftest import scenario  # noqa: F401  (the fixture, for a bulletin with figures)
from tests.bulletins.test_publishing import new_draft, publish
from tests.conftest import PASSWORD, jpeg_bytes, login

# Where the heavy work starts: (owner, attribute) of each, patched with a probe.
HEAVY = {
    "argon2 hash": (argon2.PasswordHasher, "hash"),
    "argon2 verify": (argon2.PasswordHasher, "verify"),
    "photo encoding": (portal.items.photos, "encode_photo"),
    "PDF layout": (weasyprint.HTML, "write_pdf"),
    "spreadsheet": (openpyxl.Workbook, "save"),
    "Word file": (docx.document.Document, "save"),
}


@pytest.fixture
def lock_probes(app, monkeypatch):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database")
    path = db.engine.url.database
    seen: dict[str, list[bool]] = {}

    def probed(name, work):
        def run(*args, **kwargs):
            other = sqlite3.connect(path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                seen.setdefault(name, []).append(True)
            except sqlite3.OperationalError:  # database is locked
                seen.setdefault(name, []).append(False)
            finally:
                other.close()
            return work(*args, **kwargs)
        return run

    for name, (owner, attribute) in HEAVY.items():
        monkeypatch.setattr(owner, attribute, probed(name, getattr(owner, attribute)))
    return seen


def test_heavy_work_never_holds_the_write_lock(app, world, scenario, lock_probes):  # noqa: F811
    reporter = app.test_client()
    login(reporter, world.reporter)  # argon2 verify
    response = reporter.post("/account/password", data={
        "current": PASSWORD, "new": "防汛演练入户走访一百二十户", "confirm": "防汛演练入户走访一百二十户"})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = reporter.post("/items/new", content_type="multipart/form-data", data={
        "title": "幸福社区开展防汛演练", "body": "社区组织居民开展防汛演练。", "category": "work",
        "follow_up_of_id": "0", "solicitation_id": "0", "event_end": "", "intent": "send", "form_key": "b" * 32,
        "photos": [(io.BytesIO(jpeg_bytes((640, 480))), "现场.jpg")]})
    assert response.status_code == 302, response.get_data(as_text=True)

    admin = app.test_client()
    login(admin, world.admin)
    response = admin.post("/admin/users/new", data={
        "username": "wangfang", "name": "王芳", "unit_id": str(world.own.id), "roles": ["reporter"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert admin.post(f"/admin/users/{world.other_reporter.id}/reset-password").status_code == 302

    editor = app.test_client()
    login(editor, world.editor)
    publish(editor, new_draft(editor, scenario))  # its PDF, spreadsheet and Word file

    assert set(lock_probes) == set(HEAVY), f"not walked: {set(HEAVY) - set(lock_probes)}"
    held = {name: outcomes.count(False) for name, outcomes in lock_probes.items() if not all(outcomes)}
    assert held == {}, f"ran while holding SQLite's write lock (times): {held}"
