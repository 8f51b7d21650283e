"""The busy hour's pages and writes find their rows by index: no statement walks a whole table that grows
with the years (items, notices, adoptions, the audit log …). A missing index shows nowhere in a test world
of a few rows, only in a real office's second year, and inside the write lock everyone waits for.

SQLite's own plans (EXPLAIN QUERY PLAN) of every statement a request runs, with its parameters."""
import io

import pytest
from sqlalchemy import event

from portal.extensions import db
from tests.conftest import jpeg_bytes, login
from tests.web.test_query_counts import BUSY_PAGE_BUDGETS, file_items

# Tables that grow with every filing, notice or page view. The others hold the office's set-up (units,
# users, rule sets, publications, tiers): a walk of them is a few hundred rows at most.
GROWING = {"items", "item_events", "item_photos", "notifications", "deliveries", "adoptions", "instructions",
           "feedback", "audit_events", "similarities", "item_features", "duplicate_marks", "combinations",
           "user_sessions", "login_attempts", "unit_scores", "solicitation_targets", "warning_reviews",
           "edition_entries"}


def full_walks(client, method: str, url: str, **kwargs) -> list[str]:
    """The plan lines of the request's statements that walk a growing table without an index."""
    statements = []

    def record(_conn, _cursor, statement, parameters, _context, executemany):
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            statements.append((statement, parameters))

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = getattr(client, method)(url, **kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code in (200, 302), url
    walks = []
    connection = db.session.connection()  # the tests' one session: another connection would wait for its lock
    for statement, parameters in statements:
        for *_ids, detail in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters):
            words = detail.split()
            if words[0] == "SCAN" and words[1] in GROWING and "INDEX" not in words:
                walks.append(f"{detail}: {' '.join(statement.split())[:200]}")
    return walks


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plans; PostgreSQL plans by its statistics")


@pytest.mark.now("2026-06-10T10:00+08:00")
@pytest.mark.parametrize("role", sorted(BUSY_PAGE_BUDGETS))
def test_busy_pages_walk_no_growing_table(app, make, world, sqlite_only, role):
    client = app.test_client()
    login(client, getattr(world, role))
    file_items(make, world, 4)
    for url in BUSY_PAGE_BUDGETS[role]:
        client.get(url)  # warm: the stored scores' full run (which reads every adoption) is the timer's work
    for url in BUSY_PAGE_BUDGETS[role]:
        assert full_walks(client, "get", url) == [], url


@pytest.mark.now("2026-06-10T10:00+08:00")
def test_filing_and_signing_walk_no_growing_table(app, make, world, sqlite_only):
    reporter, signer = app.test_client(), app.test_client()
    login(reporter, world.reporter)
    login(signer, world.signer)
    file_items(make, world, 4)
    form = {"title": "幸福社区开展消防安全检查", "category": "work", "body": "组织志愿者检查12栋高层住宅的消防通道。",
            "follow_up_of_id": "0", "solicitation_id": "0", "intent": "send", "form_key": "f" * 32}
    photo = {"photos": (io.BytesIO(jpeg_bytes((400, 300))), "现场.jpg")}
    assert full_walks(reporter, "post", "/items/new", data=form | photo, content_type="multipart/form-data") == []
    waiting = make.item(world.reporter, "awaiting_signoff", signer=world.signer)
    assert full_walks(signer, "post", f"/items/{waiting.id}/act/sign") == []
