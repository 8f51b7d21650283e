"""One page of a query's rows, for every paged list (rendered by _macros/items.html's pager)."""
import math
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, literal, select

from ..extensions import db


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    more: bool = False  # there are more rows than total, which stopped at the COUNT_LIMIT setting

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _capped(query, limit: int):
    # Counted without the query's columns: SQLite reads each row of a subquery that names them (past an
    # item's long body), where the rows' index alone answers the filters.
    rows = query.order_by(None).with_only_columns(literal(1), maintain_column_froms=True).limit(limit + 1)
    return select(func.count()).select_from(rows.subquery())


def count_rows(query) -> tuple[int, bool]:
    """(rows of query up to the COUNT_LIMIT setting, whether there are more)."""
    limit = current_app.config["COUNT_LIMIT"]
    total = db.session.scalar(_capped(query, limit))
    return min(total, limit), total > limit


def count_rows_each(queries: dict, kept: dict | None = None) -> dict:
    """count_rows of each query, {key: (rows, more)}, in one statement (one round trip, not one a query); `kept`
    adds totals the database keeps (a select of one stored number each), capped alike so that they print as
    the counted ones and as a list's own count of the same rows."""
    limit = current_app.config["COUNT_LIMIT"]
    kept = kept or {}
    columns = [_capped(query, limit).scalar_subquery() for query in queries.values()]
    totals = db.session.execute(select(*columns, *(total.scalar_subquery() for total in kept.values()))).one()
    return {key: (min(total or 0, limit), (total or 0) > limit) for key, total in zip([*queries, *kept], totals)}


def paginate(query, page: int, per_page: int, *options, counted: tuple[int, bool] | None = None) -> Page:
    """Rows of `query` (already ordered) on page `page`, clamped to the pages there are. `counted`: the query's
    count_rows when it is known already (kept, or counted with other figures of the page), not counted again."""
    total, more = count_rows(query) if counted is None else counted
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    result = db.session.execute(query.options(*options).limit(per_page).offset((page - 1) * per_page))
    # a query of one entity pages its objects, a query of several its rows
    rows = result.scalars() if len(query.column_descriptions) == 1 else result
    return Page(list(rows), total, page, per_page, more)
