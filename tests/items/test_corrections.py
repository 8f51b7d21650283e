"""Corrections reach the unit: an editor corrects a submitted item's category (timeline, audit, the
unit told, the score at once); deleting an adoption, changing an item's verdict, correcting or deleting an
instruction and turning a feedback verdict round each tell the unit what changed, old and new."""
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.items.models import Item
from portal.notifications.models import Notification
from portal.scoring.models import Adoption, Instruction, UnitScore
from portal.scoring.periods import get_active_rule_set
from portal.scoring.runs import compute_scores
from portal.web.filters import office_today
from tests.conftest import login


@pytest.fixture(autouse=True)
def period_covers_today(app):
    rule_set = get_active_rule_set()
    today = office_today()
    rule_set.period_start, rule_set.period_end = today - timedelta(days=40), today + timedelta(days=40)
    db.session.commit()


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def notices(user) -> list[str]:
    return [n.text for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]


def adoption_points(unit_id: int) -> Decimal:
    run_score = db.session.scalar(select(UnitScore).where(UnitScore.unit_id == unit_id))
    return Decimal(json.loads(run_score.breakdown).get("adoption", "0"))


def test_an_editor_corrects_a_mislabelled_brief_and_the_score_follows(app, make, world):
    # A 简讯 filed as 工作动态 earned 2 points instead of 1, and nobody could correct it.
    item = make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor, category="work")
    compute_scores()
    db.session.commit()
    assert adoption_points(world.own.id) == 2
    editor = client_for(app, world.editor)
    page = editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert "更正类别（现为工作动态）" in page
    response = editor.post(f"/items/{item.id}/category", data={"category": "brief", "reason": "内容为简讯"},
                           follow_redirects=True)
    assert "已更正类别为“简讯”" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Item, item.id).category == "brief"
    assert adoption_points(world.own.id) == 1  # updated in the same commit
    event = db.session.get(Item, item.id).events[-1]
    assert (event.action, event.comment) == ("recategorize", "类别由“工作动态”更正为“简讯”：内容为简讯")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "item.recategorize")) is not None
    assert any(text.startswith("更正：") and "简讯" in text for text in notices(world.reporter))
    assert any("简讯" in text for text in notices(world.signer))


def test_only_an_editor_corrects_a_category_and_needs_a_reason(app, make, world):
    item = make.item(world.reporter, "submitted", signer=world.signer)
    assert client_for(app, world.reporter).post(f"/items/{item.id}/category",
                                                data={"category": "brief", "reason": "x"}).status_code == 403
    editor = client_for(app, world.editor)
    page = editor.post(f"/items/{item.id}/category", data={"category": "brief", "reason": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写更正理由" in page
    page = editor.post(f"/items/{item.id}/category", data={"category": "nonsense", "reason": "x"},
                       follow_redirects=True).get_data(as_text=True)
    assert "不是有效的选择" in page
    db.session.expire_all()
    assert db.session.get(Item, item.id).category == "work"


def test_deleting_an_adoption_tells_the_unit(app, make, world):
    # The unit's “被《长春信息》采用” notice used to stand, uncorrected, after the adoption was deleted.
    item = make.item(world.reporter, "submitted", signer=world.signer)
    editor = client_for(app, world.editor)
    editor.post(f"/items/{item.id}/adoptions", data={"channel": "cpc_main", "adopted_on": office_today().isoformat()})
    adoption = db.session.scalar(select(Adoption).where(Adoption.item_id == item.id))
    editor.post(f"/adoptions/{adoption.id}/delete")
    assert db.session.scalar(select(Adoption).where(Adoption.item_id == item.id)) is None
    assert any(text.startswith("更正：") and "《长春信息》" in text and "已删除" in text for text in notices(world.reporter))


def test_a_verdict_tells_the_unit(app, make, world):
    item = make.item(world.reporter, "submitted", signer=world.signer)
    editor = client_for(app, world.editor)
    editor.post(f"/items/{item.id}/act/invalidate", data={"comment": "与前期信息重复"})
    assert any("判定为不计分：与前期信息重复" in text for text in notices(world.signer))


# ---- every correction of what the unit was told reaches it, old → new ----------------------------

def record_instruction_on(editor, item, rank="vice_mayor", leader="李明", feedback=True):
    editor.post(f"/items/{item.id}/instructions/new", data={
        "leader_name": leader, "rank": rank, "instructed_on": office_today().isoformat(), "text": "请抓好落实。",
        **({"feedback_required": "y"} if feedback else {})})
    return db.session.scalar(select(Instruction).where(Instruction.item_id == item.id))


def test_changing_an_item_verdict_tells_the_unit_old_and_new(app, make, world):
    item = make.item(world.reporter, "not_adopted", signer=world.signer, editor=world.editor, title="社区开展义诊")
    editor = client_for(app, world.editor)
    editor.post(f"/items/{item.id}/act/adopt", data={"adopted_on": office_today().isoformat()})
    assert "更正：《社区开展义诊》的处理结果由“未采用”改为“已采用”（《高新信息》）" in notices(world.reporter)
    other = make.item(world.reporter, "not_adopted", signer=world.signer, editor=world.editor, title="社区开展巡逻")
    editor.post(f"/items/{other.id}/act/invalidate", data={"comment": "与前期信息重复"})
    assert "更正：《社区开展巡逻》的处理结果由“未采用”改为“不计分”：与前期信息重复" in notices(world.signer)


def test_a_late_upper_adoption_of_a_not_adopted_item_tells_the_unit_the_verdict_changed(app, make, world):
    item = make.item(world.reporter, "not_adopted", signer=world.signer, editor=world.editor, title="社区开展义诊")
    client_for(app, world.editor).post(f"/items/{item.id}/adoptions", data={
        "channel": "cpc_main", "adopted_on": office_today().isoformat()})
    assert "更正：《社区开展义诊》的处理结果由“未采用”改为“已采用”（补录：被《长春信息》采用）" in notices(world.signer)


def test_correcting_a_feedback_verdict_tells_the_unit_old_and_new(app, make, world):
    item = make.item(world.reporter, "submitted", signer=world.signer, title="社区开展义诊")
    editor = client_for(app, world.editor)
    instruction = record_instruction_on(editor, item)
    client_for(app, world.reporter).post(f"/instructions/{instruction.id}/feedback", data={"text": "已落实。"})
    editor.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "yes"})
    page = editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert "更正审核结果" in page and "将“采纳”改为“退回”" in page
    # A retried first verdict is still refused; only the explicit correction turns it round.
    editor.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "no"})
    db.session.expire_all()
    assert instruction.feedback_verdict == "accepted"
    editor.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "no", "correcting": "1",
                                                                 "comment": "落实情况未写明时间节点"})
    db.session.expire_all()
    assert instruction.feedback_verdict == "rejected"
    assert ("更正：《社区开展义诊》的批示反馈审核结果由“采纳”改为“退回”，请修改后重新反馈：落实情况未写明时间节点"
            in notices(world.reporter))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "feedback.verdict")
                               .order_by(AuditEvent.id.desc())).first()
    assert "由“采纳”更正为“退回”" in event.summary
    # The same correction sent twice changes nothing the second time.
    editor.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "no", "correcting": "1"})
    assert sum(text.startswith("更正：") for text in notices(world.reporter)) == 1


