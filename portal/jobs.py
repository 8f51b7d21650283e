"""The periodic commands (`flask remind`, `flask refresh-scores`) run on every server of a deployment
by the same timers: a lock per command makes one run do the work while the others skip it.

PostgreSQL: a session-level advisory lock on a connection of its own, held for the run. SQLite (one
server by nature): an exclusive file lock beside the database file. Both are released by the operating
system or the database server when the process dies, so a killed run never leaves a lock behind."""
import fcntl
import os
import zlib
from contextlib import contextmanager
from typing import Iterator

from flask import current_app
from sqlalchemy import text

from .extensions import db

SKIPPED = "另一台服务器正在运行 {command}，本次跳过 skipped: another run holds the lock"


def _lock_key(name: str) -> int:
    # A stable 32-bit key per command name; one namespace (the first argument) keeps it apart from
    # any other advisory lock a PostgreSQL server may be asked for.
    return zlib.crc32(name.encode()) & 0x7FFFFFFF  # PostgreSQL's int4


def _lock_path(name: str) -> str:
    database = db.engine.url.database
    folder = os.path.dirname(os.path.abspath(database)) if database and database != ":memory:" \
        else current_app.instance_path
    return os.path.join(folder, f".{name}.lock")


@contextmanager
def run_alone(name: str) -> Iterator[bool]:
    """True inside when this process holds `name`'s lock, False when another run holds it now."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            taken = connection.execute(text("SELECT pg_try_advisory_lock(1, :key)"), {"key": _lock_key(name)}).scalar()
            connection.commit()
            try:
                yield bool(taken)
            finally:
                if taken:
                    connection.execute(text("SELECT pg_advisory_unlock(1, :key)"), {"key": _lock_key(name)})
                    connection.commit()
        return
    with open(_lock_path(name), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def refresh_planner_statistics() -> None:
    """SQLite plans from the statistics ANALYZE leaves (PostgreSQL's autovacuum keeps its own): without
    them it read a year of every unit's items for a ranking page of 50 units (130 ms against 0.7 ms).
    The whole tables are read (0.13 s on a city's database): a sampled ANALYZE (analysis_limit=1000)
    took the items' six statuses for a hundred, and the inbox of every status walked the status index and
    sorted 45,000 rows (0.9 s) instead of reading the newest twenty off the submission-order index."""
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA analysis_limit=0")
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
