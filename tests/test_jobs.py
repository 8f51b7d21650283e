"""The periodic commands on several servers: every server's timer starts `flask remind` and `flask
refresh-scores`, and each does its work once (portal.jobs: an advisory lock on PostgreSQL, a file lock
on SQLite). The notices table is the proof for reminders, the score runs for scores."""
import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.jobs import run_alone
from portal.notifications.models import Notification
from portal.scoring.models import ScoreRun
from tests.notifications.test_reminders import DEADLINE, solicitation

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REMIND_AT = (DEADLINE - timedelta(hours=20)).isoformat()


def count_notices() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.dedupe_key.is_not(None)))


def test_remind_skips_while_another_server_runs_it(runner, world):
    solicitation(world)
    with run_alone("remind") as alone:
        assert alone
        result = runner.invoke(args=["remind", "--now", REMIND_AT])
        assert result.exit_code == 0, result.output
        assert "skipped" in result.output
        assert count_notices() == 0
    result = runner.invoke(args=["remind", "--now", REMIND_AT])
    assert "skipped" not in result.output
    assert count_notices() > 0


def test_refresh_scores_skips_while_another_server_runs_it(runner, world):
    with run_alone("refresh-scores") as alone:
        assert alone
        result = runner.invoke(args=["refresh-scores"])
        assert result.exit_code == 0, result.output
        assert "skipped" in result.output
        assert db.session.scalar(select(func.count(ScoreRun.id))) == 0
    assert "scores refreshed" in runner.invoke(args=["refresh-scores"]).output
    assert db.session.scalar(select(func.count(ScoreRun.id))) == 1


def test_remind_started_on_two_servers_at_once_reminds_once(app, world, tmp_path):
    """Two real processes against the same database, started together as two servers' timers would."""
    solicitation(world)
    db.session.remove()
    env = os.environ | {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PORTAL_SECRET_KEY": "test-secret",
                        "PORTAL_UPLOAD_FOLDER": str(tmp_path / "uploads")}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "remind", "--now", REMIND_AT]
    servers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True) for _ in range(2)]
    outputs = [server.communicate(timeout=120)[0] for server in servers]
    assert [server.returncode for server in servers] == [0, 0], outputs
    created = sorted(int(line.split("reminders created: ")[1].split("（")[0])
                     for output in outputs for line in output.splitlines() if "reminders created" in line)
    # One run reminded; the other skipped (it found the lock held) or, started after, found every reminder made.
    assert created[-1] > 0 and created[:-1] in ([], [0]), outputs
    assert count_notices() == created[-1]
