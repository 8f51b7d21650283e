"""Fixtures: a real database per test (a migrated SQLite file, or PostgreSQL when DATABASE_URL is
set), the real app and its test client, and factories that go through the services."""
import io
import os
import shutil
from collections import OrderedDict
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
import time_machine
from hypothesis import settings
from jinja2 import BytecodeCache
from flask import Flask, g
from flask_migrate import upgrade
from flask_sqlalchemy import SQLAlchemy
from PIL import Image
from sqlalchemy import create_engine, make_url, text
from werkzeug.routing import Rule

from portal import create_app
from portal.auth.services import create_user, list_users_with_role
from portal.demo import load_demo
from portal.extensions import db, utcnow
from portal.items.services import ItemFields, create_item, transition_item
from portal.items.workflow import needs_second_signoff
from portal.units.services import save_unit
from portal.web.filters import office_today

PASSWORD = "correct-horse-9"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Under pytest-xdist each worker has a PostgreSQL database of its own, named after the given one.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if DATABASE_URL and WORKER:
    DATABASE_URL = str(make_url(DATABASE_URL).set(database=f"{make_url(DATABASE_URL).database}_{WORKER}"))
# Tables the migrations fill with reference data: restored to their seeded rows between tests on
# PostgreSQL; every other table is emptied. Dependants first: rows a test added are deleted in this order.
REFERENCE_TABLES = ("publications", "channels", "rule_sets")
# Totals the database keeps with triggers, which the reset's DELETE (triggers off) leaves alone: zeroed instead.
KEPT_TOTALS = ("decided_counts",)
SEEDED_ROWS: dict[str, list[dict]] = {}

# The moment every test lives at unless it says otherwise: a Wednesday morning in Beijing, inside the
# default rule set's period. PORTAL_TEST_NOW moves the whole suite to another moment, e.g.
# PORTAL_TEST_NOW=2027-01-01T00:30+08:00 make test.
DEFAULT_NOW = "2026-06-10T10:00:00+08:00"


def parse_moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"PORTAL_TEST_NOW needs an offset (e.g. +08:00): {text}")
    return moment


SUITE_NOW = parse_moment(os.environ.get("PORTAL_TEST_NOW") or DEFAULT_NOW)

