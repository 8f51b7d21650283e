"""Nothing irreversible in one tap: publishing a bulletin, locking an edition, deleting a draft and ending a
solicitation first say what will happen. Without the confirmation the answer is that question (the page a
browser without scripts shows), and nothing changes; with it, the action is done."""
import re

from sqlalchemy import select

from portal.bulletins.models import Bulletin
from portal.editions.models import Edition
from portal.extensions import db
from portal.items.models import Item
from portal.solicitations.models import Solicitation
from tests.mobile import signed_in


def first(model, *where):
    return db.session.scalars(select(model).where(*where).order_by(model.id)).first()


def test_each_irreversible_action_asks_first_saying_what_happens(demo):
    editor, reporter = signed_in(demo, "editor"), signed_in(demo, "reporter")
    bulletin = first(Bulletin, Bulletin.status == "draft")
    solicitation = first(Solicitation, Solicitation.closed_at.is_(None))
    draft = first(Item, Item.status == "draft", Item.decision_note == "", Item.unit_id == db.session.scalars(
        select(Item.unit_id).where(Item.author.has(username="reporter"))).first())
    cases = [
        (editor, f"/bulletins/{bulletin.id}/publish", "发布并通知各单位", r"发布后编为城南街办通〔\d{4}〕\d+号.*通知"),
        (editor, f"/solicitations/{solicitation.id}/close", "结束约稿", r"结束约稿“.+”？.*将通知\d+个单位"),
        (reporter, f"/items/{draft.id}/delete", "删除草稿", r"删除草稿《.+》.*无法恢复"),
    ]
    edition = first(Edition, Edition.status == "draft")
    if edition is not None and edition.entries:
        cases.append((editor, f"/editions/{edition.id}/lock", "确认定版", r"定版后编为.+第\d+期.*通知\d+个相关单位"))
    for client, url, label, question in cases:
        page = client.post(url, headers={"Referer": "http://localhost/back-here"}).get_data(as_text=True)
        assert f"请确认：{label}" in page and re.search(question, page), url
        assert 'name="confirmed" value="1"' in page and 'href="/back-here"' in page
    db.session.expire_all()
    assert bulletin.status == "draft" and solicitation.closed_at is None and db.session.get(Item, draft.id)
    # The same question rides on the button of the page, for portal.js's dialog.
    detail = editor.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert re.search(r'data-confirm="发布后编为城南街办通', detail)
    assert reporter.post(f"/items/{draft.id}/delete", data={"confirmed": "1"}).status_code == 302
    assert db.session.get(Item, draft.id) is None
