"""The office's own publications (刊物) and their numbered editions (期)."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow

NUMBERINGS = {"yearly": "每年从第1期起编号", "running": "连续编总期号"}
EDITION_STATUSES = {"draft": "编辑中", "locked": "已定版"}


class Publication(db.Model):
    """A publication the office compiles itself, e.g. 《高新信息》. Its editions record adoptions on
    `channel`, so scoring counts an item the day the edition carrying it is issued."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    numbering: Mapped[str] = mapped_column(String(20), default="yearly")
    # 总第N期 beside the year's number (yearly numbering); running numbering always shows it.
    show_total: Mapped[bool] = mapped_column(Boolean, default=True)
    # Editions issued before the portal: the first edition here is 总第 total_start + 1 期.
    total_start: Mapped[int] = mapped_column(Integer, default=0)
    compiled_by: Mapped[str] = mapped_column(String(60), default="")  # 编发 unit, e.g. 高新区管委会办公室
    sections: Mapped[str] = mapped_column(Text, default="")  # 栏目, one per line
    report_to: Mapped[str] = mapped_column(String(300), default="")  # 报
    send_to: Mapped[str] = mapped_column(String(300), default="")  # 送
    issue_to: Mapped[str] = mapped_column(String(300), default="")  # 发
    print_count: Mapped[int] = mapped_column(Integer, default=0)  # 共印 N 份
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    channel = relationship("Channel")

    @property
    def section_list(self) -> list[str]:
        return [line.strip() for line in self.sections.splitlines() if line.strip()]


class Edition(db.Model):
    """One issue of a publication. Drafts change freely; locking (定版) numbers it and freezes it."""

    __tablename__ = "editions"
    __table_args__ = (
        UniqueConstraint("publication_id", "year", "number", name="uq_editions_publication_year_number"),
        UniqueConstraint("publication_id", "total_number", name="uq_editions_publication_total_number"),
        UniqueConstraint("form_key", name="uq_editions_form_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    issued_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    total_number: Mapped[int | None] = mapped_column(Integer)
    editor_note: Mapped[str] = mapped_column(Text, default="")  # 编者按
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The one-time key of the form that created the draft: a replayed submit finds it instead of a second one.
    form_key: Mapped[str | None] = mapped_column(String(40))

    publication = relationship(Publication, lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    locked_by = relationship("User", foreign_keys=[locked_by_id])
    entries: Mapped[list["EditionEntry"]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="EditionEntry.position, EditionEntry.id"
    )

    @property
    def is_locked(self) -> bool:
        return self.status == "locked"

    @property
    def status_name(self) -> str:
        return EDITION_STATUSES.get(self.status, self.status)


class EditionEntry(db.Model):
    """An item in an edition, in its section and place, under the headline the editor gave it. The
    text and the unit's name are copied in at locking, so a locked edition never changes."""

    __tablename__ = "edition_entries"
    __table_args__ = (UniqueConstraint("edition_id", "item_id", name="uq_edition_entries_edition_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    section: Mapped[str] = mapped_column(String(30), default="")
    headline: Mapped[str] = mapped_column(String(100))
    body: Mapped[str | None] = mapped_column(Text)
    unit_name: Mapped[str | None] = mapped_column(String(100))

    edition = relationship(Edition, back_populates="entries")
    item = relationship("Item")
