"""Outside delivery channels of a notification: e-mail (SMTP) and an outgoing webhook (JSON POST).

A Delivery row is queued when the notification is created (same transaction) and sent later by
`send_due_deliveries`, which `flask remind` runs: a slow or failing gateway never slows a page, and
a failed delivery never touches the in-app notice. Failures are retried with exponential backoff
up to DELIVERY_MAX_ATTEMPTS, then the delivery is marked failed; the row is the delivery log."""
import json
import smtplib
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import abort, current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..audit.services import neutralize, record_event, snapshot
from ..auth.models import User
from ..extensions import db, utcnow
from ..web.paging import Page, paginate
from .models import DELIVERY_STATUSES, Delivery, Notification

WEBHOOK_TIMEOUT = 5
SMTP_TIMEOUT = 10


def _email_of(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return (user.email or "").strip() if user is not None and user.active else ""


def queue_deliveries(notification: Notification) -> None:
    """Adds one pending delivery per configured channel that can reach the notification's user."""
    config = current_app.config
    if config.get("SMTP_HOST") and _email_of(notification.user_id):
        notification.deliveries.append(Delivery(channel="email", status="pending", attempts=0, last_error=""))
    if config.get("WEBHOOK_URL"):
        notification.deliveries.append(Delivery(channel="webhook", status="pending", attempts=0, last_error=""))


def _absolute(url: str) -> str:
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    return base + url if base and url.startswith("/") else url


def prepare_email(notification: Notification):
    """Reads what the e-mail needs from the database; the returned callable only talks to SMTP."""
    config = current_app.config
    to = _email_of(notification.user_id)
    if not to:
        raise ValueError("用户没有电子邮箱")
    message = EmailMessage()
    message["Subject"] = f"【{config.get('PORTAL_TITLE', '政务信息报送平台')}】{notification.text[:60]}"
    message["From"] = config.get("SMTP_FROM") or config.get("SMTP_USER") or "portal@localhost"
    message["To"] = to
    body = notification.text
    if notification.url:
        body += "\n\n" + _absolute(notification.url)
    message.set_content(body, cte="base64")
    host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25)
    starttls, user, password = bool(config.get("SMTP_STARTTLS")), config.get("SMTP_USER"), config.get("SMTP_PASSWORD")

    def send() -> None:
        with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT) as smtp:
            if starttls:
                smtp.starttls()
            if user:
                smtp.login(user, password or "")
            smtp.send_message(message)

    return send


def prepare_webhook(notification: Notification):
    user = db.session.get(User, notification.user_id)
    payload = {
        "id": notification.id,
        "kind": notification.kind,
        "text": notification.text,
        "url": _absolute(notification.url),
        "user_id": notification.user_id,
        "username": user.username if user else "",
        "name": user.name if user else "",
        "created_at": notification.created_at.isoformat() if notification.created_at else None,
    }
    request = urllib.request.Request(
        current_app.config["WEBHOOK_URL"], data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"}, method="POST",
    )

    def send() -> None:
        # No proxy from the environment: the webhook goes exactly where it is configured to.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=WEBHOOK_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as error:
            error.close()
            raise RuntimeError(f"HTTP {error.code}") from None

    return send


PREPARERS = {"email": prepare_email, "webhook": prepare_webhook}


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base … after the 1st, 2nd, 3rd failed attempt."""
    base = int(current_app.config.get("DELIVERY_RETRY_SECONDS", 60))
    return timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def send_delivery(delivery: Delivery, now: datetime) -> bool:
    """One attempt; records the outcome on the delivery and returns whether it was sent. The
    database transaction is committed before the network call, so no lock is held while waiting."""
    delivery_id = delivery.id
    error_text = ""
    try:
        send = PREPARERS[delivery.channel](delivery.notification)
    except Exception as error:  # noqa: BLE001
        send, error_text = None, f"{type(error).__name__}: {error}"
    db.session.commit()
    if send is not None:
        try:
            send()
        except Exception as error:  # noqa: BLE001 (any failure of the gateway is logged and retried)
            error_text = f"{type(error).__name__}: {error}" or type(error).__name__
    delivery = db.session.get(Delivery, delivery_id)
    delivery.attempts += 1
    if error_text:
        delivery.last_error = error_text[:300]
        if delivery.attempts >= int(current_app.config.get("DELIVERY_MAX_ATTEMPTS", 5)):
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        # A gateway's reply may carry line breaks (and text from the message): one line per failure.
        current_app.logger.warning("delivery %s (%s) attempt %s failed: %s", delivery.id, delivery.channel,
                                   delivery.attempts, neutralize(delivery.last_error))
        return False
    delivery.status, delivery.sent_at, delivery.next_attempt_at, delivery.last_error = "sent", now, None, ""
    return True


def send_due_deliveries(now: datetime | None = None) -> dict[str, int]:
    """Sends every pending delivery that is due, committing after each so one slow gateway cannot
    hold the others' results. Returns counts: sent, retry (will be tried again), failed (given up)."""
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    ids = list(db.session.scalars(
        select(Delivery.id).where(
            Delivery.status == "pending",
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        ).order_by(Delivery.id)
    ))
    db.session.commit()
    for delivery_id in ids:
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            continue
        if send_delivery(delivery, now):
            counts["sent"] += 1
        elif delivery.status == "failed":
            counts["failed"] += 1
        else:
            counts["retry"] += 1
        db.session.commit()
    return counts


# ---- the delivery log, for the admin ------------------------------------------------------

def list_deliveries(status: str | None, page: int, per_page: int) -> Page:
    query = select(Delivery).order_by(Delivery.id.desc())
    if status in DELIVERY_STATUSES:
        query = query.where(Delivery.status == status)
    return paginate(query, page, per_page, selectinload(Delivery.notification).selectinload(Notification.user))


def count_deliveries() -> dict[str, int]:
    counts = dict(db.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    return {status: counts.get(status, 0) for status in DELIVERY_STATUSES}


def get_delivery(delivery_id: int) -> Delivery:
    return db.session.get(Delivery, delivery_id) or abort(404)


def retry_delivery(delivery: Delivery) -> bool:
    """Puts a failed delivery back in the queue with a fresh set of attempts (after the gateway is
    fixed); the next `flask remind` sends it. Returns False for a delivery that has not failed."""
    if delivery.status != "failed":
        return False
    before = snapshot(delivery, "status", "attempts")
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, None
    record_event(None, "delivery.requeue", delivery, f"重新排队外发{delivery.channel_name}（通知 #{delivery.notification_id}）", before,
                 snapshot(delivery, "status", "attempts"))
    return True
