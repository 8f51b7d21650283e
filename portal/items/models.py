from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow
from .categories import CATEGORIES

STATUSES = {
    "draft": "草稿",
    "awaiting_signoff": "待审签",
    # signed by the unit head, waiting for the 主管领导 (a category the rule set has signed twice)
    "awaiting_lead": "待主管领导审签",
    "submitted": "已报送",
    "in_review": "处理中",
    "adopted": "已采用",
    "not_adopted": "未采用",
    "invalid": "不计分",
}

# The office's inbox opens on what waits for an editor: received, not yet decided.
PENDING = "pending"
PENDING_STATUSES = ("submitted", "in_review")
# The office's verdicts on an item; a change from one to another is a correction the unit is told of.
DECIDED = ("adopted", "not_adopted", "invalid")

# A unit's own view adds one list the workflow has no status for: drafts that came back with a
# comment (退回修改), which need the reporter before anything else.
RETURNED = "returned"
UNIT_LISTS = {"draft": "草稿", RETURNED: "被退回"} | {k: v for k, v in STATUSES.items() if k != "draft"}

# Seed (街道 notice): routine events within 2 hours of their end, major ones within 4 hours.
ROUTINE_REPORT_HOURS = 2
MAJOR_REPORT_HOURS = 4


class ListedItem:
    """What an item's line in a list shows (items/_macros.html item_row), for Item and for
    items.listing.ItemRow, the copy a unit's kept lists hold."""

    @property
    def category_name(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def is_returned(self) -> bool:
        # Only a return (退回修改, comment required) brings a sent item back to draft.
        return self.status == "draft" and bool(self.decision_note)

    @property
    def status_name(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def display_title(self) -> str:
        return self.edited_title or self.title

    def is_late(self, now: datetime | None = None) -> bool:
        """逾时: submitted after the due time, or still not submitted once it has passed."""
        if self.report_due_at is None:
            return False
        return (self.submitted_at or now or utcnow()) > self.report_due_at


class Item(ListedItem, db.Model):
    __tablename__ = "items"
    __table_args__ = (
        # a unit's counts by status, and its lists (all or of a status) by last change, straight off the index
        Index("ix_items_unit_status", "unit_id", "status", "updated_at", "id"),
        Index("ix_items_unit_updated", "unit_id", "updated_at", "id"),
        # the inbox by status (and category) newest first, its totals counted off the index
        Index("ix_items_status_submitted", "status", "submitted_at", "category"),
        # the office's lists, newest first: a page comes straight off the index at province size
        Index("ix_items_submitted_id", "submitted_at", "id"),
        # a unit's items of a year by status and lateness (the ranking's target columns) without reading the rows
        Index("ix_items_unit_submitted_status", "unit_id", "submitted_at", "status", "id", "report_due_at"),
        # the near-duplicate check's window (items saved within weeks of each other)
        Index("ix_items_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: the unit an item moves from is known to a flush even when the item was expired (the
    # scores and the lists of both units change)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), active_history=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The one-time key of the form that created the item: a retried submit finds it instead of filing twice.
    form_key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    event_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    # The solicitation (约稿) this item answers, and the editor's verdict on it as an answer
    # (pending / accepted / rejected; None when the item answers none).
    solicitation_id: Mapped[int | None] = mapped_column(ForeignKey("solicitations.id"), index=True)
    solicitation_verdict: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The editor's version; the unit's original title and body are never overwritten.
    edited_title: Mapped[str | None] = mapped_column(String(100))
    edited_body: Mapped[str | None] = mapped_column(Text)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic lock: every UPDATE of the row checks and bumps it, so two people saving the same
    # item cannot silently overwrite each other; the edit forms carry the version they showed.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    unit = relationship("Unit", lazy="joined")
    author = relationship("User")
    follow_up_of = relationship("Item", remote_side=[id])
    solicitation = relationship("Solicitation")
    photos: Mapped[list["ItemPhoto"]] = relationship(
        back_populates="item", order_by="ItemPhoto.position, ItemPhoto.id"
    )
    events: Mapped[list["ItemEvent"]] = relationship(
        back_populates="item", order_by="ItemEvent.at, ItemEvent.id", cascade="all, delete-orphan"
    )

    @property
    def display_body(self) -> str:
        return self.edited_body or self.body

    @property
    def is_edited(self) -> bool:
        return (self.edited_title or self.title) != self.title or (self.edited_body or self.body) != self.body

    @staticmethod
    def compute_report_due(event_end_at: datetime | None, major: bool) -> datetime | None:
        if event_end_at is None:
            return None
        return event_end_at + timedelta(hours=MAJOR_REPORT_HOURS if major else ROUTINE_REPORT_HOURS)


class ItemPhoto(db.Model):
    """A re-encoded photo. Until its item is first saved it belongs to the form (form_key) that uploaded it."""

    __tablename__ = "item_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True,
                                                active_history=True)  # the item it leaves, for its unit's lists
    form_key: Mapped[str] = mapped_column(String(40), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stored_name: Mapped[str] = mapped_column(String(40), unique=True)
    caption: Mapped[str] = mapped_column(String(200), default="")
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item | None] = relationship(back_populates="photos")


# The photo a list shows beside an item's title: a column of the list's own statement (lists ask for it with
# items.listing.with_thumb) rather than every photo of every row loaded. Raising when not asked for: a list that
# forgot it fails its tests rather than reading each row's photo in a statement of its own.
Item.thumb_photo_id = column_property(
    select(ItemPhoto.id).where(ItemPhoto.item_id == Item.id).order_by(ItemPhoto.position, ItemPhoto.id).limit(1)
    .correlate_except(ItemPhoto).scalar_subquery(), deferred=True, raiseload=True)


class ItemEvent(db.Model):
    """One transition or edit in an item's life: who, when, from, to, comment."""

    __tablename__ = "item_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(String(500), default="")

    item: Mapped[Item] = relationship(back_populates="events")
    actor = relationship("User", lazy="joined")

    @property
    def action_name(self) -> str:
        from .workflow import ACTION_NAMES  # workflow imports this module

        return ACTION_NAMES.get(self.action, self.action)


class DecidedCount(db.Model):
    """How many items carry each verdict (DECIDED) in each category, kept by the database itself: triggers on
    items add and take away on every insert, delete and change of status or category, however it is written
    (the ORM, a bulk statement, SQL text). The inbox's tabs and its lists filtered by category read these rows
    instead of counting the office's archive on every view (most of a province's million items are decided),
    while the pending statuses, which move with every sign-off, are counted live. Only a pair with a row here
    is kept: a verdict or category added later comes with a migration that inserts its rows, counted."""

    __tablename__ = "decided_counts"

    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    total: Mapped[int]
