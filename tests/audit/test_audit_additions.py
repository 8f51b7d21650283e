"""What the audit log gained: a restore (who, which backup, how many events it rolls back, refused
without --force when it would roll any back), photo additions, removals and caption changes, and every
copy of the roster (personal data) taken as a spreadsheet or PDF."""
import json

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.items.models import ItemPhoto
from tests.conftest import DATABASE_URL, jpeg_bytes
from tests.items.test_photos import client_for, stored_photos, upload


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.mark.skipif(bool(DATABASE_URL), reason="the SQLite restore; PostgreSQL uses pg_restore")
def test_a_restore_that_would_roll_the_audit_log_back_is_refused_unless_forced_and_is_recorded(
        app, runner, make, world, tmp_path):
    assert runner.invoke(args=["backup", "--to", str(tmp_path / "backups")]).exit_code == 0
    (backup,) = (tmp_path / "backups").iterdir()
    for number in range(3):  # three more events after the backup
        make.user(world.own, "reporter", username=f"later_{number}")
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    db.session.remove()

    asked = runner.invoke(args=["restore", str(backup)])
    assert asked.exit_code != 0 and "回退 3 条审计记录" in asked.output
    refused = runner.invoke(args=["restore", str(backup), "--yes"])
    assert refused.exit_code != 0 and "恢复将丢失 3 条审计记录" in refused.output and "--force" in refused.output
    assert db.session.scalar(select(func.count(AuditEvent.id))) == total  # nothing was restored

    forced = runner.invoke(args=["restore", str(backup), "--yes", "--force"])
    assert forced.exit_code == 0, forced.output
    assert "回退审计记录 3 条" in forced.output
    (restore,) = events("backup.restore")
    assert restore.address == "命令行" and backup.name in restore.summary and "回退了 3 条审计记录" in restore.summary
    assert json.loads(restore.new_values)["audit_events_lost"] == 3 and json.loads(restore.new_values)["backup"].endswith(backup.name)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == total - 3 + 1


@pytest.mark.skipif(bool(DATABASE_URL), reason="the SQLite restore; PostgreSQL uses pg_restore")
def test_a_restore_of_the_newest_backup_needs_no_force(app, runner, world, tmp_path):
    assert runner.invoke(args=["backup", "--to", str(tmp_path / "backups")]).exit_code == 0
    (backup,) = (tmp_path / "backups").iterdir()
    db.session.remove()
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert [json.loads(event.new_values)["audit_events_lost"] for event in events("backup.restore")] == [0]


def test_photo_additions_removals_and_captions_are_audited(app, world):
    client = client_for(app, world.reporter)
    assert upload(client, [("现场.jpg", jpeg_bytes((64, 48)))]).status_code == 302
    (photo,) = stored_photos()
    (added,) = events("photo.add")
    assert (added.target_type, added.target_id, added.actor_username) == ("item_photo", photo.id, "reporter")
    item_id = photo.item_id
    form = {"title": "幸福社区开展消防安全隐患排查", "body": "重点检查楼道堆物和电动车违规充电。", "category": "work",
            "follow_up_of_id": "0", "intent": "save", "version": "1"}
    client.post(f"/items/{item_id}/edit", data=form | {f"caption-{photo.id}": "检查现场"})
    (caption,) = events("photo.caption")
    assert json.loads(caption.old_values) == {"caption": ""} and json.loads(caption.new_values) == {"caption": "检查现场"}
    client.post(f"/items/{item_id}/edit", data=form | {"version": "2", f"remove-{photo.id}": "y"})
    (removed,) = events("photo.remove")
    assert removed.target_id == photo.id and db.session.get(ItemPhoto, photo.id) is None


@pytest.mark.parametrize("kind", ["xlsx", "pdf"])
def test_every_roster_export_is_audited(app, world, kind):
    client = client_for(app, world.editor)
    response = client.get(f"/roster/export.{kind}")
    assert response.status_code == 200
    (export,) = events("roster.export")
    assert export.actor_username == "editor" and json.loads(export.new_values)["format"] == kind
