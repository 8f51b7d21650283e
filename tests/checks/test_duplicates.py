"""Near-duplicates: the method on the hand-written evaluation set, and through the real routes what each
reader sees, the stored results, the editor's duplicate and 综合 verdicts and their effect on the scores."""
from datetime import date

import pytest
from sqlalchemy import delete, select

from bench.duplicate_eval import DISTINCT_KINDS, DUPLICATE_KINDS
from bench.duplicates import eval_documents, measure, report_old_pairs
from portal.checks import events
from portal.checks.models import Combination, DuplicateMark, ItemFeature, Similarity
from portal.extensions import db
from portal.items.services import transition_item, utcnow
from portal.items.models import Item
from portal.scoring.adoptions import record_adoption
from portal.scoring.runs import current_run, ensure_fresh_scores
from portal.scoring.unit_ledger import list_ledger
from portal.web.filters import to_local
from tests.conftest import login

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


def test_evaluation_set_test_part_holds_its_reported_figures():
    """A regression guard at the figures docs/search-and-duplicates.md reports, not the targets: the targets (0.95
    for every kind and overall) are not met on the fresh test batches, nor for "two units, heavily reworded" on the
    whole test part, nor overall on it since the seventh fresh batch joined it; under the tenth round, with the ninth
    batch in it, precision reads 0.967, recall 0.993, "two units, heavily reworded" 30 of 31 and same topic 192 of 197
    kept apart (that document, Near-duplicates): each guard leaves room for one more pair wrong."""
    documents, pairs, frequencies = eval_documents()
    assert len(pairs) >= 150
    assert {(pair.kind, pair.split) for pair in pairs} == {
        (kind, split) for kind in DUPLICATE_KINDS + DISTINCT_KINDS for split in ("tune", "test")}
    tests = [pair for pair in pairs if pair.split == "test"]
    found = [(events.compare(documents[pair.a], documents[pair.b], frequencies).duplicate, pair.duplicate)
             for pair in tests]
    precision, recall, *_ = measure(found)
    assert precision >= 0.96 and recall >= 0.98, (precision, recall)
    for kind in DUPLICATE_KINDS:
        of_kind = [got for (got, _want), pair in zip(found, tests) if pair.kind == kind]
        assert sum(of_kind) / len(of_kind) >= 0.93, kind
    same_topic = [got for (got, _want), pair in zip(found, tests) if pair.kind == "same_topic"]
    assert 1 - sum(same_topic) / len(same_topic) >= 0.96
    street_template = [got for (got, _want), pair in zip(found, tests) if pair.kind == "street_template"]
    assert not any(street_template)


def test_the_old_generated_pairs_stay_a_regression_check():
    precision, recall = report_old_pairs()
    assert precision >= 0.99 and recall >= 0.85


class _AllBoilerplate:
    """An office where every word and place of the texts below is written by every item (weight 0) and the dates
    and figures are rare: what a city's history makes of a short report in a unit's routine wording."""

    def office(self, key):
        return (48000, 48000) if key[0] in "wl" else (101, 48000)

    def unit(self, unit, key):
        return (200, 200) if key[0] in "wl" else (3, 200)


ROUTINE = ("桂花社区安全生产周巡查情况\n本周，桂花社区按照街道安全生产工作要求，组织网格员对辖区沿街商铺、出租屋开展"
           "安全生产巡查，共巡查沿街商铺{shops}家、出租屋{homes}户，发现隐患{risks}处，已督促整改到位。")


def test_a_refiling_made_only_of_routine_wording_is_still_found():
    """Where neither item has a weighty word, the words say nothing of what happened: the figures and the days
    decide: a re-filing is found, the same routine report of another week is not."""
    filed_on = date(2026, 5, 22).toordinal()
    text = ROUTINE.format(shops=38, homes=25, risks=2)
    original = events.Document.of(1, filed_on, text)
    refiled = events.Document.of(1, filed_on + 1, text.replace("已督促", "均已督促").replace("。", "；", 1))
    next_week = events.Document.of(1, filed_on + 7, ROUTINE.format(shops=41, homes=18, risks=5))
    assert events.compare(original, refiled, _AllBoilerplate()).duplicate
    assert not events.compare(original, next_week, _AllBoilerplate()).duplicate


def test_full_width_and_spacing_do_not_hide_a_fact():
    plain = events.extract("3月15日，幸福社区开展消费者权益保护宣传活动，共26人参加。")
    wide = events.extract("３月１５日， 幸福社区 开展消费者权益保护宣传活动，共２６人参加。")
    assert set(plain) == set(wide) and {"d:3-15", "n:26人", "l:幸福社区"} <= set(plain)


def test_facts_are_read_as_the_office_writes_them():
    features = events.extract("5月12日至13日，副队长李强带队在新华路检查出租屋230户，清理电动车37辆，用时2分48秒，上午9时。")
    assert {"d:5-12", "d:5-13", "p:李强", "l:新华路", "n:230户", "n:37辆", "n:2分48秒", "t:9:0"} <= set(features)
    assert "n:12" not in features and "n:13" not in features  # a date's day is no number
    assert events.full_name("周建", "部长周建军进行了点评", "周建军在讲评中要求") == "周建军"
    assert events.full_name("孙浩", "民警孙浩站在市场入口", "民警孙浩结合案例") == "孙浩"


