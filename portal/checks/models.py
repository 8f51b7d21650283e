import json
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow


class ItemFeature(db.Model):
    """One feature of an item's text (events.extract: a date, a number with its unit, a person, a place, a Han
    pair), kept with the text: items sharing rare features are the candidates of a near-duplicate check."""

    __tablename__ = "item_features"
    # covering: a key's holders come off the index alone
    __table_args__ = (Index("ix_item_features_key", "key", "item_id"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)


class Similarity(db.Model):
    """Two items found to report one event, stored in both directions when either was saved or signed (and
    refreshed when either changes), so pages read them instead of searching. `shared`: JSON of what the
    two share, by mark (同一日期, 同一地点, 相同数字, 相同人员): the reason shown beside the match."""

    __tablename__ = "similarities"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True, index=True)
    score: Mapped[float] = mapped_column(Float)
    shared: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")

    @property
    def marks(self) -> dict[str, list[str]]:
        return json.loads(self.shared or "{}")


class DuplicateMark(db.Model):
    """The editor's verdict that an item repeats another; the item itself becomes `invalid`."""

    __tablename__ = "duplicate_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), unique=True)
    original_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    original = relationship("Item", foreign_keys=[original_id])


class Combination(db.Model):
    """综合: a source item whose substance went into another (adopted) item; the source is adopted too."""

    __tablename__ = "combinations"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    combined_into_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item = relationship("Item", foreign_keys=[item_id])
    combined_into = relationship("Item", foreign_keys=[combined_into_id])


class SensitiveWord(db.Model):
    __tablename__ = "sensitive_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(50), unique=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WarningReview(db.Model):
    """What the signer was shown when signing or returning an item, and what they decided."""

    __tablename__ = "warning_reviews"
    __table_args__ = (Index("ix_warning_reviews_item", "item_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))
    # JSON list of {"kind", "message"}; personal numbers are masked before they are stored.
    warnings: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")

    @property
    def shown(self) -> list[dict]:
        return json.loads(self.warnings)

    @property
    def decision_name(self) -> str:
        from ..items.workflow import ACTION_NAMES  # the items package builds on this one

        return {"sign": "审签报送"}.get(self.decision) or ACTION_NAMES.get(self.decision, self.decision)
