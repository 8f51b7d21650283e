"""Full-text search over the items a user may see: the index hook and the ranked query."""
import math

from sqlalchemy import column, event, func, inspect, literal_column, or_, select, table, true
from sqlalchemy.orm import Session, selectinload

from ..extensions import db
from ..items.models import Item, ItemPhoto
from ..items.services import InboxFilters, filter_items, visible_items_condition
from ..units.models import Unit
from ..web.paging import Page
from .indexing import index_items
from .models import FTS_TABLE
from .text import Term, parse_query

INDEXED_ITEM_FIELDS = ("title", "body", "edited_title", "edited_body")


@event.listens_for(Session, "after_flush")
def _index_flushed_items(session, flush_context) -> None:
    """Every write of an item's text, a photo's caption or a unit's name goes through a flush: re-index the
    items concerned there, in the same transaction, so a saved item is found at once and a rolled-back one never is."""
    changed = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Item) and (obj in session.new or _changed(obj, INDEXED_ITEM_FIELDS)):
            changed.add(obj.id)
        elif isinstance(obj, ItemPhoto):
            state = inspect(obj)
            changed.update(filter(None, [obj.item_id, *state.attrs.item_id.history.deleted]))
        elif isinstance(obj, Unit) and _changed(obj, ("name",)):
            changed.update(session.connection().scalars(select(Item.id).where(Item.unit_id == obj.id)))
    changed -= {obj.id for obj in session.deleted if isinstance(obj, Item)}  # their rows go by cascade
    if changed:
        index_items(session.connection(), changed)


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[field].history.has_changes() for field in fields)


def rebuild_search_index() -> int:
    """Every item's row written afresh (after a bulk load that bypassed the session)."""
    count = index_items(db.session.connection())
    db.session.commit()
    return count


# ---- the query ---------------------------------------------------------------------------------

def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _fts5_expression(term: Term) -> str:
    phrase = '"' + " ".join(term.tokens) + '"' + ("*" if term.prefix else "")
    if term.single_character:
        return f'({{title body}} : {phrase} OR tails : "{term.tokens[0]}")'
    return f"{{title body}} : {phrase}"


FTS5 = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))
# PostgreSQL's stored tsvector columns, made by the migration (not in the model: SQLite has no such type).
PG_SEARCH = table("item_search", column("item_id"), column(f"{FTS_TABLE}_text"), column(f"{FTS_TABLE}_tails"))
PG_TEXT = PG_SEARCH.c[f"{FTS_TABLE}_text"]
PG_TAILS = PG_SEARCH.c[f"{FTS_TABLE}_tails"]


def _pg_query(text: str):
    return func.to_tsquery(literal_column("'simple'"), text)


def _pg_phrase(term: Term) -> str:
    return "(" + " <-> ".join(f"'{token}'" for token in term.tokens) + (":*" if term.prefix else "") + ")"


def _matches(terms: list[Term]):
    """The ids (item_id) of the items holding every term, unranked: what the inbox's keyword filter needs."""
    if _is_postgresql():
        found = [PG_TEXT.op("@@")(_pg_query(_pg_phrase(term))) for term in terms]
        found = [
            or_(match, PG_TAILS.op("@@")(_pg_query(f"'{term.tokens[0]}'"))) if term.single_character else match
            for match, term in zip(found, terms, strict=True)
        ]
        return select(PG_SEARCH.c.item_id.label("item_id")).where(*found)
    expression = " AND ".join(f"({_fts5_expression(term)})" for term in terms)
    return select(FTS5.c.rowid.label("item_id")).where(FTS5.c[FTS_TABLE].op("MATCH")(expression))


def _hits(terms: list[Term]):
    """(item_id, score) of the items holding every term, smaller scores better: FTS5's bm25 or PostgreSQL's
    ts_rank, a word in the title weighing ten times one in the body (which holds captions and unit name)."""
    if _is_postgresql():
        score = -func.ts_rank(literal_column("'{0.1, 0.2, 0.4, 1.0}'::float4[]"), PG_TEXT,
                              _pg_query(" & ".join(_pg_phrase(term) for term in terms)))
        # Materialized: the matches and their scores first, from the index, as narrow rows. Inlined, the
        # planner carried every match's tsvector through the join, the count and the sort (external merge).
        return _matches(terms).add_columns(score.label("score")).cte("hits").prefix_with("MATERIALIZED")
    score = literal_column(f"bm25({FTS_TABLE}, 10.0, 1.0, 0.0)")
    return _matches(terms).add_columns(score.label("score")).subquery()


def match_items(q: str):
    """The condition that an item holds every word of q (for the inbox's keyword filter).
    Words nothing can match (punctuation only) match every item."""
    terms = parse_query(q)
    return Item.id.in_(_matches(terms)) if terms else true()


def search_items(user, filters: InboxFilters, page: int, per_page: int) -> tuple[list[Term], Page]:
    """The items the user may see that hold every word of filters.q and pass the inbox's other filters,
    best first, then the newest. No words, no results."""
    terms = parse_query(filters.q)
    if not terms:
        return terms, Page([], 0, 1, per_page)
    hits = _hits(terms)
    query = filter_items(
        select(Item.id, func.count().over().label("total"))
        .join(hits, hits.c.item_id == Item.id)
        .where(visible_items_condition(user))
        .order_by(hits.c.score, Item.id.desc()),
        filters,
    )
    # One pass gives the page's ids and the number of matches: the full-text match is the costly part.
    # Ids only, then the page's items: sorting whole rows would carry every match's text.
    page = max(1, page)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    if not rows and page > 1:  # past the last page: show the last one
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        page = max(1, math.ceil(total / per_page))
        rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    items = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_([row.id for row in rows])).options(selectinload(Item.photos)))}
    return terms, Page([items[row.id] for row in rows], rows[0].total if rows else 0, page, per_page)