def test_days_places_and_counts_are_read_as_reporters_write_them():
    filed_on = date(2026, 5, 22)
    features = events.extract("昨天下午，社区河长邱海燕带队，13日晚湖西市场监管所叮嘱社区，30日内办结。", filed_on)
    assert {"d:5-21", "d:5-13", "p:邱海"} <= set(features)
    assert "d:5-30" not in features and "d:4-30" not in features  # a count of days is no date
    assert not [key for key in features if key.startswith("l:")]  # 社区河长, 湖西市场监管所, 叮嘱社区: no place
    assert "d:5-13" not in events.extract("13日晚")  # without the filing day, no month to give it
    assert {"d:5-21", "d:5-20"} <= set(events.extract("昨晚8点多起火，前晚已有住户闻到焦味。", filed_on))
    one = events.Document.of("a", filed_on.toordinal(), "标题\n共转移群众93人，年满65岁以上。")
    other = events.Document.of("b", filed_on.toordinal(), "标题\n这一夜转移出90余人，65岁以上老人居多。")
    elsewhere = events.Document.of("c", filed_on.toordinal(), "标题\n共转移群众27人。")
    assert events._counts_conflict(one, other) == 0.0  # 90余人 can be 93人; an age is no count
    assert events._counts_conflict(one, elsewhere) == 1.0


def filed(make, world, body, own=True, status="submitted", title="消防安全宣传"):
    author, signer = (world.reporter, world.signer) if own else (world.other_reporter, world.other_signer)
    return make.item(author, status, signer=signer, editor=world.editor, title=title, body=body)


def stored_pairs() -> set[tuple[int, int]]:
    return set(db.session.execute(select(Similarity.item_id, Similarity.other_id)).all())


def test_a_unit_sees_no_trace_of_another_units_similar_item(client, world, make):
    theirs = filed(make, world, SAME_EVENT, own=False, title="消防培训送进楼栋")
    mine = filed(make, world, EVENT, status="awaiting_signoff")
    filed(make, world, OTHER_EVENT, own=False)
    assert (mine.id, theirs.id) in stored_pairs()  # found: what follows is what the reader may not see
    login(client, world.signer)
    page = client.get(f"/items/{mine.id}").get_data(as_text=True)
    assert "相似信息" not in page and theirs.title not in page and "其他单位" not in page
    assert client.get(f"/items/{mine.id}/similar/{theirs.id}").status_code == 404


def test_a_reporter_cannot_probe_what_another_unit_filed(client, world, make):
    theirs = filed(make, world, SAME_EVENT, own=False, title="消防培训送进楼栋")
    login(client, world.reporter)
    response = client.post("/items/new", data={"title": "试探", "body": SAME_EVENT, "category": "work",
                                               "form_key": "probe-1", "follow_up_of_id": 0, "solicitation_id": 0},
                           follow_redirects=True)
    probe = db.session.scalar(select(Item).where(Item.form_key == "probe-1"))
    assert (probe.id, theirs.id) in stored_pairs()
    for page in (response.get_data(as_text=True), client.get(f"/items/{probe.id}").get_data(as_text=True)):
        assert "相似信息" not in page and theirs.title not in page and "疑似重复" not in page


def test_unit_refiling_its_own_text_is_shown_with_what_the_two_share(client, world, make):
    earlier = filed(make, world, EVENT, title="新华社区开展冬季消防安全宣传")
    again = filed(make, world, "近日，" + EVENT.replace("60人次", "62人次"), status="awaiting_signoff")
    login(client, world.signer)
    page = client.get(f"/items/{again.id}").get_data(as_text=True)
    assert "新华社区开展冬季消防安全宣传" in page and f"/items/{again.id}/similar/{earlier.id}" in page
    assert "同一日期" in page and "11月9日" in page
    compare = client.get(f"/items/{again.id}/similar/{earlier.id}").get_data(as_text=True)
    assert "两条信息的共同点" in compare and "相同数字" in compare and "<mark>500余份</mark>" in compare
    assert "逐字对照" in compare and "<ins>近日，</ins>" in compare


def test_signing_records_the_pair_and_the_office_sees_both_with_the_reasons(app, client, world, make):
    theirs = filed(make, world, SAME_EVENT, own=False)
    mine = filed(make, world, EVENT, status="awaiting_signoff")
    alone = filed(make, world, OTHER_EVENT, own=False)
    login(client, world.signer)
    client.post(f"/items/{mine.id}/act/sign", data={})
    assert stored_pairs() == {(mine.id, theirs.id), (theirs.id, mine.id)}
    marks = db.session.get(Similarity, (mine.id, theirs.id)).marks
    assert marks["同一日期"] == ["11月9日"] and "500余份" in marks["相同数字"]
    editor = app.test_client()
    login(editor, world.editor)
    inbox = editor.get("/inbox").get_data(as_text=True)
    assert inbox.count("疑似重复") == 2 and alone.title in inbox
    page = editor.get(f"/items/{theirs.id}").get_data(as_text=True)  # the older item lists the newer one
    assert mine.title in page and f"/items/{theirs.id}/similar/{mine.id}" in page and "同一日期" in page


