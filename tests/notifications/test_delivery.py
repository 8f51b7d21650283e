"""E-mail and webhook deliveries: queued beside the in-app notice, sent by `flask remind` to servers
the tests start themselves on 127.0.0.1, retried with backoff and logged on failure."""
import email
import email.policy
import json
import socketserver
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from portal.extensions import db, utcnow
from portal.notifications.models import Delivery, Notification
from portal.notifications.services import notify_users


class WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        server.calls += 1
        if server.calls <= server.fail_first:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        server.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", 0), WebhookHandler)
    server.calls, server.fail_first, server.received = 0, 1, []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self):
        self.reply("220 localhost test SMTP")
        envelope = {"to": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                envelope["from"] = command[10:]
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command[8:])
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                envelope["data"] = data
                self.server.messages.append(dict(envelope))
                envelope = {"to": []}
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp_server():
    server = socketserver.TCPServer(("127.0.0.1", 0), SMTPHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def no_weekly_quota_reminders(app):
    """These runs use the real clock; a weekly quota reminder falling due today would add deliveries."""
    app.config["REMIND_QUOTA_WEEKDAY"] = 0


def deliveries() -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def remind(runner, now=None):
    args = ["remind"] + (["--now", now.isoformat()] if now else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


def test_without_channels_only_the_in_app_notice_is_stored(app, world):
    notify_users([world.reporter.id], "test", "测试通知")
    db.session.commit()
    assert deliveries() == []
    assert db.session.scalar(select(Notification.text)) == "测试通知"


def test_webhook_failure_is_retried_with_backoff_and_logged(app, runner, world, webhook):
    app.config["WEBHOOK_URL"] = f"http://127.0.0.1:{webhook.server_address[1]}/hook"
    notify_users([world.reporter.id], "test", "《幸福社区防汛演练》已被采用", "/items/1")
    db.session.commit()
    [delivery] = deliveries()
    assert (delivery.channel, delivery.status, delivery.attempts) == ("webhook", "pending", 0)

    now = utcnow()
    assert "待重试 retry 1" in remind(runner, now)
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "500" in delivery.last_error
    assert abs(delivery.next_attempt_at - (now + timedelta(seconds=60))) < timedelta(seconds=1)
    # the in-app notice is untouched by the failure
    assert db.session.scalar(select(Notification.text)) == "《幸福社区防汛演练》已被采用"

    assert "已发送 sent 0" in remind(runner, now + timedelta(seconds=30))  # not due yet
    assert webhook.calls == 1
    assert "已发送 sent 1" in remind(runner, now + timedelta(seconds=61))
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert webhook.received[0]["text"] == "《幸福社区防汛演练》已被采用"
    assert webhook.received[0]["username"] == "reporter"
    assert "已发送 sent 0" in remind(runner, now + timedelta(hours=1))
    assert webhook.calls == 2


def test_webhook_gives_up_after_five_attempts(app, runner, world, webhook):
    webhook.fail_first = 99
    app.config["WEBHOOK_URL"] = f"http://127.0.0.1:{webhook.server_address[1]}/hook"
    notify_users([world.reporter.id], "test", "测试通知")
    db.session.commit()
    now = utcnow()
    for minutes in (0, 1, 3, 7, 15, 31, 63):
        remind(runner, now + timedelta(minutes=minutes, seconds=1))
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts) == ("failed", 5)
    assert webhook.calls == 5
    assert db.session.scalar(select(Notification.text)) == "测试通知"


def test_email_goes_to_users_with_an_address(app, runner, world, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1], SMTP_FROM="portal@example.org")
    world.reporter.email = "reporter@example.org"
    db.session.commit()
    notify_users([world.reporter.id, world.signer.id], "test", "《幸福社区防汛演练》待您审签", "/items/7")
    db.session.commit()
    assert [(d.channel, d.notification.user_id) for d in deliveries()] == [("email", world.reporter.id)]

    assert "已发送 sent 1" in remind(runner)
    [message] = smtp_server.messages
    assert message["to"] == ["<reporter@example.org>"]
    parsed = email.message_from_bytes(message["data"], policy=email.policy.default)
    assert "待您审签" in parsed["Subject"]
    assert "《幸福社区防汛演练》待您审签" in parsed.get_content()
    assert "/items/7" in parsed.get_content()
    assert "已发送 sent 0" in remind(runner)
    assert len(smtp_server.messages) == 1


def test_unreachable_smtp_keeps_the_notice_and_retries(app, runner, world):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=9)  # discard port: connection refused
    world.reporter.email = "reporter@example.org"
    db.session.commit()
    notify_users([world.reporter.id], "test", "测试通知")
    db.session.commit()
    assert "待重试 retry 1" in remind(runner)
    [delivery] = deliveries()
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_error
    assert db.session.scalar(select(Notification.text)) == "测试通知"


def test_admin_sets_a_users_email(client, world):
    from tests.conftest import login

    login(client, world.admin)
    data = {"username": "reporter", "name": world.reporter.name, "unit_id": world.own.id, "roles": ["reporter"],
            "phone": "", "email": "不是邮箱"}
    page = client.post(f"/admin/users/{world.reporter.id}/edit", data=data).get_data(as_text=True)
    assert "请输入有效的电子邮箱" in page
    response = client.post(f"/admin/users/{world.reporter.id}/edit", data=data | {"email": " xinxi@example.org "})
    assert response.status_code == 302
    db.session.expire_all()
    assert world.reporter.email == "xinxi@example.org"
    client.post(f"/admin/users/{world.reporter.id}/edit", data=data | {"email": ""})
    db.session.expire_all()
    assert world.reporter.email is None


def test_admin_reads_the_delivery_log_and_requeues_a_failed_delivery(app, client, runner, world, webhook):
    from tests.conftest import login

    webhook.fail_first = 99
    app.config.update(WEBHOOK_URL=f"http://127.0.0.1:{webhook.server_address[1]}/hook", DELIVERY_MAX_ATTEMPTS=1)
    notify_users([world.reporter.id], "test", "约稿《防汛备汛》将于明日截止")
    notify_users([world.signer.id], "test", "《幸福社区防汛演练》待您审签")
    db.session.commit()
    remind(runner)
    assert [d.status for d in deliveries()] == ["failed", "failed"]
    webhook.fail_first = 0

    login(client, world.admin)
    page = client.get("/admin/deliveries").get_data(as_text=True)
    assert "电子邮件（未配置）" in page and "接口推送（已开启）" in page
    assert "发送失败（2）" in page and "已发送（0）" in page
    assert "约稿《防汛备汛》将于明日截止" in page and world.reporter.name in page
    assert "最近错误：RuntimeError: HTTP 500" in page
    failed = client.get("/admin/deliveries?status=failed", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert failed.lstrip().startswith('<div id="delivery-list">') and "<h1>" not in failed and failed.count("重新发送") == 2

    first = deliveries()[0]
    response = client.post(f"/admin/deliveries/{first.id}/retry?status=failed")
    assert response.status_code == 302 and response.location.endswith("/admin/deliveries?status=failed")
    assert (deliveries()[0].status, deliveries()[0].attempts) == ("pending", 0)
    assert "已发送 sent 1" in remind(runner)
    assert [d.status for d in deliveries()] == ["sent", "failed"]
    # a sent delivery is not sent again
    client.post(f"/admin/deliveries/{first.id}/retry")
    assert "只有发送失败的记录可以重新发送" in client.get("/admin/deliveries").get_data(as_text=True)
    assert deliveries()[0].status == "sent"
