"""Markup every role's pages share: an id names one element, and a label names an element that exists.
Two forms on one page (the item page's 更正类别 and 标记为重复 both had a field `reason`) made a label
point at the other form's field, which a screen reader and a tap on the label both follow."""
from collections import Counter
from html.parser import HTMLParser

from sqlalchemy import select

from portal.checks.models import Similarity
from portal.extensions import db
from portal.items.models import Item
from tests import mobile
from tests.mobile import fetch, main_pages, signed_in


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.label_targets = Counter(), []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids[attributes["id"]] += 1
        if tag == "label" and attributes.get("for"):
            self.label_targets.append(attributes["for"])


def check_ids(html, where):
    parser = Ids()
    parser.feed(html)
    assert [name for name, count in parser.ids.items() if count > 1] == [], where
    assert [name for name in parser.label_targets if name not in parser.ids] == [], where


def test_every_page_names_each_element_once_and_labels_what_exists(demo):
    checked = 0
    for username in mobile.DEMO_ROLES:
        client = signed_in(demo, username)
        for url, (_, html) in main_pages(client, "gzip").items():
            check_ids(html, (username, url))
            checked += 1
    assert checked > 40


def test_the_item_page_with_every_form_an_editor_has_names_each_field_once(demo):
    # The fullest item page: a received item with a similar one (标记为重复, 综合) and 更正类别 beside
    # the review's own forms.
    item_id = db.session.scalar(select(Similarity.item_id).join(Item, Item.id == Similarity.item_id)
                                .where(Item.status.in_(["submitted", "in_review"])).order_by(Similarity.item_id))
    assert item_id is not None, "the demo has no received item with a similar one"
    _, _, html = fetch(signed_in(demo, "editor"), f"/items/{item_id}", "gzip")
    assert "标记为重复" in html and "确认更正" in html
    check_ids(html, f"/items/{item_id}")
