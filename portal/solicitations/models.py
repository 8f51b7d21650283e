"""Solicitations (约稿): a notice asking named units for an item on a topic by a deadline, each target
unit's receipt (查看, 签收), and the office's reporting priorities (信息工作要点)."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow

STATUSES = {"open": "进行中", "closed": "已结束"}

# The editor's verdict on an answer (seed: 报送时间及质量符合要求的,每条加5分); stored on the item.
VERDICTS = {"pending": "待评定", "accepted": "已采纳", "rejected": "未采纳"}

# A target unit's state on the tracking board, in the order a notice moves through them.
TARGET_STATES = {
    "unopened": "未查看",
    "opened": "已查看",
    "acknowledged": "已签收",
    "on_time": "按时报送",
    "late": "逾期报送",
    "missing": "未报送",
}


class Solicitation(db.Model):
    __tablename__ = "solicitations"
    __table_args__ = (Index("ix_solicitations_status_deadline", "status", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(100))
    requirements: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    room: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(100), default="")
    # 蚌埠 seed (通过电话等形式约稿): asked by telephone and recorded here after the call.
    by_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="open")
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # For a telephone solicitation, the time of the call, not of its recording.
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic lock, as on items: any editor may edit a notice, so two may edit it at once.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    issued_by = relationship("User")
    targets: Mapped[list["SolicitationTarget"]] = relationship(
        back_populates="solicitation", cascade="all, delete-orphan", order_by="SolicitationTarget.unit_id"
    )

    @property
    def status_name(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def unit_ids(self) -> set[int]:
        return {target.unit_id for target in self.targets}


class SolicitationTarget(db.Model):
    """One target unit of a solicitation, and its receipt: when the unit first opened the notice and
    who acknowledged it (签收)."""

    __tablename__ = "solicitation_targets"

    solicitation_id: Mapped[int] = mapped_column(
        ForeignKey("solicitations.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    solicitation: Mapped[Solicitation] = relationship(back_populates="targets")
    unit = relationship("Unit", lazy="joined")
    acknowledged_by = relationship("User")


class ReportingPriority(db.Model):
    """信息工作要点 (长春 seed: 要点通报制度): the topics the office wants reported in the coming period.
    The newest one is shown to every unit until a newer one supersedes it."""

    __tablename__ = "reporting_priorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    published_by = relationship("User")
