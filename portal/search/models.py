from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# SQLite's FTS5 index over item_search and its shadow tables, made by the migration: not models.
FTS_TABLE = "item_search_fts"


class ItemSearch(db.Model):
    """An item's searchable text as index tokens (see text.py), kept in step with the item by
    services.index_items. Title: title and edited title; body: body, edited body, photo captions and the unit's name."""

    __tablename__ = "item_search"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    tails: Mapped[str] = mapped_column(Text)
