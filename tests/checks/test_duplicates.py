"""Near-duplicates through the real routes: what each reader sees, the editor's duplicate and 综合
verdicts and their effect on the scores."""
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.checks import similarity
from portal.checks.models import Combination, DuplicateMark, Similarity
from portal.extensions import db, utcnow
from portal.items.models import Item
from portal.scoring.services import current_run, ensure_fresh_scores, list_ledger, record_adoption
from portal.web.filters import to_local
from tests.conftest import login

PAIRS = json.loads((Path(__file__).parent.parent / "data" / "duplicate_pairs.json").read_text(encoding="utf-8"))
EVENT = ("11月9日，新华社区联合消防救援站在社区党群服务中心开展冬季消防安全宣传活动，楼栋长和物业人员共32人参加。"
         "活动中，消防员演示灭火器和室内消火栓的使用方法，居民逐一上手操作，并学习了初期火灾扑救和逃生自救知识。"
         "现场发放宣传资料500余份，解答群众咨询60人次。")
SAME_EVENT = ("11月9日上午，消防救援站走进新华社区党群服务中心，为楼栋长和物业人员开展冬季消防安全培训。"
              "消防员现场演示了灭火器、室内消火栓的使用方法，32名参训人员逐一上手操作，学习了初期火灾扑救和逃生自救知识。"
              "现场发放宣传资料500余份。")
OTHER_EVENT = ("6月5日，和平社区联合生态环境分局在和平公园开展世界环境日宣传活动，党员志愿者和辖区学生共45人参加。"
               "活动中，志愿者用废旧报纸、饮料瓶制作环保手工艺品，环保专家讲解节约用水、减少塑料袋使用的小窍门。")

# Scoring needs a day inside the default rule set's period (1 January to 30 November).
IN_PERIOD = "2026-11-18T10:00+08:00"


def evaluate(threshold: float) -> tuple[float, float]:
    """Precision and recall of the whole pipeline (LSH candidates, then the exact score) on the set."""
    tp = fp = fn = 0
    for pair in PAIRS:
        a, b = similarity.shingles(pair["a"]), similarity.shingles(pair["b"])
        candidate = set(similarity.band_keys(similarity.minhash(a))) & set(similarity.band_keys(similarity.minhash(b)))
        found = bool(candidate) and similarity.score(a, b) >= threshold
        tp += found and pair["duplicate"]
        fp += found and not pair["duplicate"]
        fn += not found and pair["duplicate"]
    return tp / (tp + fp), tp / (tp + fn)


def test_evaluation_set_meets_the_targets():
    assert len(PAIRS) >= 100
    kinds = {pair["kind"] for pair in PAIRS}
    assert {"reworded", "reordered", "renamed", "two_units", "same_template"} <= kinds
    precision, recall = evaluate(similarity.THRESHOLD)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def test_full_width_and_spacing_do_not_hide_a_duplicate():
    plain = similarity.shingles("3月15日，幸福社区开展消费者权益保护宣传活动，共26人参加。")
    wide = similarity.shingles("３月１５日， 幸福社区 开展消费者权益保护宣传活动，共２６人参加。")
    assert similarity.score(plain, wide) == 1.0


def filed(make, world, body, own=True, status="submitted", title="消防安全宣传"):
    author, signer = (world.reporter, world.signer) if own else (world.other_reporter, world.other_signer)
    return make.item(author, status, signer=signer, editor=world.editor, title=title, body=body)


def test_signer_sees_another_units_similar_item_but_not_its_text(client, world, make):
    theirs = filed(make, world, SAME_EVENT, own=False, title="消防救援站走进新华社区")
    mine = filed(make, world, EVENT, status="awaiting_signoff")
    filed(make, world, OTHER_EVENT, own=False)
    login(client, world.signer)
    page = client.get(f"/items/{mine.id}").get_data(as_text=True)
    assert "相似信息（1条）" in page and "其他单位已报送的一条信息" in page and "相似度" in page
    assert theirs.title not in page and "环境日" not in page
    assert client.get(f"/items/{mine.id}/similar/{theirs.id}").status_code == 404


def test_unit_refiling_its_own_text_is_shown_with_a_side_by_side_view(client, world, make):
    earlier = filed(make, world, EVENT, title="新华社区开展冬季消防安全宣传")
    again = filed(make, world, "近日，" + EVENT.replace("500", "520"), status="awaiting_signoff")
    login(client, world.signer)
    page = client.get(f"/items/{again.id}").get_data(as_text=True)
    assert "新华社区开展冬季消防安全宣传" in page and f"/items/{again.id}/similar/{earlier.id}" in page
    compare = client.get(f"/items/{again.id}/similar/{earlier.id}").get_data(as_text=True)
    assert "逐字对照" in compare and "<ins>近日，</ins>" in compare and "<del>0</del><ins>2</ins>" in compare


