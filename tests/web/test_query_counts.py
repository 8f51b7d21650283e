"""No N+1: each main page runs the same number of SQL statements whether it lists a few rows or many; the
busy hour's pages keep to a budget of statements."""
import io

import pytest
from sqlalchemy import event
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.items.services import transition_item
from tests.conftest import jpeg_bytes, login
from tests.photo_tools import store_photo


def statements_of(client, url: str) -> list[str]:
    # A real request starts with an empty identity map (the tests share one session: the expired test
    # user may be refreshed, two statements a real request does not run).
    db.session.expire_all()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        # A transaction's BEGIN is the driver's: SQLite's goes through here (configure_sqlite), psycopg
        # sends its own. Counted on neither, so a budget holds on both databases.
        if statement not in ("BEGIN", "BEGIN IMMEDIATE"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return statements


def count_queries(client, url: str) -> int:
    return len(statements_of(client, url))


def file_items(make, world, count: int) -> None:
    for index in range(count):
        author, signer = (world.reporter, world.signer) if index % 2 else (world.other_reporter, world.other_signer)
        make.item(author, ["submitted", "adopted", "in_review"][index % 3], signer=signer, editor=world.editor)


PAGES = {
    "reporter": ["/unit", "/items", "/notifications", "/editions", "/bulletins", "/solicitations/inbox"],
    "editor": ["/inbox", "/scores", "/editions", "/bulletins", "/solicitations", "/notifications"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_page_query_counts_do_not_grow_with_the_rows_listed(app, make, world, role):
    user = getattr(world, role)
    client = app.test_client()
    login(client, user)
    file_items(make, world, 3)
    for url in PAGES[role]:
        count_queries(client, url)  # warm: stored scores and caches settle
    few = {url: count_queries(client, url) for url in PAGES[role]}
    file_items(make, world, 12)
    for url in PAGES[role]:
        count_queries(client, url)
    many = {url: count_queries(client, url) for url in PAGES[role]}
    assert many == few


def test_item_page_query_count_does_not_grow_with_its_photos_and_history(app, make, world):
    client = app.test_client()
    login(client, world.editor)
    plain = make.item(world.reporter, "in_review", signer=world.signer, editor=world.editor)
    busy = make.item(world.reporter, "draft")
    for position in range(5):
        upload = FileStorage(io.BytesIO(jpeg_bytes((40, 30))), filename=f"现场{position}.jpg")
        store_photo(upload, world.reporter.id, busy.form_key, busy.id, position)
    db.session.commit()
    for action, actor in (("send", world.reporter), ("return", world.signer), ("send", world.reporter),
                          ("sign", world.signer), ("accept", world.editor)):
        with app.test_request_context(method="POST"):
            transition_item(busy, actor, action, comment="请补充数据")
        db.session.commit()
    count_queries(client, f"/items/{plain.id}")  # warm
    assert count_queries(client, f"/items/{busy.id}") == count_queries(client, f"/items/{plain.id}")


# The busy hour's pages (bench/locustfile.py) and the SQL statements each may run, login check included:
# a new query on one of them is a deliberate change of this number.
BUSY_PAGE_BUDGETS = {
    # /unit and /items/new: the sign-off roles the rule set requires and those the unit holds (a reporter
    # is warned before 送审签 when nobody would sign). /unit, /scores/mine and /scores: what they derive from
    # the stored scores is kept under their versions; /unit, /items and the signer's menu count: the unit's
    # lists and counts under its items version; what every unit's pages show alike of the office (the rule set's
    # sign-off and year, the priority, the contact, the roster request, the open solicitations, the roles held,
    # the year's targets and the units' tiers)
    # under the office's version, read by the login check with the bell's count (the second view of each counts).
    "reporter": {"/unit": 4, "/items": 3, "/scores/mine": 7, "/items/new": 6},
    "signer": {"/signoff": 5},  # with what waits for the 主管领导, in one read
    "editor": {"/inbox?status=submitted&category=work": 7, "/scores": 7},  # and the tiers, one table each
}


# Measured mid-period, where the pages do the most (outside the period the score page draws no chart).
@pytest.mark.now("2026-06-10T10:00+08:00")
@pytest.mark.parametrize("role", sorted(BUSY_PAGE_BUDGETS))
def test_busy_pages_keep_their_statement_budget_and_check_the_login_in_one_read(app, make, world, role):
    client = app.test_client()
    login(client, getattr(world, role))
    file_items(make, world, 6)
    for number in range(3):
        make.item(world.reporter, "awaiting_signoff", signer=world.signer)
    for url in BUSY_PAGE_BUDGETS[role]:
        statements_of(client, url)  # warm: stored scores settle
    counts = {}
    for url in BUSY_PAGE_BUDGETS[role]:
        statements = statements_of(client, url)
        counts[url] = len(statements)
        # The login check: the session's row with its user and roles, one statement.
        checks = [statement for statement in statements if "FROM user_sessions" in statement]
        assert len(checks) == 1 and "JOIN users" in checks[0] and "user_roles" in checks[0], url
        # A page's total is counted off the indexes: a count over a subquery naming the rows' columns made
        # SQLite read each row past its long text (40–190 ms for a city's inbox).
        assert not [statement for statement in statements if "count(*)" in statement and ".body" in statement], url
    assert counts == BUSY_PAGE_BUDGETS[role]


def test_the_dashboard_reads_stored_quotas_and_runs_no_engine(app, make, world):
    client = app.test_client()
    login(client, world.reporter)
    file_items(make, world, 6)
    client.get("/scores/mine")  # stores the scores, as the timer does all day
    statements = statements_of(client, "/unit")
    assert any("unit_scores.quotas" in statement for statement in statements)
    # The engine's facts (a unit's adoptions with their channels, its instructions) are not read.
    assert not any("FROM instructions" in statement for statement in statements)


def test_sign_off_queue_query_count_does_not_grow_with_the_queue(app, make, world):
    client = app.test_client()
    login(client, world.signer)
    make.item(world.reporter, "awaiting_signoff", signer=world.signer)
    count_queries(client, "/signoff")  # warm
    few = count_queries(client, "/signoff")
    for _ in range(4):
        make.item(world.reporter, "awaiting_signoff", signer=world.signer)
    count_queries(client, "/signoff")  # the same warm-up: the test's own transaction begins here
    assert count_queries(client, "/signoff") == few


# The login check's refresh of the expired test user included, as in BUSY_PAGE_BUDGETS; the active rule set's
# vocabulary, the adoption form's channels and the office's own channel's name are kept under the office's version;
# the duplicate mark, 综合 and warning reviews are read only when one read says the item has them.
ITEM_PAGE_BUDGET = 16


@pytest.mark.now("2026-06-10T10:00+08:00")
def test_the_office_item_page_keeps_its_statement_budget_and_reads_each_record_once(app, make, world):
    """The busy hour's item page (the office opens what arrived): an adopted item with its records panel,
    similar items and history. Each table is read once: the page once read the item's adoptions for a
    variable no template used, beside the records panel's own."""
    client = app.test_client()
    login(client, world.editor)
    item = make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)
    statements_of(client, f"/items/{item.id}")  # warm: stored scores settle
    statements = statements_of(client, f"/items/{item.id}")
    assert len([statement for statement in statements if "FROM adoptions" in statement]) == 1
    assert len(statements) == ITEM_PAGE_BUDGET

