"""Sign-off by category: the office's rule set names the categories its units' 主管领导 sign after the unit
head (the 长春 method, and the seed rule set: 调研). The item waits for both sign-offs, and the queues and
the item page say whose is missing."""
import json

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.items.services import WorkflowError, list_coming_emergencies, transition_item
from portal.notifications.models import Notification
from portal.scoring import engine
from portal.scoring.periods import get_active_rule_set
from tests.auth.test_accounts import client_for


def notices(user, read: bool | None = None) -> list[str]:
    query = select(Notification).where(Notification.user_id == user.id)
    if read is not None:
        query = query.where(Notification.read_at.is_not(None) if read else Notification.read_at.is_(None))
    return [n.text for n in db.session.scalars(query.order_by(Notification.id))]


@pytest.fixture
def supervisor(make, world):
    return make.user(world.own, "supervisor", username="leader_own")


def test_a_research_item_waits_for_the_unit_head_and_then_the_supervisor(app, make, world, supervisor):
    item = make.item(world.reporter, "awaiting_signoff", category="research", title="关于老旧小区加装电梯的调研")
    signer = client_for(app, world.signer)
    page = signer.get(f"/items/{item.id}").get_data(as_text=True)
    assert "待单位负责人审签，之后还需主管领导审签" in page
    assert "审签并报主管领导" in page and "审签并报送<" not in page
    # Signing it the single way is refused: the rule set asks for both.
    assert signer.post(f"/items/{item.id}/act/sign").status_code == 302
    db.session.expire_all()
    assert item.status == "awaiting_signoff"

    signer.post(f"/items/{item.id}/act/sign_first")
    db.session.expire_all()
    assert (item.status, item.submitted_at) == ("awaiting_lead", None)
    assert notices(supervisor) == ["《关于老旧小区加装电梯的调研》待您审签（主管领导）"]
    assert notices(world.signer, read=False) == []  # the unit head's part is done
    # The office does not see it yet; the unit head's queue shows whose sign-off is missing.
    assert client_for(app, world.editor).get(f"/items/{item.id}").status_code == 404
    queue = signer.get("/signoff").get_data(as_text=True)
    assert "没有待您审签的信息" in queue and "等待他人审签" in queue
    assert "关于老旧小区加装电梯的调研" in queue.split("等待他人审签")[1] and "待主管领导审签" in queue
    page = signer.get(f"/items/{item.id}").get_data(as_text=True)
    assert f"{world.signer.name}（单位负责人）已于" in page and "审签，待主管领导审签" in page

    # The 主管领导's first screen is the queue, with a count on the menu.
    leader = client_for(app, supervisor)
    assert leader.get("/").headers["Location"].endswith("/signoff")
    queue = leader.get("/signoff").get_data(as_text=True)
    assert '待审签 <b class="count">1</b>' in queue and "关于老旧小区加装电梯的调研" in queue.split("等待他人审签")[0]
    page = leader.get(f"/items/{item.id}").get_data(as_text=True)
    assert "主管领导审签并报送" in page and "退回修改" in page

    leader.post(f"/items/{item.id}/act/lead_sign")
    db.session.expire_all()
    assert item.status == "submitted" and item.submitted_at is not None
    assert [(e.action, e.actor_id) for e in item.events][-2:] == [("sign_first", world.signer.id),
                                                                  ("lead_sign", supervisor.id)]
    assert notices(supervisor, read=False) == []
    assert client_for(app, world.editor).get(f"/items/{item.id}").status_code == 200
    assert "没有待您审签的信息" in leader.get("/signoff").get_data(as_text=True)


def test_other_categories_are_signed_once_and_never_reach_the_supervisor(app, make, world, supervisor):
    item = make.item(world.reporter, "awaiting_signoff", category="work")
    signer = client_for(app, world.signer)
    assert "审签并报主管领导" not in signer.get(f"/items/{item.id}").get_data(as_text=True)
    signer.post(f"/items/{item.id}/act/sign_first")
    db.session.expire_all()
    assert item.status == "awaiting_signoff"
    signer.post(f"/items/{item.id}/act/sign")
    db.session.expire_all()
    assert item.status == "submitted"
    assert notices(supervisor) == []
    # A 主管领导 never sees the unit's drafts, nor another unit's items.
    draft = make.item(world.reporter, "draft")
    other = make.item(world.other_reporter, "awaiting_lead", signer=world.other_signer)
    leader = client_for(app, supervisor)
    assert leader.get(f"/items/{draft.id}").status_code == 404
    assert leader.get(f"/items/{other.id}").status_code == 404
    assert leader.post(f"/items/{other.id}/act/lead_sign").status_code == 404


