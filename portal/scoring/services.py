"""Adoptions and channels. The scoring engine itself (engine.py) never touches the database."""
from datetime import date

from sqlalchemy import select

from ..extensions import db
from .models import Adoption, Channel

INTERNAL_CHANNEL = "internal"


def get_channel(key: str) -> Channel:
    channel = db.session.scalar(select(Channel).where(Channel.key == key))
    if channel is None:
        raise LookupError(f"channel {key!r} is not configured")
    return channel


def record_adoption(item_id: int, channel_key: str, adopted_on: date, recorded_by_id: int) -> Adoption:
    """Idempotent: a channel adopts an item once; recording it again keeps the first record."""
    channel = get_channel(channel_key)
    existing = db.session.scalar(
        select(Adoption).where(Adoption.item_id == item_id, Adoption.channel_id == channel.id)
    )
    if existing is not None:
        return existing
    adoption = Adoption(item_id=item_id, channel=channel, adopted_on=adopted_on, recorded_by_id=recorded_by_id)
    db.session.add(adoption)
    return adoption


def list_adoptions(item_id: int) -> list[Adoption]:
    return list(
        db.session.scalars(select(Adoption).where(Adoption.item_id == item_id).order_by(Adoption.adopted_on))
    )