# Hypothesis: the `ci` profile (the default) keeps the suite within its time; HYPOTHESIS_PROFILE=thorough
# (a nightly or manual run) tries ten times the examples of every property. No example database: runs
# leave no .hypothesis directory behind.
settings.register_profile("ci", deadline=None, database=None)
settings.register_profile("thorough", deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
EXAMPLE_SCALE = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1


def examples(count: int) -> int:
    """A property's number of examples in this profile."""
    return count * EXAMPLE_SCALE


_SUITE_TRAVEL = time_machine.travel(SUITE_NOW, tick=True)


class SharedTemplateCode(BytecodeCache):
    """Every test builds its own app, and each app's Jinja environment would parse and compile every
    template it renders again (about a tenth of a second per test). The apps share one configuration,
    so the compiled code of a template (keyed by name and source checksum) serves them all."""

    def __init__(self):
        self.codes = {}

    def load_bytecode(self, bucket):
        bucket.code = self.codes.get((bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket):
        self.codes[(bucket.key, bucket.checksum)] = bucket.code


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCode()}


def _shared_url_builders():
    """Likewise each app compiles two URL builders per route (a third of create_app's time). A builder's
    code depends only on the rule's parsed parts and defaults (the rule itself is passed in when it is
    called), so one compiled builder serves the same rule in every app of the run."""
    compile_builder = Rule._compile_builder
    builders = {}

    def _compile_builder(self, append_unknown=True):
        converters = tuple((name, type(converter)) for name, converter in self._converters.items())
        key = (tuple(self._trace), converters, repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = _compile_builder


_shared_url_builders()


def _shared_engines():
    """And each app's engine would compile every SQL statement again (its compiled cache belongs to the
    engine: a fifth of a test's time). Apps of the run on the same database (each test's, on PostgreSQL
    the worker's database, on SQLite the worker's one file, replaced between tests) share one engine."""
    make_engine = SQLAlchemy._make_engine
    engines: OrderedDict = OrderedDict()

    def _make_engine(self, bind_key, options, app):
        key = repr(sorted(options.items()))
        if key in engines:
            engines.move_to_end(key)
        else:
            engines[key] = make_engine(self, bind_key, options, app)
            if len(engines) > 4:  # a test's own database (a demo copy, a fresh installation)
                engines.popitem(last=False)[1].dispose()
        return engines[key]

    SQLAlchemy._make_engine = _make_engine


_shared_engines()


def pytest_configure(config):
    # The whole run lives at SUITE_NOW from here on: collection too, so values computed when a test
    # module is imported (parametrize arguments, module constants) read the suite's clock, not the real one.
    _SUITE_TRAVEL.start()
    config.addinivalue_line("markers", "now(moment): the test lives at this ISO moment (with offset), not the suite's")
    config.addinivalue_line(
        "markers", "calendar: date-sensitive; .ci/run runs these again at period, quarter and year ends")
    # pytest-xdist's own marker, named here too so runs without the plugin (-p no:xdist) accept it.
    config.addinivalue_line("markers", "xdist_group(name): tests that share a worker")
    config.addinivalue_line(
        "markers", "demo: the test's database starts as the demo street office (built once per run, copied per test)")


# A test that opens no database runs the same code on either: its SQLite pass is its run.
NO_DATABASE = pytest.mark.skip(reason="opens no database: run in the SQLite pass")


def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "demo" in fixtures:
            item.add_marker(pytest.mark.demo)
        if DATABASE_URL and "migrated_database" not in fixtures:
            item.add_marker(NO_DATABASE)


def pytest_unconfigure(config):
    _SUITE_TRAVEL.stop()


@pytest.fixture(scope="session")
def suite_clock():
    """The suite's moment. The run travelled there before collection (pytest_configure), so session
    fixtures (the demo office, the browser's server) live there too; the clock ticks."""
    return SUITE_NOW


@pytest.fixture(autouse=True)
def clock(request):
    """A test lives at its `now` marker's moment, or else on the suite's clock where it stands (the
    suite's moment plus the run so far: never earlier than what a module's fixtures signed, since a
    cookie signed in the future is refused). `clock.move_to(...)` and `clock.shift(timedelta)` travel
    further within the test; the suite's clock takes over again after it."""
    marker = request.node.get_closest_marker("now")
    moment = parse_moment(marker.args[0]) if marker else utcnow()
    with time_machine.travel(moment, tick=True) as traveller:
        yield traveller


def _config(database_uri: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "WTF_CSRF_ENABLED": False,
        # Still argon2id, at a cost that lets the suite create hundreds of accounts.
        "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Runs the real migrations once; each test then starts from a copy (SQLite) or a truncation (PostgreSQL)."""
    tmp = tmp_path_factory.mktemp("template")
    if DATABASE_URL and WORKER:
        _recreate_postgresql_database(make_url(DATABASE_URL).database)
        uri = DATABASE_URL
    elif DATABASE_URL:
        engine = create_engine(DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            _commit_without_waiting(connection, make_url(DATABASE_URL).database)
        engine.dispose()
        uri = DATABASE_URL
    else:
        uri = "sqlite:///" + str(tmp / "template.db")
    app = create_app(_config(uri, tmp))
    with app.app_context():
        upgrade()
        for name in REFERENCE_TABLES:
            table = db.metadata.tables[name]
            SEEDED_ROWS[name] = [dict(row) for row in db.session.execute(table.select()).mappings()]
        db.session.remove()
        db.engine.dispose()
    if DATABASE_URL:
        # Copied now, while nothing is connected to the migrated database (a template must be idle).
        _recreate_postgresql_database(_demo_name(), template=make_url(DATABASE_URL).database)
    return uri


def _database_url(name: str) -> str:
    return str(make_url(DATABASE_URL).set(database=name))


def _demo_name() -> str:
    return make_url(DATABASE_URL).database + "_demo"


def _recreate_postgresql_database(name: str, template: str | None = None) -> None:
    engine = create_engine(_database_url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        _commit_without_waiting(connection, name)
    engine.dispose()


def _commit_without_waiting(connection, name: str) -> None:
    """A test database's commits do not wait for the disk (tests commit thousands of times; a crash
    loses a test run, never data). Set on the database, so every connection of the run has it."""
    connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))


@pytest.fixture(scope="session")
def demo_database(migrated_database, tmp_path_factory):
    """The demo street office, built once per run at the suite's moment; tests marked `demo` start from a copy."""
    tmp = tmp_path_factory.mktemp("demo")
    if DATABASE_URL:
        uri = _database_url(_demo_name())
    else:
        shutil.copyfile(migrated_database.removeprefix("sqlite:///"), tmp / "demo.db")
        uri = "sqlite:///" + str(tmp / "demo.db")
    app = create_app(_config(uri, tmp))
    with app.app_context():
        load_demo(office_today())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return uri


def _demo_copy(request, tmp_path) -> str:
    demo = request.getfixturevalue("demo_database")
    if DATABASE_URL:
        name = make_url(DATABASE_URL).database + "_democopy"
        _recreate_postgresql_database(name, template=make_url(demo).database)
        return _database_url(name)
    shutil.copyfile(demo.removeprefix("sqlite:///"), tmp_path / "portal.db")
    return "sqlite:///" + str(tmp_path / "portal.db")


_RESET_SQL: list[str] = []


def _reset_postgresql() -> None:
    """Empties the tables a test filled and restores the reference rows. DELETE with triggers off
    (replica role: no foreign-key checks, so no order, and the audit log's append-only trigger is
    bypassed) costs milliseconds on nearly empty tables, where TRUNCATE costs half a second."""
    if not _RESET_SQL:
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES + KEPT_TOTALS]
        sequences = [db.session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name})
                     for name in tables if "id" in db.metadata.tables[name].c]
        _RESET_SQL.append("SET LOCAL session_replication_role = replica; "
                          + "".join(f"DELETE FROM {name}; " for name in tables)
                          + "".join(f"UPDATE {name} SET total = 0; " for name in KEPT_TOTALS)
                          + "SELECT " + ", ".join(f"setval('{seq}', 1, false)" for seq in sequences if seq))
    db.session.connection().exec_driver_sql(_RESET_SQL[0])
    for name, rows in SEEDED_ROWS.items():
        table = db.metadata.tables[name]
        db.session.execute(table.delete().where(table.c.id.not_in([row["id"] for row in rows])))
        for row in rows:
            db.session.execute(table.update().where(table.c.id == row["id"]).values(**row))
    db.session.commit()