def test_signing_records_the_pair_and_the_inbox_marks_both(app, client, world, make):
    theirs = filed(make, world, SAME_EVENT, own=False)
    mine = filed(make, world, EVENT, status="awaiting_signoff")
    alone = filed(make, world, OTHER_EVENT, own=False)
    login(client, world.signer)
    client.post(f"/items/{mine.id}/act/sign", data={})
    pairs = db.session.execute(select(Similarity.item_id, Similarity.other_id)).all()
    assert set(pairs) == {(mine.id, theirs.id), (theirs.id, mine.id)}
    editor = app.test_client()
    login(editor, world.editor)
    inbox = editor.get("/inbox").get_data(as_text=True)
    assert inbox.count("疑似重复") == 2 and alone.title in inbox
    page = editor.get(f"/items/{mine.id}").get_data(as_text=True)
    assert theirs.title in page and f"/items/{mine.id}/similar/{theirs.id}" in page


def ledger_items(unit_id):
    ensure_fresh_scores()
    return {row.item_id: row.points for row in list_ledger(current_run(), unit_id) if row.rule_key == "adoption"}


@pytest.mark.now(IN_PERIOD)
def test_marking_a_duplicate_makes_it_invalid_for_scoring(client, world, make):
    original = filed(make, world, SAME_EVENT, own=False)
    repeat = filed(make, world, EVENT)
    record_adoption(repeat.id, "cpc_main", to_local(utcnow()).date(), world.editor.id)
    db.session.commit()
    assert repeat.id in ledger_items(world.own.id)
    login(client, world.editor)
    page = client.get(f"/items/{repeat.id}").get_data(as_text=True)
    assert "标记为重复" in page

    refused = client.post(f"/items/{repeat.id}/duplicate", data={"original_id": original.id, "reason": ""},
                          follow_redirects=True).get_data(as_text=True)
    assert "请填写理由" in refused and db.session.get(Item, repeat.id).status == "submitted"
    client.post(f"/items/{repeat.id}/duplicate", data={"original_id": original.id, "reason": "同一活动两单位重复报送"})
    db.session.expire_all()
    assert db.session.get(Item, repeat.id).status == "invalid"
    mark = db.session.scalar(select(DuplicateMark))
    assert (mark.item_id, mark.original_id, mark.reason) == (repeat.id, original.id, "同一活动两单位重复报送")
    assert repeat.id not in ledger_items(world.own.id)
    assert "重复：同一活动两单位重复报送" in client.get(f"/items/{repeat.id}").get_data(as_text=True)


def test_a_duplicate_must_name_an_item_the_editor_sees_as_similar(client, world, make):
    repeat = filed(make, world, EVENT)
    unrelated = filed(make, world, OTHER_EVENT, own=False)
    login(client, world.editor)
    response = client.post(f"/items/{repeat.id}/duplicate", data={"original_id": unrelated.id, "reason": "重复"},
                           follow_redirects=True)
    assert response.status_code == 200 and "请从相似信息中选择重复的那一条" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Item, repeat.id).status == "submitted"


@pytest.mark.now(IN_PERIOD)
def test_combining_two_units_items_adopts_both_and_scores_each_unit(client, world, make):
    mine = filed(make, world, EVENT)
    theirs = filed(make, world, SAME_EVENT, own=False)
    login(client, world.editor)
    form = client.get(f"/items/{mine.id}/combine").get_data(as_text=True)
    assert theirs.title in form and "综合并采用" in form
    empty = client.post(f"/items/{mine.id}/combine", data={"title": "综合标题", "body": "综合正文"})
    assert "请至少选择一条要综合的其他信息" in empty.get_data(as_text=True)

    response = client.post(f"/items/{mine.id}/combine", data={
        "sources": [theirs.id], "title": "新华社区和消防救援站联合开展冬季消防安全宣传", "body": EVENT + "\n" + SAME_EVENT,
        "adopted_on": to_local(utcnow()).date().isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    mine, theirs = db.session.get(Item, mine.id), db.session.get(Item, theirs.id)
    assert (mine.status, theirs.status) == ("adopted", "adopted")
    assert mine.display_title == "新华社区和消防救援站联合开展冬季消防安全宣传" and mine.title == "消防安全宣传"
    assert db.session.get(Combination, theirs.id).combined_into_id == mine.id
    assert ledger_items(world.own.id)[mine.id] == 2 and ledger_items(world.other.id)[theirs.id] == 2
    assert "本条综合了" in client.get(f"/items/{mine.id}").get_data(as_text=True)
    assert "已综合采用，并入" in client.get(f"/items/{theirs.id}").get_data(as_text=True)


def test_combine_refuses_an_item_that_cannot_be_adopted(client, world, make):
    mine = filed(make, world, EVENT)
    theirs = filed(make, world, SAME_EVENT, own=False, status="invalid")
    login(client, world.editor)
    response = client.post(f"/items/{mine.id}/combine", data={"sources": [theirs.id], "title": "综合", "body": "正文"})
    assert "当前状态下不能采用" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Item, mine.id).status == "submitted"
