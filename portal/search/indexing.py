"""Writing item_search rows. Core SQL on lightweight tables only (no models, no Flask), so the
migration that creates the index fills it with this same code."""
import re

import sqlalchemy as sa

from .text import index_grams, index_tails

items = sa.table("items", sa.column("id"), sa.column("unit_id"), sa.column("title"), sa.column("body"), sa.column("edited_title"),
                 sa.column("edited_body"))
photos = sa.table("item_photos", sa.column("item_id"), sa.column("caption"), sa.column("position"),
                  sa.column("id"))
units = sa.table("units", sa.column("id"), sa.column("name"))
item_search = sa.table("item_search", sa.column("item_id"), sa.column("title"), sa.column("body"),
                       sa.column("tails"))
CHUNK = 2000


def index_items(connection, item_ids=None) -> int:
    """Rewrites the rows of these items (every item when None); an item that no longer exists loses its row."""
    if item_ids is None:
        connection.execute(sa.delete(item_search))
        ids = list(connection.scalars(sa.select(items.c.id).order_by(items.c.id)))
    else:
        ids = sorted(item_ids)
    for start in range(0, len(ids), CHUNK):
        _index_chunk(connection, ids[start:start + CHUNK], item_ids is not None)
    if item_ids is None and connection.dialect.name == "postgresql":
        # Every row is new: without fresh statistics (autovacuum may be off or late) the planner guessed a
        # few hundred items and checked each one against the text, seconds instead of an index lookup.
        connection.execute(sa.text("ANALYZE items, item_search"))
    return len(ids)


def _index_chunk(connection, ids: list[int], replace: bool) -> None:
    captions: dict[int, list[str]] = {}
    for item_id, caption in connection.execute(
        sa.select(photos.c.item_id, photos.c.caption).where(photos.c.item_id.in_(ids))
        .order_by(photos.c.item_id, photos.c.position, photos.c.id)
    ):
        captions.setdefault(item_id, []).append(caption)
    rows = []
    for item_id, title, body, edited_title, edited_body, unit_name in connection.execute(
        sa.select(items.c.id, items.c.title, items.c.body, items.c.edited_title, items.c.edited_body, units.c.name)
        .join(units, units.c.id == items.c.unit_id)
        .where(items.c.id.in_(ids))
    ):
        titles = (title, edited_title or "")
        bodies = (body, edited_body or "", *captions.get(item_id, []), unit_name)
        rows.append({"item_id": item_id, "title": index_grams(*titles), "body": index_grams(*bodies),
                     "tails": index_tails(*titles, *bodies)})
    if replace:
        connection.execute(sa.delete(item_search).where(item_search.c.item_id.in_(ids)))
    if rows:
        connection.execute(sa.insert(item_search), rows)


def index_rare_characters(connection) -> int:
    """Rewrites the rows holding a character that an earlier tokenizer did not take for Han (outside the BMP,
    or 〇): it cut names like 刘𬣙 apart. Reads the index text once, rewrites only those rows."""
    stale = re.compile("[\u3007\U00020000-\U0003ffff]")
    found = []
    rows = connection.execute(
        sa.select(item_search.c.item_id, item_search.c.title, item_search.c.body, item_search.c.tails)
        .execution_options(stream_results=True, yield_per=CHUNK))
    for item_id, *texts in rows:
        if any(stale.search(text) for text in texts):
            found.append(item_id)
    if found:
        index_items(connection, found)
    return len(found)