@contextmanager
def portal_app(migrated_database, directory, demo_uri: str | None = None, database_file=None):
    """The app on a fresh copy of the migrated database (SQLite: at `database_file`, by default in
    `directory`) or the emptied one (PostgreSQL), or on `demo_uri` (a copy of the demo office), its files
    in `directory`, with an app context pushed: a test's `app`, or a module's shared one."""
    if demo_uri:
        uri = demo_uri
    elif DATABASE_URL:
        uri = DATABASE_URL
    else:
        database_file = database_file or directory / "portal.db"
        copy_sqlite_database(migrated_database.removeprefix("sqlite:///"), database_file)
        uri = "sqlite:///" + str(database_file)
    app = create_app(_config(uri, directory))

    @app.before_request
    def _forget_cached_user():
        # The test keeps one app context pushed, so every request shares its `g`, where Flask-Login
        # caches current_user; a real server gives each request a new one. Without this, a second
        # client would act as whoever made the last request.
        g.pop("_login_user", None)

    with app.app_context():
        if DATABASE_URL and not demo_uri:
            _reset_postgresql()
        yield app
        db.session.remove()
        if not DATABASE_URL or demo_uri:
            # SQLite's file is replaced and a demo copy dropped before the next test: nothing may stay
            # connected. The worker's PostgreSQL database stays, and so do its pooled connections (a new
            # connection per test cost its handshake and its prepared statements).
            db.engine.dispose()


def copy_sqlite_database(source, target) -> None:
    """A fresh copy at `target`, replacing the file (a new inode: a connection left open on the old one
    reads nothing of the new) and the old one's write-ahead log."""
    partial = f"{target}.partial"
    shutil.copyfile(source, partial)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(f"{target}{suffix}"):
            os.remove(f"{target}{suffix}")
    os.replace(partial, target)


@pytest.fixture(scope="session")
def test_database_file(tmp_path_factory):
    """On SQLite every test's database lives at this one path of the worker, so its apps share an engine."""
    return tmp_path_factory.mktemp("database") / "portal.db"