def test_the_supervisor_returns_an_item_to_the_reporter(app, make, world, supervisor):
    item = make.item(world.reporter, "awaiting_lead", signer=world.signer, title="关于辖区养老服务需求的调研")
    response = client_for(app, supervisor).post(f"/items/{item.id}/act/return", data={"comment": "请补充调查样本数量"})
    assert response.headers["Location"].endswith("/")
    db.session.expire_all()
    assert (item.status, item.decision_note) == ("draft", "请补充调查样本数量")
    assert "《关于辖区养老服务需求的调研》被退回修改：请补充调查样本数量" in notices(world.reporter)
    assert notices(supervisor, read=False) == []


def test_the_reporter_may_withdraw_while_the_supervisor_has_not_signed(app, make, world, supervisor):
    item = make.item(world.reporter, "awaiting_lead", signer=world.signer)
    client_for(app, world.reporter).post(f"/items/{item.id}/act/withdraw")
    db.session.expire_all()
    assert item.status == "draft"
    assert notices(supervisor, read=False) == []


def test_without_second_signoff_in_the_rule_set_research_is_signed_once(app, make, world, supervisor):
    rule_set = get_active_rule_set()
    data = json.loads(rule_set.data)
    data["second_signoff"] = []
    rule_set.data = json.dumps(data, ensure_ascii=False)
    db.session.commit()
    item = make.item(world.reporter, "submitted", signer=world.signer, category="research")
    assert [e.action for e in item.events][-1] == "sign"
    assert notices(supervisor) == []


def test_the_supervisor_signs_an_emergency_item_the_office_awaits(app, make, world, supervisor):
    rule_set = get_active_rule_set()
    data = json.loads(rule_set.data)
    data["second_signoff"] = ["research", "emergency"]
    rule_set.data = json.dumps(data, ensure_ascii=False)
    db.session.commit()
    item = make.item(world.reporter, "awaiting_lead", signer=world.signer, category="emergency", title="辖区突发火情")
    assert notices(supervisor) == ["紧急信息《辖区突发火情》待您审签（主管领导），请立即审签"]
    assert notices(world.editor, read=False) == ["紧急信息即将报送：幸福社区《辖区突发火情》（待审签）"]
    # still coming while the 主管领导 has it
    assert [(row.unit_name, row.title) for row in list_coming_emergencies()] == [(world.own.name, item.title)]
    with app.test_request_context(method="POST"):
        transition_item(item, supervisor, "lead_sign")
    db.session.commit()
    assert notices(world.editor, read=False) == ["紧急信息：幸福社区报送《辖区突发火情》"]
    assert list_coming_emergencies() == []


def test_a_signer_cannot_take_the_supervisors_sign_off(app, make, world):
    item = make.item(world.reporter, "awaiting_lead", signer=world.signer)
    with app.test_request_context(method="POST"), pytest.raises(WorkflowError):
        transition_item(item, world.signer, "lead_sign")


def test_the_rule_set_names_real_categories_and_keeps_them_on_export():
    data = engine.dump_ruleset(engine.load_default_ruleset())
    assert data["second_signoff"] == ["research"]
    assert engine.load_ruleset(data).second_signoff == frozenset({"research"})
    for wrong in (["调研"], "research", [["research"]]):
        with pytest.raises(engine.ScoringError, match="second_signoff"):
            engine.load_ruleset(data | {"second_signoff": wrong})
    assert "second_signoff" not in engine.dump_ruleset(engine.load_ruleset(data | {"second_signoff": []}))


def test_an_admin_creates_a_supervisor_and_the_rule_set_page_says_what_it_signs(app, world):
    admin = client_for(app, world.admin)
    assert "主管领导" in admin.get("/admin/users/new").get_data(as_text=True)
    admin.post("/admin/users/new", data={"username": "hp_leader", "name": "赵主任", "unit_id": world.other.id,
                                         "roles": "supervisor"})
    user = db.session.scalar(select(User).where(User.username == "hp_leader"))
    assert user.roles == {"supervisor"} and user.role_names == "主管领导"
    page = admin.get(f"/admin/rule-sets/{get_active_rule_set().id}").get_data(as_text=True)
    assert "调研类信息经单位负责人审签后，还须经主管领导审签才报送办公室" in page