@pytest.mark.parametrize("first", ["mine", "theirs"])
def test_the_pair_is_found_whichever_units_item_was_written_first(app, client, world, make, first):
    """A unit's draft written before another unit's report of the event is paired when the report is saved;
    the office sees the pair once both are signed, with no search at signing; nobody sees it before."""
    if first == "mine":
        mine = filed(make, world, EVENT, status="draft")
        theirs = filed(make, world, SAME_EVENT, own=False, status="awaiting_signoff", title="消防培训送进楼栋")
    else:
        theirs = filed(make, world, SAME_EVENT, own=False, status="awaiting_signoff", title="消防培训送进楼栋")
        mine = filed(make, world, EVENT, status="draft")
    assert stored_pairs() == {(mine.id, theirs.id), (theirs.id, mine.id)}
    editor = app.test_client()
    login(editor, world.editor)
    login(client, world.reporter)
    assert theirs.title not in client.get(f"/items/{mine.id}").get_data(as_text=True)
    with app.test_request_context(method="POST"):
        for item, actor in ((mine, world.reporter), (mine, world.signer), (theirs, world.other_signer)):
            transition_item(db.session.get(Item, item.id), actor, "send" if actor is world.reporter else "sign")
    db.session.commit()
    page = editor.get(f"/items/{theirs.id}").get_data(as_text=True)
    assert mine.title in page and f"/items/{theirs.id}/similar/{mine.id}" in page
    assert editor.get("/inbox").get_data(as_text=True).count("疑似重复") == 2


def test_the_item_page_reads_the_stored_pairs_and_an_edit_refreshes_them(client, world, make):
    earlier = filed(make, world, EVENT, title="新华社区开展冬季消防安全宣传")
    draft = filed(make, world, EVENT.replace("60人次", "61人次"), status="draft", title="草稿")
    db.session.execute(delete(ItemFeature))  # no search is made on a view: the page still lists the pair
    db.session.commit()
    login(client, world.reporter)
    assert "新华社区开展冬季消防安全宣传" in client.get(f"/items/{draft.id}").get_data(as_text=True)
    client.post(f"/items/{draft.id}/edit", data={"title": "草稿", "body": OTHER_EVENT, "category": "work",
                                                "version": draft.version, "follow_up_of_id": 0, "solicitation_id": 0})
    db.session.expire_all()
    assert db.session.get(Item, draft.id).body == OTHER_EVENT
    assert (draft.id, earlier.id) not in stored_pairs()
    assert "新华社区开展冬季消防安全宣传" not in client.get(f"/items/{draft.id}").get_data(as_text=True)


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


def test_the_unit_reads_the_office_verdicts_without_another_units_titles(app, client, world, make):
    original = filed(make, world, SAME_EVENT, own=False, title="消防培训送进楼栋")
    repeat = filed(make, world, EVENT)
    editor = app.test_client()
    login(editor, world.editor)
    editor.post(f"/items/{repeat.id}/duplicate", data={"original_id": original.id, "reason": "同一活动"})
    db.session.expire_all()
    assert db.session.get(Item, repeat.id).status == "invalid"
    login(client, world.reporter)
    page = client.get(f"/items/{repeat.id}").get_data(as_text=True)
    assert "重复：同一活动" in page and "与已收到的另一条信息重复" in page and original.title not in page
    login(client, world.other_reporter)  # the original's unit: the repeat is another unit's item
    assert repeat.title not in client.get(f"/items/{original.id}").get_data(as_text=True)


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


def test_checks_reindex_finds_the_pairs_again_after_an_upgrade(app, world, make):
    earlier = filed(make, world, EVENT, title="新华社区开展冬季消防安全宣传")
    again = filed(make, world, "近日，" + EVENT)
    db.session.execute(delete(Similarity))  # as migration 0023 leaves them: features kept, pairs dropped
    db.session.execute(delete(ItemFeature).where(ItemFeature.item_id == earlier.id))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["checks-reindex"])
    assert result.exit_code == 0 and "near-duplicates found again: 2 items" in result.output
    assert stored_pairs() == {(again.id, earlier.id), (earlier.id, again.id)}


def test_checks_reindex_rewrites_every_items_features_when_asked(app, world, make):
    item = filed(make, world, EVENT, title="新华社区开展冬季消防安全宣传")
    # as an earlier rule read it: a verb before a place word taken for a place's name
    db.session.add(ItemFeature(item_id=item.id, key="l:叮嘱社区"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["checks-reindex", "--features"])
    assert result.exit_code == 0
    keys = set(db.session.scalars(select(ItemFeature.key).where(ItemFeature.item_id == item.id)))
    assert "l:叮嘱社区" not in keys and {"d:11-9", "n:32人", "l:新华社区"} <= keys
