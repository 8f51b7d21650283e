"""The walk-through on the demo: two monthly bulletins already published, last month's waiting as a
draft; an editor publishes it and downloads the PDF, and every unit reads it on the phone."""
import re

import pytest
from sqlalchemy import func, select

from portal.bulletins.models import Bulletin
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from portal.notifications.models import Notification
from tests.pdf_tools import pdf_text


def demo_client(app, username):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


@pytest.mark.calendar
def test_an_editor_publishes_the_demo_draft_and_units_read_it(app, demo):
    bulletins = db.session.scalars(select(Bulletin).order_by(Bulletin.first_day)).all()
    assert [(b.kind, b.status) for b in bulletins] == [("month", "published"), ("month", "published"),
                                                      ("month", "draft")]
    first, second, draft = bulletins
    assert (first.number, second.number) in {(1, 2), (1, 1)}  # (1, 1) when the two lie in different years
    assert first.frozen["units"] and first.frozen["adoptions"]
    told = db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "bulletin_published"))
    assert told >= 2 * 24

    editor = demo_client(app, "editor")
    assert editor.post(f"/bulletins/{draft.id}/publish", data={"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Bulletin, draft.id).is_published

    reporter = demo_client(app, "reporter")
    listing = reporter.get("/bulletins").get_data(as_text=True)
    assert listing.index(draft.title) < listing.index(second.title) < listing.index(first.title)
    page = reporter.get(f"/bulletins/{draft.id}").get_data(as_text=True)
    assert re.search(r'<li class="mine">\s*<span class="rank">\d+</span>\s*<div>\s*<b>幸福社区</b>', page)
    assert 'name="viewport"' in page
    assert reporter.get(f"/bulletins/{draft.id}.xlsx").status_code == 200
    pdf = editor.get(f"/bulletins/{draft.id}.pdf")
    assert pdf.status_code == 200
    text = "".join(pdf_text(pdf.data).split())
    assert draft.title in text and db.session.get(Bulletin, draft.id).doc_number in text and "幸福社区" in text
