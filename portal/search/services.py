"""Full-text search over the items a user may see: the index hook and the ranked query."""
import math
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import column, func, inspect, literal_column, or_, select, table, text

from ..extensions import db, on_session
from ..items.listing import with_thumb
from ..items.models import Item, ItemPhoto
from ..items.services import (Count, InboxFilters, count_inbox, count_office_statuses, filter_items,
                              visible_items_condition)
from ..items.workflow import OFFICE_VISIBLE
from ..units.models import Unit
from ..web.paging import Page, paginate
from .indexing import index_items
from .models import FTS_TABLE
from .text import Term, parse_query

INDEXED_ITEM_FIELDS = ("title", "body", "edited_title", "edited_body")


def init_app(app) -> None:
    on_session("after_flush", _index_flushed_items)


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


def _pg_found(terms: list[Term], text_column, tails_column) -> list:
    found = [text_column.op("@@")(_pg_query(_pg_phrase(term))) for term in terms]
    return [
        or_(match, tails_column.op("@@")(_pg_query(f"'{term.tokens[0]}'"))) if term.single_character else match
        for match, term in zip(found, terms, strict=True)
    ]


def _matches(terms: list[Term]):
    """The ids (item_id) of the items holding every term, unranked: what the inbox's keyword filter needs."""
    if _is_postgresql():
        return select(PG_SEARCH.c.item_id.label("item_id")).where(*_pg_found(terms, PG_TEXT, PG_TAILS))
    expression = " AND ".join(f"({_fts5_expression(term)})" for term in terms)
    return select(FTS5.c.rowid.label("item_id")).where(FTS5.c[FTS_TABLE].op("MATCH")(expression))


# How many items hold the words decides how to find the newest of them, and PostgreSQL's planner cannot tell:
# it took 老旧小区改造 (pairs in a row: 老旧 <-> 旧小 <-> …), in 185,000 of a province's items, for 75, and fetched
# and checked every one through the GIN index (2 s); it took 量子, in none, for 7,000, and walked all 1.4 million
# rows looking for them (1.9 s). So a sample decides: the newest SAMPLE items' rows are checked (about 10 ms).
# Where at least DENSE_SHARE of them match, the newest items are walked and the walk stops at the limit;
# otherwise every match comes off the GIN index first (fewer than 0.3 % of the items: 4,000 in a province).
SAMPLE = 2500
DENSE_SHARE = 0.003


def _is_dense(terms: list[Term]) -> bool:
    if not _is_postgresql():  # SQLite's FTS5 walks its own index in rowid order either way
        return False
    sample = select(PG_TEXT, PG_TAILS).order_by(PG_SEARCH.c.item_id.desc()).limit(SAMPLE).subquery()
    found = _pg_found(terms, sample.c[PG_TEXT.name], sample.c[PG_TAILS.name])
    return db.session.scalar(select(func.count()).select_from(sample).where(*found)) >= SAMPLE * DENSE_SHARE


def _hits(terms: list[Term], condition, filters: InboxFilters, cap: int, dense: bool):
    """(item_id, score) of the newest cap + 1 items meeting condition that hold every term and pass the filters
    (the one over cap tells that there are more); smaller scores better: FTS5's bm25 or PostgreSQL's ts_rank,
    a word in the title weighing ten times one in the body (which holds captions and unit name)."""
    matches = _matches(terms)
    if _is_postgresql():
        score = -func.ts_rank(literal_column("'{0.1, 0.2, 0.4, 1.0}'::float4[]"), PG_TEXT,
                              _pg_query(" & ".join(_pg_phrase(term) for term in terms)))
    else:
        score = literal_column(f"bm25({FTS_TABLE}, 10.0, 1.0, 0.0)")
    scored = matches.add_columns(score.label("score"))
    if _is_postgresql() and not dense:
        scored = select(scored.cte("matches").prefix_with("MATERIALIZED"))
    item_id = scored.selected_columns.item_id
    hits = filter_items(
        scored.join(Item, Item.id == item_id).where(condition), filters
    ).order_by(item_id.desc()).limit(cap + 1)
    # Materialized on PostgreSQL: narrow rows for the count and the sort (inlined, the planner carried every
    # match's tsvector through them)
    return hits.cte("hits").prefix_with("MATERIALIZED") if _is_postgresql() else hits.subquery()


