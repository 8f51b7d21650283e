"""Search on the demo data: an editor finds any demo item by a two-character word."""
import re

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.items.models import Item
from portal.items.services import InboxFilters, visible_items_condition
from portal.search.services import search_items

HAN_PAIR = re.compile(r"[\u4e00-\u9fff]{2}")


def test_the_editor_finds_every_demo_item_by_a_two_character_word(demo):
    editor = db.session.scalar(select(User).where(User.username == "editor"))
    items = list(db.session.scalars(select(Item).where(visible_items_condition(editor))))
    assert len(items) > 100
    for item in items:
        # a pair from the middle of the title: not only its first word
        pairs = HAN_PAIR.findall(item.display_title)
        word = pairs[len(pairs) // 2]
        _, page = search_items(editor, InboxFilters(q=word), 1, 10_000)
        if page.more:  # a word in more items than are ranked: the editor narrows by unit, as the page suggests
            _, page = search_items(editor, InboxFilters(q=word, unit_id=item.unit_id), 1, 10_000)
        assert item.id in [hit.id for hit in page.items], (word, item.display_title)
