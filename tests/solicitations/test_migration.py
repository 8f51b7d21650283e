"""Upgrading a database that already holds items: the items table is copied on SQLite (batch mode)
and must keep every item's events, photos and adoptions."""
import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from tests.conftest import DATABASE_URL


@pytest.mark.skipif(bool(DATABASE_URL), reason="builds its own SQLite file from an older revision")
def test_upgrading_keeps_rows_that_reference_items(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "old.db")})
    with app.app_context():
        upgrade(revision="0002_scoring")
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO units (id, name, kind, active, sort_order) VALUES (1, '幸福社区', 'community', 1, 0)",
                ("INSERT INTO users (id, username, name, unit_id, password_hash, active, phone, created_at) "
                 "VALUES (1, 'reporter', '信息员', 1, 'x', 1, '', '2026-11-01 00:00:00')"),
                ("INSERT INTO items (id, unit_id, author_id, form_key, title, body, category, major, status, "
                 "decision_note, created_at, updated_at) VALUES (1, 1, 1, 'k1', '标题', '正文', 'work', 0, 'draft', '', "
                 "'2026-11-01 00:00:00', '2026-11-01 00:00:00')"),
                ("INSERT INTO item_events (item_id, actor_id, at, action, to_status, comment) "
                 "VALUES (1, 1, '2026-11-01 00:00:00', 'create', 'draft', '')"),
            ):
                connection.execute(text(statement))
        upgrade(revision="heads")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM item_events")).scalar() == 1
            assert connection.execute(text("SELECT solicitation_id FROM items")).scalar() is None
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        db.session.remove()
        db.engine.dispose()
