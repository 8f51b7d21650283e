"""No N+1: each main page runs the same number of SQL statements whether it lists a few rows or many."""
import io

import pytest
from sqlalchemy import event
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.items.services import transition_item
from tests.conftest import jpeg_bytes, login
from tests.photo_tools import store_photo


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


def count_queries(client, url: str) -> int:
    # The tests share one session across requests; a real request starts with an empty identity map.
    db.session.expire_all()
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    assert response.status_code == 200, url
    return counter.count


def file_items(make, world, count: int) -> None:
    for index in range(count):
        author, signer = (world.reporter, world.signer) if index % 2 else (world.other_reporter, world.other_signer)
        make.item(author, ["submitted", "adopted", "in_review"][index % 3], signer=signer, editor=world.editor)


PAGES = {
    "reporter": ["/unit", "/items", "/notifications", "/editions", "/bulletins", "/solicitations/inbox"],
    "editor": ["/inbox", "/scores", "/editions", "/bulletins", "/solicitations", "/notifications"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_page_query_counts_do_not_grow_with_the_rows_listed(app, make, world, role):
    user = getattr(world, role)
    client = app.test_client()
    login(client, user)
    file_items(make, world, 3)
    for url in PAGES[role]:
        count_queries(client, url)  # warm: stored scores and caches settle
    few = {url: count_queries(client, url) for url in PAGES[role]}
    file_items(make, world, 12)
    for url in PAGES[role]:
        count_queries(client, url)
    many = {url: count_queries(client, url) for url in PAGES[role]}
    assert many == few


def test_item_page_query_count_does_not_grow_with_its_photos_and_history(app, make, world):
    client = app.test_client()
    login(client, world.editor)
    plain = make.item(world.reporter, "in_review", signer=world.signer, editor=world.editor)
    busy = make.item(world.reporter, "draft")
    for position in range(5):
        upload = FileStorage(io.BytesIO(jpeg_bytes((40, 30))), filename=f"现场{position}.jpg")
        store_photo(upload, world.reporter.id, busy.form_key, busy.id, position)
    db.session.commit()
    for action, actor in (("send", world.reporter), ("return", world.signer), ("send", world.reporter),
                          ("sign", world.signer), ("accept", world.editor)):
        with app.test_request_context(method="POST"):
            transition_item(busy, actor, action, comment="请补充数据")
        db.session.commit()
    count_queries(client, f"/items/{plain.id}")  # warm
    assert count_queries(client, f"/items/{busy.id}") == count_queries(client, f"/items/{plain.id}")
