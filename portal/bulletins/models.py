"""Bulletins (通报): monthly, quarterly and yearly statements of reporting, adoption and scores.
A draft is figured live; publishing numbers it and freezes every figure and name it shows."""
import json
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow

KINDS = {"month": "月度通报", "quarter": "季度通报", "year": "年度通报"}
STATUSES = {"draft": "草稿", "published": "已发布"}


class Bulletin(db.Model):
    __tablename__ = "bulletins"
    # 发文字号 serials run per calendar year of publication, like every other document of the office.
    __table_args__ = (UniqueConstraint("number_year", "number", name="uq_bulletins_number_year_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    year: Mapped[int]
    # the month (1-12) or quarter (1-4) of `year`; 0 for a yearly bulletin
    part: Mapped[int] = mapped_column(default=0)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(100))
    addressee: Mapped[str] = mapped_column(String(100), default="")
    preamble: Mapped[str] = mapped_column(Text, default="")
    closing: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    number_year: Mapped[int | None]
    number: Mapped[int | None]
    # 发文字号 as printed, e.g. 城南街办通〔2026〕3号 (kept as issued, whatever the prefix is later)
    doc_number: Mapped[str | None] = mapped_column(String(60))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("bulletins.id", ondelete="SET NULL"))
    # Every figure and name the published bulletin shows, as JSON; None while a draft. The column keeps
    # its first name, snapshot, so no migration is needed for the attribute's clearer one.
    figures_json: Mapped[str | None] = mapped_column("snapshot", Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    corrects = relationship("Bulletin", remote_side=[id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def kind_name(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def status_name(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def frozen(self) -> dict | None:
        return json.loads(self.figures_json) if self.figures_json else None


# What a published bulletin said: once published, none of it may change (a correction is a new bulletin).
FROZEN_FIELDS = ("kind", "year", "part", "first_day", "last_day", "title", "addressee", "preamble", "closing",
                 "status", "number_year", "number", "doc_number", "corrects_id", "figures_json", "published_at",
                 "published_by_id")


class PublishedBulletinError(RuntimeError):
    """A program tried to change or delete a published bulletin: a bug, never a user's input."""


def _was_published(target: Bulletin) -> bool:
    history = inspect(target).attrs.status.history
    return "published" in (*history.unchanged, *history.deleted)


@event.listens_for(Bulletin, "before_update")
def _refuse_changing_published(_mapper, _connection, target: Bulletin) -> None:
    if not _was_published(target):
        return
    state = inspect(target)
    changed = [name for name in FROZEN_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        raise PublishedBulletinError(f"published bulletin {target.id} cannot change: {', '.join(changed)}")


@event.listens_for(Bulletin, "before_delete")
def _refuse_deleting_published(_mapper, _connection, target: Bulletin) -> None:
    if _was_published(target):
        raise PublishedBulletinError(f"published bulletin {target.id} cannot be deleted")


# The files a published bulletin is downloaded as: made once at publishing, served as stored.
DOCUMENT_FORMATS = ("pdf", "xlsx", "docx")


class BulletinDocument(db.Model):
    __tablename__ = "bulletin_documents"
    __table_args__ = (UniqueConstraint("bulletin_id", "format", name="uq_bulletin_documents_bulletin_id_format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(10))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
