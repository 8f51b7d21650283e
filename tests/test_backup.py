"""`flask backup` and `flask restore`: an online SQLite backup (the sqlite3 backup API) taken while
another connection writes, restored into a fresh instance, rows and files compared."""
import io
import json
import os
import shutil
import sqlite3
import threading

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import create_app
from portal.extensions import db
from tests.conftest import DATABASE_URL, _config, jpeg_bytes
from tests.photo_tools import store_photo

pytestmark = pytest.mark.skipif(bool(DATABASE_URL), reason="the SQLite backup; PostgreSQL uses pg_dump")

MARK = "backup-writer"


def rows(path: str, table: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        connection.close()


def database_path(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


@pytest.fixture
def stocked(app, make, world):
    """Items with photos, so the backup has rows and files to carry."""
    for number in range(3):
        item = make.item(world.reporter, "draft")
        upload = FileStorage(io.BytesIO(jpeg_bytes((40 + number, 30))), filename="现场.jpg")
        store_photo(upload, world.reporter.id, item.form_key, item.id, 0)
    db.session.commit()
    return world


def write_notifications(path: str, user_id: int, stop: threading.Event, written: list[int]) -> None:
    """Another connection committing one row at a time, as a busy portal would, during the backup."""
    connection = sqlite3.connect(path, timeout=15, isolation_level=None)
    number = 0
    while not stop.is_set() or number < 5:
        number += 1
        connection.execute("INSERT INTO notifications (user_id, kind, text, url, created_at) "
                           "VALUES (?, ?, ?, '', CURRENT_TIMESTAMP)", (user_id, MARK, str(number)))
        written.append(number)
    connection.close()


def test_online_backup_during_writes_restores_into_a_fresh_instance(app, runner, stocked, tmp_path,
                                                                   migrated_database):
    source, user_id = database_path(app), stocked.reporter.id
    db.session.remove()
    stop, written = threading.Event(), []
    writer = threading.Thread(target=write_notifications, args=(source, user_id, stop, written))
    writer.start()
    try:
        while len(written) < 5:  # the writer is under way before the backup starts
            threading.Event().wait(0.01)
        result = runner.invoke(args=["backup", "--to", str(tmp_path / "backups")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    (backup,) = (tmp_path / "backups").iterdir()
    assert "备份完成" in result.output

    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_revision"] and manifest["database"] == "sqlite"
    assert manifest["file_count"] == 6 == len(manifest["files"])  # three photos and their thumbnails
    # A consistent snapshot: the writer's rows are a gap-free prefix of what it committed.
    copied = [int(row[3]) for row in rows(str(backup / "portal.db"), "notifications") if row[2] == MARK]
    assert copied == list(range(1, len(copied) + 1)) and 5 <= len(copied) <= len(written)

    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    shutil.copyfile(migrated_database.removeprefix("sqlite:///"), fresh_dir / "portal.db")  # a new installation
    fresh = create_app(_config("sqlite:///" + str(fresh_dir / "portal.db"), fresh_dir))
    with fresh.app_context():
        refused = fresh.test_cli_runner().invoke(args=["restore", str(backup)])
        assert refused.exit_code != 0 and "--yes" in refused.output
        restored = fresh.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])
        assert restored.exit_code == 0, restored.output
        from portal.items.models import ItemPhoto

        assert len(db.session.scalars(select(ItemPhoto)).all()) == 3
        db.session.remove()
        db.engine.dispose()
    target = str(fresh_dir / "portal.db")
    for table in ("users", "units", "items", "item_photos", "notifications"):
        assert rows(target, table) == rows(str(backup / "portal.db"), table)
    uploads = fresh_dir / "uploads" / "photos"
    original = tmp_path / "uploads" / "photos"
    assert sorted(os.listdir(uploads)) == sorted(os.listdir(original))
    for name in os.listdir(original):
        assert (uploads / name).read_bytes() == (original / name).read_bytes()
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_restore_refuses_a_backup_that_does_not_match_its_manifest(app, runner, stocked, tmp_path):
    assert runner.invoke(args=["backup", "--to", str(tmp_path / "backups")]).exit_code == 0
    (backup,) = (tmp_path / "backups").iterdir()
    photo = next((backup / "uploads" / "photos").iterdir())
    photo.write_bytes(b"tampered")
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code != 0 and "与清单不符" in result.output

    (backup / "portal.db").write_bytes(b"not a database")
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code != 0 and "数据库文件缺失或与清单不符" in result.output
