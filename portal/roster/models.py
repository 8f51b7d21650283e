"""The liaison roster (信息员名单, seed 附件4): each unit's responsible leader, responsible section and
liaison officers, and the office's requests to confirm or update it by a deadline."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow

EMPLOYMENTS = {"part_time": "兼职", "full_time": "专职"}
RESPONSE_KINDS = {"confirmed": "确认无变化", "updated": "更新名单"}


class Roster(db.Model):
    """One per unit, created the first time the unit saves it."""

    __tablename__ = "rosters"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), unique=True)
    leader_name: Mapped[str] = mapped_column(String(40), default="")
    leader_position: Mapped[str] = mapped_column(String(40), default="")
    leader_mobile: Mapped[str] = mapped_column(String(20), default="")
    leader_phone: Mapped[str] = mapped_column(String(30), default="")
    leader_email: Mapped[str] = mapped_column(String(120), default="")
    section: Mapped[str] = mapped_column(String(60), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    unit = relationship("Unit", lazy="joined")
    updated_by = relationship("User")
    officers: Mapped[list["RosterOfficer"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RosterOfficer.sort_order, RosterOfficer.id"
    )


class RosterOfficer(db.Model):
    """A liaison officer (信息员) of a unit's roster, in the order the unit listed them."""

    __tablename__ = "roster_officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[str] = mapped_column(String(40), default="")
    employment: Mapped[str] = mapped_column(String(20), default="part_time")
    mobile: Mapped[str] = mapped_column(String(20), default="")
    office_phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(120), default="")

    @property
    def employment_name(self) -> str:
        return EMPLOYMENTS.get(self.employment, self.employment)


class RosterRequest(db.Model):
    """The office asks every reporting unit to confirm or update its roster by `deadline_at`."""

    __tablename__ = "roster_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[str] = mapped_column(Text, default="")
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    issued_by = relationship("User")
    responses: Mapped[list["RosterResponse"]] = relationship(
        cascade="all, delete-orphan", back_populates="request", order_by="RosterResponse.id"
    )


class RosterResponse(db.Model):
    """One target unit of a request. The row exists from the issue on (the tracking page lists the
    units asked); `responded_at` is the unit's first confirm or save, which timeliness is judged by."""

    __tablename__ = "roster_responses"
    __table_args__ = (UniqueConstraint("request_id", "unit_id", name="uq_roster_responses_request_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("roster_requests.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default="")

    request = relationship(RosterRequest, back_populates="responses")
    unit = relationship("Unit", lazy="joined")
    responded_by = relationship("User")

    @property
    def kind_name(self) -> str:
        return RESPONSE_KINDS.get(self.kind, "")
