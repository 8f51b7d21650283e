from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow


class Channel(db.Model):
    """A publication or platform that adopts items (刊物/载体), belonging to an issuing body."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Adoption(db.Model):
    """采用: one channel used one item on a date. Scoring reads these as facts."""

    __tablename__ = "adoptions"
    __table_args__ = (
        UniqueConstraint("item_id", "channel_id", name="uq_adoptions_item_channel"),
        # an item's adoptions, and the 采用 of a window counted per unit (count_filings) without reading the rows
        Index("ix_adoptions_item_adopted", "item_id", "adopted_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    adopted_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The locked edition of the office's publication that carried the item, if any. Locking links it
    # here and leaves adopted_on alone: the date is set once, when the adoption is recorded.
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("editions.id", ondelete="SET NULL"))

    channel = relationship(Channel, lazy="joined")


class RuleSet(db.Model):
    """A rule set (the engine's JSON, validated on save) and the scoring period it applies to.
    Exactly one is active: it scores the live ranking and lists the channels editors may record."""

    __tablename__ = "rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    data: Mapped[str] = mapped_column(Text)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Instruction(db.Model):
    """领导批示 on an item, with the unit's feedback (反馈) and the editor's verdict on it."""

    __tablename__ = "instructions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    leader_name: Mapped[str] = mapped_column(String(40))
    rank: Mapped[str] = mapped_column(String(40))
    instructed_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")
    feedback_required: Mapped[bool] = mapped_column(Boolean, default=True)
    feedback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_text: Mapped[str] = mapped_column(Text, default="")
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # pending until the editor accepts or rejects the unit's feedback
    feedback_verdict: Mapped[str] = mapped_column(String(20), default="pending")
    feedback_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnualTarget(db.Model):
    """年度目标任务: items to submit and to have adopted in a year, per unit tier (None: untiered units)."""

    __tablename__ = "annual_targets"
    __table_args__ = (UniqueConstraint("year", "tier_id", name="uq_annual_targets_year_tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="CASCADE"))
    submitted_target: Mapped[int] = mapped_column(default=0)
    adopted_target: Mapped[int] = mapped_column(default=0)


class ScoreRun(db.Model):
    """One stored computation of the active rule set: pages read it instead of re-scoring."""

    __tablename__ = "score_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_sets.id", ondelete="CASCADE"))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(Text, default="")
    # Drawn again by every change to the run's unit scores (web.memo.draw_version): what pages derive from
    # the run alone is kept under it (web.memo.kept_by_version). None while the run is stale (facts
    # changed that it was not updated for) and for a run stored before versions: nothing is kept then.
    version: Mapped[str | None] = mapped_column(String(32))


class UnitScore(db.Model):
    __tablename__ = "unit_scores"

    run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    raw: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    final: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    rank: Mapped[int]
    # points per rule key, JSON: the ranking's breakdown without reading the ledger
    breakdown: Mapped[str] = mapped_column(Text, default="{}")
    # the unit's quota windows under way and when they were counted, JSON (scoring.quota_windows.list_open_quotas):
    # the dashboard reads them instead of running the engine; empty until scored
    quotas: Mapped[str] = mapped_column(Text, default="")
    # Drawn again whenever this unit is re-scored (its facts changed; another unit's change moves only its
    # final and rank): the unit's ledger is kept under it (unit_ledger.account_unit). None before versions.
    version: Mapped[str | None] = mapped_column(String(32))

