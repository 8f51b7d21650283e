from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow

CHANNELS = {"email": "电子邮件", "webhook": "接口推送（Webhook）"}
DELIVERY_STATUSES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at"),
        # a task done marks its notices read by the page they point to (mark_done)
        Index("ix_notifications_url", "url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user: Mapped["User"] = relationship()  # noqa: F821  (auth.models, resolved by name)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by reminders (e.g. "sol:3:u7:24h:u12"): one reminder per key, however often `remind` runs.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    deliveries: Mapped[list["Delivery"]] = relationship(
        back_populates="notification", cascade="all, delete-orphan", order_by="Delivery.id"
    )


class Delivery(db.Model):
    """One notification sent (or to be sent) through one outside channel; also the delivery log:
    attempts, the last error and when the next attempt is due."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")

    @property
    def channel_name(self) -> str:
        return CHANNELS.get(self.channel, self.channel)

    @property
    def state_name(self) -> str:
        if self.status == "pending" and self.attempts:
            return "等待重试"
        return DELIVERY_STATUSES.get(self.status, self.status)
