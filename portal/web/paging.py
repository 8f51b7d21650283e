"""One page of a query's rows, for every paged list (rendered by _macros/items.html's pager)."""
import math
from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def paginate(query, page: int, per_page: int, *options) -> Page:
    """Rows of `query` (already ordered) on page `page`, clamped to the pages there are."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    rows = db.session.scalars(query.options(*options).limit(per_page).offset((page - 1) * per_page))
    return Page(list(rows), total, page, per_page)