@contextmanager
def _walking(dense: bool):
    """The walk, made certain: the planner reckons its cost from its guess (every row read). Not reset on an
    error: the failed transaction's rollback ends SET LOCAL, and a RESET there would hide the error."""
    if dense:
        db.session.execute(text("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off"))
    yield
    if dense:
        db.session.execute(text("RESET enable_bitmapscan; RESET enable_seqscan"))


def search_items(user, filters: InboxFilters, page: int, per_page: int) -> tuple[list[Term], Page]:
    """The items the user may see that hold every word of filters.q and pass the inbox's other filters,
    best first, then the newest; of more than SEARCH_RANK_LIMIT matches, the best of the newest. No words,
    no results."""
    terms = parse_query(filters.q)
    if not terms:
        return terms, Page([], 0, 1, per_page)
    return terms, _page_of_matches(terms, visible_items_condition(user), filters, page, per_page, by_relevance=True)


def search_inbox(filters: InboxFilters, page: int, per_page: int) -> tuple[Page, dict[str, Count]]:
    """The office's inbox: what it has received, filtered, newest first (by the words' matches when a
    keyword is given), and its tabs' counts; without words the list's count too (count_inbox)."""
    received = Item.status.in_(OFFICE_VISIBLE)
    if filters.q:
        found = list_matching_items(filters, received, page, per_page)
        if found is not None:
            return found, count_office_statuses()
    query = filter_items(select(Item).where(received), filters)
    counts, listed = count_inbox(filters, query)
    return paginate(query.order_by(Item.submitted_at.desc(), Item.id.desc()), page, per_page, with_thumb(),
                    counted=(listed.rows, listed.more)), counts


def list_matching_items(filters: InboxFilters, condition, page: int, per_page: int) -> Page | None:
    """The inbox's keyword filter: the items meeting condition that hold every word of filters.q and pass
    the other filters, newest first; of more than SEARCH_RANK_LIMIT matches, the newest (the inbox links to
    the search page to rank them). None when the words hold nothing to look for (punctuation only)."""
    terms = parse_query(filters.q)
    return _page_of_matches(terms, condition, filters, page, per_page, by_relevance=False) if terms else None


def _page_of_matches(terms, condition, filters, page: int, per_page: int, by_relevance: bool) -> Page:
    cap = current_app.config["SEARCH_RANK_LIMIT"]
    dense = _is_dense(terms)
    hits = _hits(terms, condition, filters, cap, dense)
    # One pass gives the page's ids and the number of matches: the full-text match is the costly part.
    counted = select(hits, func.row_number().over(order_by=hits.c.item_id.desc()).label("newest"),
                     func.count().over().label("total")).subquery()
    query = select(counted.c.item_id, counted.c.total).where(counted.c.newest <= cap)
    if by_relevance:
        query = query.order_by(counted.c.score, counted.c.item_id.desc())
    else:
        query = query.join(Item, Item.id == counted.c.item_id).order_by(Item.submitted_at.desc(), Item.id.desc())
    page = max(1, page)
    with _walking(dense):
        rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
        if not rows and page > 1:  # past the last page: show the last one
            total = db.session.scalar(select(func.count()).select_from(hits))
            page = max(1, math.ceil(min(total, cap) / per_page))
            rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    items = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_([row.item_id for row in rows])).options(with_thumb()))}
    total = rows[0].total if rows else 0
    return Page([items[row.item_id] for row in rows], min(total, cap), page, per_page, more=total > cap)
