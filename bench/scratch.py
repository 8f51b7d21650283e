"""Scratch copies of the generated city for benchmarks that write to it."""
import os
import sqlite3


def copy_database(source: str, target: str) -> str:
    """A fresh copy of the SQLite file `source` at `target` and its SQLAlchemy URL. SQLite's backup
    reads the source through its own write-ahead log (a plain file copy would miss what is still in
    it), and the target's old log is removed first: left by an earlier run that did not close, it
    would be replayed onto the new copy (its score runs coming back as duplicate rows)."""
    for stale in (target, target + "-wal", target + "-shm", target + "-journal"):
        if os.path.exists(stale):
            os.remove(stale)
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()
    return "sqlite:///" + target