@pytest.fixture
def app(request, migrated_database, test_database_file, tmp_path):
    demo_uri = _demo_copy(request, tmp_path) if request.node.get_closest_marker("demo") else None
    with portal_app(migrated_database, tmp_path, demo_uri, test_database_file) as app:
        yield app


@pytest.fixture
def demo(app):
    """The app over a copy of the demo street office (the `demo` marker chooses the database)."""
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Factory:
    """Builds objects through the services, committing each, so tests start from real states."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.commit_each = True  # build_world commits its rows once (a commit per row was most of its cost)

    def _commit(self) -> None:
        if self.commit_each:
            db.session.commit()

    def _next(self) -> int:
        self.count += 1
        return self.count

    def unit(self, name: str | None = None, kind: str = "community", parent=None):
        unit = save_unit(None, name=name or f"测试{self._next()}社区", kind=kind,
                         parent_id=parent.id if parent else None, tier_id=None, active=True, sort_order=0)
        self._commit()
        return unit

    def office(self):
        return self.unit("测试街道党政办公室", kind="office")

    def user(self, unit, *roles: str, username: str | None = None):
        number = self._next()
        user = create_user(username or f"user{number}", f"用户{number}", unit.id, list(roles), PASSWORD)
        self._commit()
        return user

    def item(self, author, status: str = "draft", signer=None, editor=None, supervisor=None, **fields):
        """An item walked to `status` through the workflow (sign_off for the sign-off)."""
        values = {"title": f"测试社区开展垃圾分类宣传{self._next()}", "body": "组织志愿者入户宣传垃圾分类。",
                  "category": "research" if status == "awaiting_lead" else "work"} | fields
        item = create_item(author, ItemFields(**values), form_key=f"key-{self.count}")
        db.session.commit()
        path = {
            "draft": [], "awaiting_signoff": ["send"], "awaiting_lead": ["send", "sign"], "submitted": ["send", "sign"],
            "in_review": ["send", "sign", "accept"], "adopted": ["send", "sign", "adopt"],
            "not_adopted": ["send", "sign", "reject"], "invalid": ["send", "sign", "invalidate"],
        }[status]
        for action in path:
            if action == "sign":
                self.sign_off(item, signer, supervisor, stop_before_lead=status == "awaiting_lead")
                continue
            self.act(item, author if action == "send" else editor, action)
        return item

    def act(self, item, actor, action: str) -> None:
        with self.app.test_request_context(method="POST"):
            transition_item(item, actor, action, comment="测试理由")
        db.session.commit()

    def sign_off(self, item, signer, supervisor=None, stop_before_lead: bool = False) -> None:
        """The unit head signs; a category the rule set has signed twice (调研) then goes to the unit's
        主管领导: `supervisor`, or the unit's first, or a new one."""
        if not needs_second_signoff(item):
            self.act(item, signer, "sign")
            return
        self.act(item, signer, "sign_first")
        if not stop_before_lead:
            self.act(item, supervisor or self.supervisor_of(item.unit), "lead_sign")

    def supervisor_of(self, unit):
        found = list_users_with_role("supervisor", unit.id)
        return found[0] if found else self.user(unit, "supervisor")


@pytest.fixture
def make(app):
    return Factory(app)


@pytest.fixture
def world(make):
    return build_world(make)


def build_world(make):
    """Two units with a reporter and a signer each, an office with an editor, a viewer and an admin."""
    make.commit_each = False
    office = make.office()
    own, other = make.unit("幸福社区", parent=office), make.unit("和平社区", parent=office)

    class World:
        pass

    w = World()
    w.office, w.own, w.other = office, own, other
    w.editor = make.user(office, "editor", username="editor")
    w.viewer = make.user(office, "viewer", username="leader")
    w.admin = make.user(office, "admin", username="admin")
    w.reporter = make.user(own, "reporter", username="reporter")
    w.signer = make.user(own, "signer", username="signer")
    w.other_reporter = make.user(other, "reporter", username="other_reporter")
    w.other_signer = make.user(other, "signer", username="other_signer")
    db.session.commit()
    make.commit_each = True
    return w


def login(client, user, password: str = PASSWORD):
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.data.decode()
    return response


def jpeg_bytes(size=(800, 600), color="red", **save_args) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", **save_args)
    return out.getvalue()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