def test_correcting_an_instruction_tells_the_unit_and_the_bonus_follows(app, make, world):
    item = make.item(world.reporter, "submitted", signer=world.signer, title="社区开展义诊")
    editor = client_for(app, world.editor)
    instruction = record_instruction_on(editor, item, rank="mayor", feedback=False)
    compute_scores()
    db.session.commit()
    assert Decimal(json.loads(db.session.scalar(select(UnitScore).where(UnitScore.unit_id == world.own.id))
                              .breakdown)["instruction"]) == 20
    editor.post(f"/instructions/{instruction.id}/correct", data={
        "leader_name": "李明", "rank": "vice_mayor", "instructed_on": office_today().isoformat()})
    db.session.expire_all()
    assert instruction.rank == "vice_mayor"
    day = f"{office_today().year}年{office_today().month}月{office_today().day}日"
    assert (f"更正：《社区开展义诊》的批示由“市长李明批示（{day}）”更正为“副市长李明批示（{day}）”，加分随之调整"
            in notices(world.signer))
    assert Decimal(json.loads(db.session.scalar(select(UnitScore).where(UnitScore.unit_id == world.own.id))
                              .breakdown)["instruction"]) == 15


def test_deleting_an_instruction_tells_the_unit(app, make, world):
    item = make.item(world.reporter, "submitted", signer=world.signer, title="社区开展义诊")
    editor = client_for(app, world.editor)
    instruction = record_instruction_on(editor, item)
    assert "删除此批示记录" in editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert "删除此批示记录" not in client_for(app, world.reporter).get(f"/items/{item.id}").get_data(as_text=True)
    editor.post(f"/instructions/{instruction.id}/delete")
    assert db.session.scalar(select(Instruction).where(Instruction.item_id == item.id)) is None
    assert any(text.startswith("更正：《社区开展义诊》的副市长李明批示（") and "记录有误，已删除，相应加分不再计入，无需再反馈" in text
               for text in notices(world.reporter))
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "instruction.remove")) is not None


def test_correcting_an_adoption_date_tells_the_unit_old_and_new(app, make, world, clock):
    item = make.item(world.reporter, "submitted", signer=world.signer, title="社区开展义诊")
    signed_on = office_today()
    clock.shift(timedelta(days=3))
    editor = client_for(app, world.editor)
    editor.post(f"/items/{item.id}/adoptions", data={"channel": "cpc_main", "adopted_on": office_today().isoformat()})
    adoption = db.session.scalar(select(Adoption).where(Adoption.item_id == item.id))
    assert "更正采用日期" in editor.get(f"/items/{item.id}").get_data(as_text=True)
    # Never before the item reached the office.
    editor.post(f"/adoptions/{adoption.id}/correct", data={"adopted_on": (signed_on - timedelta(days=1)).isoformat()})
    db.session.expire_all()
    assert adoption.adopted_on == office_today()
    old = office_today()
    editor.post(f"/adoptions/{adoption.id}/correct", data={"adopted_on": signed_on.isoformat()})
    db.session.expire_all()
    assert adoption.adopted_on == signed_on

    def day(d):
        return f"{d.year}年{d.month}月{d.day}日"

    assert f"更正：《社区开展义诊》被《长春信息》采用的日期由“{day(old)}”更正为“{day(signed_on)}”" in notices(world.signer)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "adoption.correct")) is not None
