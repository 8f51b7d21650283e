import re

from portal.extensions import db, keep_login_read
from portal.notifications.models import Notification
from portal.notifications.services import UNREAD, count_unread, count_unread_for_page, notify_users
from tests.conftest import login


def _unread_badge(page: str) -> int:
    match = re.search(r'aria-label="通知">通知<b class="count">(\d+)</b>', page)  # the bell, not the menu's counts
    return int(match.group(1)) if match else 0


def test_sending_for_signoff_notifies_the_units_signers_only(client, world, make):
    make.item(world.reporter, "awaiting_signoff", title="幸福社区开展消防安全检查")
    login(client, world.signer)
    page = client.get("/notifications").get_data(as_text=True)
    assert "《幸福社区开展消防安全检查》待您审签" in page
    assert _unread_badge(page) == 1

    client.post("/logout")
    login(client, world.other_signer)
    page = client.get("/notifications").get_data(as_text=True)
    assert "消防安全检查" not in page and _unread_badge(page) == 0


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(client, world, make):
    item = make.item(world.reporter, "awaiting_signoff")
    notice = db.session.scalar(db.select(Notification).where(Notification.user_id == world.signer.id))
    login(client, world.signer)
    response = client.post(f"/notifications/{notice.id}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/items/{item.id}")
    db.session.refresh(notice)
    assert notice.read_at is not None
    assert _unread_badge(client.get("/notifications").get_data(as_text=True)) == 0


def test_nobody_opens_another_users_notice(client, world):
    notify_users([world.reporter.id], "test", "只给信息员的通知")
    db.session.commit()
    notice = db.session.scalar(db.select(Notification))
    login(client, world.other_reporter)
    assert client.post(f"/notifications/{notice.id}/open").status_code == 404
    db.session.refresh(notice)
    assert notice.read_at is None


def test_mark_all_read(client, world):
    notify_users([world.editor.id], "test", "第一条")
    notify_users([world.editor.id], "test", "第二条")
    notify_users([world.viewer.id], "test", "别人的")
    db.session.commit()
    login(client, world.editor)
    assert _unread_badge(client.get("/notifications").get_data(as_text=True)) == 2
    client.post("/notifications/read-all")
    assert _unread_badge(client.get("/notifications").get_data(as_text=True)) == 0
    others = db.session.scalar(db.select(Notification).where(Notification.user_id == world.viewer.id))
    assert others.read_at is None


def test_the_bells_count_read_with_the_login_check_holds_only_until_the_request_writes(app, world):
    """The login check reads the bell's count in its one statement; a request that writes anything asks again."""
    with app.test_request_context("/unit"):
        keep_login_read(UNREAD, 7)  # as the login check would, on a stale moment
        assert count_unread_for_page(world.reporter.id) == 7
        notify_users([world.reporter.id], "test", "测试通知")
        db.session.flush()
        assert count_unread_for_page(world.reporter.id) == count_unread(world.reporter.id) == 1
    with app.test_request_context("/items/new", method="POST"):
        keep_login_read(UNREAD, 7)
        assert count_unread_for_page(world.reporter.id) == 1  # a writing request reads anew


def test_every_page_shows_the_bells_count_as_stored(client, world, make):
    login(client, world.signer)
    for sent in range(3):
        assert _unread_badge(client.get("/unit").get_data(as_text=True)) == sent
        make.item(world.reporter, "awaiting_signoff")
    client.post("/notifications/read-all")
    assert _unread_badge(client.get("/signoff").get_data(as_text=True)) == 0
