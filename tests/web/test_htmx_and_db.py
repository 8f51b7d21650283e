"""The shared page mechanics: fragments for HTMX, and the embedded database under concurrent writers."""
import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import Notification
from tests.conftest import DATABASE_URL, login


def test_inbox_answers_htmx_with_the_results_fragment_only(client, world, make):
    make.item(world.reporter, "submitted", signer=world.signer, title="幸福社区开展防汛应急演练")
    make.item(world.reporter, "submitted", signer=world.signer, title="幸福社区走访慰问困难群众")
    login(client, world.editor)

    full = client.get("/inbox?q=防汛")
    assert full.headers["Vary"].count("HX-Request") == 1
    page = full.get_data(as_text=True)
    assert "<html" in page and "防汛应急演练" in page and "走访慰问" not in page

    fragment = client.get("/inbox?q=防汛", headers={"HX-Request": "true"})
    part = fragment.get_data(as_text=True)
    assert "<html" not in part and part.lstrip().startswith('<section id="results"')
    assert "防汛应急演练" in part and "走访慰问" not in part
    assert "HX-Request" in fragment.headers["Vary"]


def test_history_restore_gets_the_whole_page(client, world):
    login(client, world.editor)
    response = client.get("/inbox", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_inbox_filter_form_mirrors_htmx_with_a_plain_get(client, world, make):
    """Without JavaScript the same form submits as a GET and the URL keeps the filter."""
    make.item(world.reporter, "submitted", signer=world.signer, category="research", title="关于老旧小区加装电梯的调研")
    make.item(world.reporter, "submitted", signer=world.signer, category="brief", title="完成人口信息核查")
    login(client, world.editor)
    page = client.get("/inbox").get_data(as_text=True)
    assert 'method="get" action="/inbox"' in page and 'hx-get="/inbox"' in page and 'hx-push-url="true"' in page
    filtered = client.get("/inbox?category=research").get_data(as_text=True)
    assert "加装电梯" in filtered and "人口信息核查" not in filtered
    assert '<option selected value="research">' in filtered


def test_bad_filter_value_is_ignored_with_a_message_not_a_500(client, world):
    login(client, world.editor)
    response = client.get("/inbox?date_from=2026-13-45&unit=abc")
    assert response.status_code == 200
    assert "日期" in response.get_data(as_text=True) or "无效" in response.get_data(as_text=True)


@pytest.mark.skipif(bool(DATABASE_URL), reason="SQLite locking behaviour")
def test_concurrent_read_then_write_transactions_do_not_fail_on_sqlite(app, world):
    """Each writer reads and then writes in one transaction. With a deferred BEGIN most of them fail
    with "database is locked"; BEGIN IMMEDIATE makes them queue on the busy timeout instead."""
    writers, rounds = 6, 15
    user_id = world.reporter.id
    db.session.commit()  # the test's own session must not hold a transaction while the writers run
    errors = []
    barrier = threading.Barrier(writers)

    def work(number):
        with app.app_context():
            barrier.wait()
            try:
                for _ in range(rounds):
                    count = db.session.scalar(select(func.count(Notification.id)))
                    db.session.add(Notification(user_id=user_id, kind="test", text=f"{number}-{count}"))
                    db.session.commit()
            except Exception as error:  # the assertion below reports it
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.scalar(select(func.count(Notification.id))) == writers * rounds


def test_sqlite_connection_settings(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_a_transaction_that_only_read_ends_with_commit_one_that_wrote_halfway_with_rollback(app, client, world):
    """psycopg forgets a connection's prepared statements on ROLLBACK, so a request that only read ends
    its transaction with COMMIT (the same for a read); one that wrote without committing (an error
    halfway, or a view that changed a row and left) is rolled back as before, written or only flushed."""
    from sqlalchemy import event, update

    from portal.units.models import Unit

    ends: list[str] = []
    listeners = {"commit": lambda _c: ends.append("commit"), "rollback": lambda _c: ends.append("rollback")}
    for name, listener in listeners.items():
        event.listen(db.engine, name, listener)
    try:
        login(client, world.reporter)
        db.session.commit()
        ends.clear()
        assert client.get("/unit").status_code == 200
        assert ends == ["commit"]
        name = world.own.name
        for write in ("statement", "object"):
            with app.test_request_context("/unit"):
                if write == "statement":
                    db.session.execute(update(Unit).where(Unit.id == world.own.id).values(name="改名社区"))
                else:
                    db.session.get(Unit, world.own.id).name = "改名社区"
                ends.clear()
                app.do_teardown_request(None)
                assert "commit" not in ends
                db.session.rollback()  # what removing the session at the context's end does
            assert db.session.scalar(select(Unit.name).where(Unit.id == world.own.id)) == name
    finally:
        for name, listener in listeners.items():
            event.remove(db.engine, name, listener)

