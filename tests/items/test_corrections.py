"""Corrections reach the unit: an editor corrects a submitted item's category (timeline, audit, the
unit told, the score at once), and retracting an adoption or judging an item tells the unit."""
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.items.models import Item
from portal.notifications.models import Notification
from portal.scoring.models import Adoption, UnitScore
from portal.web.filters import office_today
from portal.scoring.services import compute_scores, get_active_rule_set
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
