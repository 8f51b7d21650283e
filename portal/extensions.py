"""Extension objects, created unbound here and bound in create_app."""
import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from functools import cache

from flask import has_request_context, request
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import DateTime, TypeDecorator

# Stable constraint names so Alembic can alter tables on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite keeps no offset, and one rule for both databases
    avoids comparing naive with aware values anywhere in the code."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


# Made by the migrations but described by no model: SQLite's FTS5 search index, its shadow tables and
# PostgreSQL's generated tsvector columns and their indexes of the same name (see migrations/versions/0011_search.py).
UNMANAGED_PREFIX = "item_search_fts"


def include_name(name, type_, parent_names) -> bool:
    """Alembic's filter: leave the unmanaged tables, columns and indexes out of comparisons and autogenerate."""
    return not (type_ in ("table", "column", "index") and name and name.startswith(UNMANAGED_PREFIX))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def prepared(build):
    """A statement built on its first use and kept, for the reads of every page (the login check, the menu's
    counts): composing a select and its cache key costs SQLAlchemy about as much as SQLite's running it
    (0.1–0.2 ms a statement), so those are built once, their values bound at execution. On first use, not
    at import: an ORM option configures the mappers, which needs every model imported first."""
    return cache(build)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_writing: ContextVar[bool] = ContextVar("writing", default=False)
_reading: ContextVar[bool] = ContextVar("reading", default=False)


@contextmanager
def write_transaction():
    """For the rare write inside a read-only request (a GET that refreshes stored scores): the
    transactions begun inside take the SQLite write lock up front like any POST's."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def configure_sqlite(engine) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for writers.

    A deferred BEGIN that reads and then writes fails with "database is locked" when another writer
    got there first; taking the write lock up front makes writers queue on the busy timeout instead.
    Read-only requests keep a deferred BEGIN so readers never wait for writers (WAL). Configuring an
    engine twice (two apps on one engine) changes nothing."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_sqlite_connect):
        return
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)


def _on_sqlite_connect(dbapi_connection, _record):
    # Hand transaction control to SQLAlchemy's "begin" event below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_sqlite_begin(connection):
    read_only = _reading.get() or (has_request_context() and request.method in SAFE_METHODS and not _writing.get())
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


# A transaction that ran only these ends with COMMIT rather than ROLLBACK (end_reads_with_commit).
_READ_ONLY_STATEMENTS = ("SELECT", "WITH", "BEGIN", "PRAGMA")
_WROTE = "transaction_wrote"
_WRITTEN = "transaction_written"


def end_reads_with_commit(app) -> None:
    """A request's transaction that wrote nothing ends with COMMIT, one that wrote and was not committed
    (an error halfway) with ROLLBACK as before. Same effect for a read, but psycopg forgets a connection's
    prepared statements on every ROLLBACK (the pool's reset after each request), so PostgreSQL planned
    every statement of every page anew: the login check's three-table join alone 2 ms of planning, about
    two fifths of the server's work for a dashboard."""
    engine = db.engine
    if not event.contains(engine, "before_cursor_execute", _note_write):
        event.listen(engine, "before_cursor_execute", _note_write)
        event.listen(engine, "commit", _forget_write)
        event.listen(engine, "rollback", _forget_write)
    app.teardown_request(_end_transaction)


# What a writing statement names: INSERT INTO t, UPDATE t SET a=…, b=… [WHERE …], DELETE FROM t.
_DML = re.compile(r'\s*(INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?(.*)', re.I | re.S)
_SET_COLUMNS = re.compile(r'^\s*SET\s+(.*?)(?:\s+WHERE\s|\s+RETURNING\s|$)', re.I | re.S)
_SET_COLUMN = re.compile(r'(?:^|,)\s*"?(\w+)"?\s*=')
_NAMED_PARAMETER = re.compile(r'%\(\w+\)s')  # psycopg's placeholders, not a call


def written_by(statement: str) -> tuple[str | None, frozenset[str] | None]:
    """(table, columns) a statement writes: columns only for a plain UPDATE whose SET clause holds no
    subquery or call (None: any column of the table); table None for anything else that is not a read
    (DDL, a statement this does not parse): whoever reads this must assume it changed everything."""
    found = _DML.match(statement)
    if found is None:
        return None, None
    verb, table, rest = found.groups()
    if verb.upper() != "UPDATE":
        return table.lower(), None
    set_clause = _SET_COLUMNS.match(_NAMED_PARAMETER.sub("?", rest))
    if set_clause is None or "(" in set_clause.group(1):
        return table.lower(), None
    return table.lower(), frozenset(column.lower() for column in _SET_COLUMN.findall(set_clause.group(1)))


def _note_write(connection, _cursor, statement: str, *_args) -> None:
    if not statement.lstrip()[:8].upper().startswith(_READ_ONLY_STATEMENTS):
        connection.info[_WROTE] = True
        connection.info.setdefault(_WRITTEN, set()).add(written_by(statement))
        if has_request_context():
            request.environ.pop(_LOGIN_READS, None)


# Values the login check reads as columns of its one statement (the office's version, the bell's count): they hold
# for the rest of a GET or HEAD until the request writes anything.
_LOGIN_READS = "portal.login_reads"


def keep_login_read(name: str, value) -> None:
    request.environ.setdefault(_LOGIN_READS, {})[name] = value


def login_read(name: str) -> tuple[bool, object]:
    """(found, value) of a value read by the login check, while it still holds."""
    if not (has_request_context() and request.method in SAFE_METHODS):
        return False, None
    reads = request.environ.get(_LOGIN_READS, {})
    return (True, reads[name]) if name in reads else (False, None)


def _forget_write(connection) -> None:
    connection.info.pop(_WROTE, None)
    connection.info.pop(_WRITTEN, None)


def written_in_transaction(session) -> set[tuple[str | None, frozenset[str] | None]]:
    """What the session's transaction under way has written so far, as written_by gives it: tables, and
    the columns an UPDATE named. Every statement sent, the ORM's flushes and statements past it alike."""
    if not session.in_transaction():
        return set()
    return set(session.connection().info.get(_WRITTEN, ()))


def transaction_wrote() -> bool:
    """Whether the session's transaction under way has sent a statement that writes (end_reads_with_commit)."""
    session = db.session()
    return session.in_transaction() and bool(session.connection().info.get(_WROTE))


@contextmanager
def without_write_lock():
    """For work that keeps the CPU busy a while (a password's hash, a photo's encoding, a document's layout):
    a POST's transaction holds SQLite's write lock from its first statement (configure_sqlite), and every other
    writer of the office (filings, signings, logins) would wait for that work too. The session's transaction
    ends before the work if it has only read, transactions begun inside only read (a template's context, an
    expired object reloaded) and take no lock, and one begun inside ends after, so the writes that follow
    take the lock afresh. A transaction that wrote is left alone: its writes commit together. PostgreSQL locks
    rows, not the database: its transaction goes on."""
    _end_reads()
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)
        _end_reads()


def _end_reads() -> None:
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite" \
            and not (session.new or session.dirty or session.deleted) and not transaction_wrote():
        session.commit()


def _end_transaction(error) -> None:
    session = db.session()
    if error is not None or not session.in_transaction() or session.new or session.dirty or session.deleted:
        return  # Flask-SQLAlchemy's removal of the session rolls back
    if not transaction_wrote():
        session.commit()


def on_session(identifier: str, hook) -> None:
    """Connects a hook to every SQLAlchemy session from an init_app: once, however many apps a process
    creates (the tests create hundreds)."""
    if not event.contains(Session, identifier, hook):
        event.listen(Session, identifier, hook)
