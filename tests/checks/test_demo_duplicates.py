"""The demo's planted near-duplicates: the editor sees them marked and can combine the two units' items."""

from sqlalchemy import select

from portal.checks.models import Combination, Similarity
from portal.extensions import db, utcnow
from portal.items.models import Item
from portal.web.filters import to_local


def test_demo_near_duplicates_are_marked_and_can_be_combined(demo, client):
    pairs = db.session.execute(select(Similarity.item_id, Similarity.other_id).where(
        Similarity.item_id < Similarity.other_id)).all()
    titles = {frozenset(db.session.get(Item, i).title for i in pair) for pair in pairs}
    assert titles == {frozenset({"幸福社区联合综治中心开展反电信诈骗宣传", "街道综治中心走进幸福社区开展反诈宣传"}),
                      frozenset({"和平社区开展冬季消防安全入户检查", "和平社区开展冬季消防安全入户检查情况"})}

    client.post("/login", data={"username": "editor", "password": "baosong-demo"})
    inbox = client.get("/inbox").get_data(as_text=True)
    assert inbox.count("疑似重复") >= 3  # the two same-event items and the re-filed one, filed yesterday
    happy = db.session.scalar(select(Item).where(Item.title == "幸福社区联合综治中心开展反电信诈骗宣传"))
    theirs = db.session.scalar(select(Item).where(Item.title == "街道综治中心走进幸福社区开展反诈宣传"))
    page = client.get(f"/items/{happy.id}").get_data(as_text=True)
    assert theirs.title in page and "同一日期" in page and "相同数字" in page and "综合采用" in page
    client.post(f"/items/{happy.id}/combine", data={
        "sources": [theirs.id], "title": "幸福社区和街道综治中心联合开展反电信诈骗宣传", "body": happy.body,
        "adopted_on": to_local(utcnow()).date().isoformat()})
    db.session.expire_all()
    assert (happy.status, theirs.status) == ("adopted", "adopted")
    assert db.session.get(Combination, theirs.id).combined_into_id == happy.id


def test_demo_reporter_who_pastes_an_id_number_is_warned(demo, client):
    login_page = client.post("/login", data={"username": "reporter", "password": "baosong-demo"})
    assert login_page.status_code == 302
    response = client.post("/items/new", data={
        "title": "幸福社区为困难居民办理临时救助", "category": "work", "follow_up_of_id": "0",
        "body": "为居民李某（身份证号 110101 19900307 7774）办理临时救助。"}, follow_redirects=True)
    assert "疑似公民身份证号码 110***********7774" in response.get_data(as_text=True)
