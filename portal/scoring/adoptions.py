"""Channels and adoptions: an item adopted by a channel of the active rule set, recorded once, and the
date rule every fact about an item keeps (never before it reached the office, never after today)."""
from datetime import date, datetime

from sqlalchemy import select

from ..audit.services import record_event, snapshot
from ..auth.models import User
from ..extensions import db, utcnow
from ..items.models import Item
from ..units.office import kept_by_office
from ..web.errors import UserError
from ..web.fields import EARLIEST_YEAR
from .models import Adoption, Channel
from .periods import to_office_date


INTERNAL_CHANNEL = "internal"


def get_channel(key: str) -> Channel:
    channel = db.session.scalar(select(Channel).where(Channel.key == key))
    if channel is None:
        raise LookupError(f"channel {key!r} is not configured")
    return channel


@kept_by_office  # the item page's adoption form names the office's own channel
def get_channel_name(key: str) -> str:
    return get_channel(key).name


class FactDateError(UserError):
    """A fact dated before its cause or after today; the message is Chinese, for the user."""


# Dates before this are typing slips, and the year-1 corner would overflow time-zone arithmetic in scoring.
EARLIEST_DAY = date(EARLIEST_YEAR, 1, 1)


def fact_day_refusal(day: date | None, submitted_at: datetime | None, what: str,
                     now: datetime | None = None) -> str | None:
    """Why a fact about an item (an adoption, an instruction) may not carry this date, or None: it is
    never dated before the item reached the office (its sign-off, in office time) nor after today."""
    if day is None:
        return f"请填写{what}"
    if day > to_office_date(now or utcnow()):
        return f"{what}不能晚于今天"
    if day < EARLIEST_DAY:
        return f"{what}不能早于{EARLIEST_DAY.year}年"
    if submitted_at is not None:
        submitted_on = to_office_date(submitted_at)
        if day < submitted_on:
            return f"{what}不能早于信息的报送日期（{submitted_on.year}年{submitted_on.month}月{submitted_on.day}日）"
    return None


def record_adoption(item_id: int, channel_key: str, adopted_on: date, recorded_by_id: int,
                    now: datetime | None = None) -> Adoption:
    """Idempotent: a channel adopts an item once; recording it again keeps the first record, date
    included. Every path that records an adoption comes through here, so the date rule is kept here
    (callers check first to show the refusal beside their own form field)."""
    channel = get_channel(channel_key)
    existing = db.session.scalar(
        select(Adoption).where(Adoption.item_id == item_id, Adoption.channel_id == channel.id)
    )
    if existing is not None:
        return existing
    item = db.session.get(Item, item_id)
    refusal = fact_day_refusal(adopted_on, item.submitted_at if item else None, "采用日期", now)
    if refusal:
        raise FactDateError(refusal)
    adoption = Adoption(item_id=item_id, channel=channel, adopted_on=adopted_on, recorded_by_id=recorded_by_id,
                        recorded_at=now or utcnow())
    db.session.add(adoption)
    record_event(db.session.get(User, recorded_by_id), "adoption.record", adoption,
                 f"记录信息 #{item_id} 被{channel.name}采用", new=_adoption_values(adoption))
    return adoption


def _adoption_values(adoption: Adoption) -> dict:
    return {"item_id": adoption.item_id, "channel": adoption.channel.name} | snapshot(adoption, "adopted_on")


def record_edition_adoption(item_id: int, channel_key: str, edition_id: int, issued_on: date,
                            recorded_by_id: int) -> Adoption:
    """An edition of the office's publication carries the item: the adoption names the edition and
    keeps the date it was recorded with (an item adopted in November and printed in December earned its
    points in November, and November's bulletin may already be published). An item that reached the
    edition without the office's own adoption (补录 by an upper office) is adopted on the edition's day."""
    adoption = record_adoption(item_id, channel_key, issued_on, recorded_by_id)
    adoption.edition_id = edition_id
    return adoption


