"""The in-app notice list. The outside channels (e-mail, webhook; see .delivery) hang off
notify_users: the in-app notice is always stored, and its deliveries are queued beside it and sent
later by `flask remind`, never inside the request."""
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from ..extensions import db, login_read, prepared, utcnow
from .delivery import queue_deliveries
from .models import Notification


def create_notification(user_id: int, kind: str, text: str, url: str = "", dedupe_key: str | None = None,
                        now: datetime | None = None) -> Notification:
    notification = Notification(user_id=user_id, kind=kind, text=text[:300], url=url, dedupe_key=dedupe_key,
                                created_at=now or utcnow())
    db.session.add(notification)
    queue_deliveries(notification)
    return notification


def notify_users(user_ids, kind: str, text: str, url: str = "", now: datetime | None = None) -> None:
    for user_id in sorted(set(user_ids)):
        create_notification(user_id, kind, text, url, now=now)


@prepared  # the bell's count on every page
def _unread():
    return select(func.count(Notification.id)).where(Notification.user_id == bindparam("user_id"),
                                                     Notification.read_at.is_(None))


def count_unread(user_id: int) -> int:
    return db.session.scalar(_unread(), {"user_id": user_id})


UNREAD = "unread"


def unread_count_column():
    """The bell's count as a column of the login check's read (bound to its user_id): a statement fewer a page."""
    return _unread().scalar_subquery()


def count_unread_for_page(user_id: int) -> int:
    found, count = login_read(UNREAD)
    return count if found else count_unread(user_id)


def list_notifications(user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def get_notification_for(user_id: int, notification_id: int) -> Notification | None:
    notification = db.session.get(Notification, notification_id)
    return notification if notification is not None and notification.user_id == user_id else None


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_done(url: str, kinds, now: datetime | None = None) -> None:
    """Notices of these kinds that asked for a task now done (an item signed, say) are read for everyone they
    went to."""
    db.session.execute(update(Notification).where(Notification.kind.in_(kinds), Notification.url == url,
                                                  Notification.read_at.is_(None)).values(read_at=now or utcnow()))


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
