"""The audit log: append-only in the database, written in the same transaction as the change it
records (with who, from where, old and new values), safe against log injection, browsable by admins."""
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pytest
from flask import g
from flask_login import login_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal import create_app
from portal.audit.models import AuditEvent
from portal.audit.services import CLI_ADDRESS, neutralize, record_event
from portal.auth.services import reset_password, set_user_active, update_user
from portal.bulletins.services import create_bulletin, publish_bulletin, resolve_window
from portal.editions.models import Publication
from portal.editions.services import PublicationFields, add_items, create_edition, lock_edition, save_publication
from portal.extensions import db, utcnow
from portal.items.models import Item
from portal.items.services import ItemFields, delete_item, edit_item_text, transition_item, update_item
from portal.notifications.delivery import PREPARERS, retry_delivery, send_delivery
from portal.notifications.models import Delivery, Notification
from portal.roster.services import (
    OfficerData,
    RosterData,
    confirm_roster,
    issue_roster_request,
    save_roster,
    update_roster_request,
)
from portal.scoring.records import (
    decide_feedback,
    office_today,
    record_adoption_by,
    record_instruction,
    submit_feedback,
)
from portal.scoring.rulesets import activate_rule_set, copy_rule_set, find_active_rule_set, save_annual_target
from portal.solicitations.services import (
    SolicitationFields,
    acknowledge_solicitation,
    close_solicitation,
    decide_answer,
    issue_solicitation,
)
from portal.units.services import save_tier, save_unit
from portal.web.filters import to_local
from tests.conftest import PASSWORD, login

ADDRESS = "10.20.30.40"


@contextmanager
def acting_as(app, user):
    """A POST from ADDRESS by `user`, signed in: what a service sees when a view calls it."""
    with app.test_request_context(method="POST", environ_base={"REMOTE_ADDR": ADDRESS}):
        login_user(user)
        try:
            yield
        finally:
            # The test's app context outlives the request; a later request must not inherit the user.
            g.pop("_login_user", None)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def audit_lines(caplog, action: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "portal.audit" and f"audit {action} " in r.getMessage()]


def values(event: AuditEvent) -> tuple[dict, dict]:
    return json.loads(event.old_values or "{}"), json.loads(event.new_values or "{}")


def submitted(make, w, status="submitted", **fields):
    return make.item(w.reporter, status, signer=w.signer, editor=w.editor, **fields)


def last_month():
    return to_local(utcnow()).date().replace(day=1) - timedelta(days=1)


# ---- append-only ---------------------------------------------------------------------------------

def test_the_database_refuses_to_update_or_delete_audit_rows(app, world):
    record_event(world.admin, "user.reset_password", world.reporter, "重置密码")
    db.session.commit()
    for statement in ("UPDATE audit_events SET summary = 'rewritten'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert [e.summary for e in events("user.reset_password")] == ["重置密码"]


def test_the_orm_cannot_rewrite_an_event_either(app, world):
    event = record_event(world.admin, "user.reset_password", world.reporter, "重置密码")
    db.session.commit()
    event.summary = "rewritten"
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()


def test_deleting_an_account_keeps_its_events(app, make, world):
    """No foreign key: the actor's name is a snapshot, and removing the user row leaves the log alone."""
    unit = make.unit("临时社区")
    user = make.user(unit, "reporter", username="temp_user")
    record_event(user, "user.change_password", user, "修改本人密码")
    db.session.commit()
    db.session.delete(user)
    db.session.commit()
    event = events("user.change_password")[-1]
    assert (event.actor_username, event.actor_name, event.actor_id) == ("temp_user", user.name, user.id)


# ---- every domain: the event is part of the change's own transaction ---------------------------------

@dataclass
class Case:
    action: str
    actor: str  # attribute of the world fixture
    setup: Callable  # (make, world) -> object the operation works on, committed
    run: Callable  # (world, obj) -> None
    old: dict
    new: dict


def _feedback_instruction(make, w):
    item = submitted(make, w)
    instruction = record_instruction(w.editor, item, "李明", "mayor", office_today(), "请报落实情况。", True)
    submit_feedback(w.reporter, instruction, "已落实。")
    db.session.commit()
    return instruction


def _solicitation(make, w):
    fields = SolicitationFields(topic="安全生产隐患排查", requirements="请反映主要隐患。",
                                deadline=utcnow() + timedelta(days=3), unit_ids={w.own.id})
    solicitation = issue_solicitation(w.editor, fields)
    db.session.commit()
    return solicitation


def _answer(make, w):
    solicitation = _solicitation(make, w)
    return submitted(make, w, solicitation_id=solicitation.id)


def _edition_ready(make, w):
    item = submitted(make, w, "adopted")
    publication = db.session.scalar(select(Publication).order_by(Publication.id))
    edition = create_edition(w.editor, publication, office_today())
    add_items(w.editor, edition, [item.id])
    db.session.commit()
    return edition


def _bulletin(make, w):
    bulletin = create_bulletin(w.editor, resolve_window("month", last_month().year, last_month().month))
    db.session.commit()
    return bulletin


def _failed_delivery(make, w):
    notification = Notification(user_id=w.reporter.id, kind="test", text="测试通知", url="/notifications")
    db.session.add(notification)
    db.session.flush()
    delivery = Delivery(notification_id=notification.id, channel="webhook", status="failed", attempts=5)
    db.session.add(delivery)
    db.session.commit()
    return delivery


def _roster_request(make, w):
    request = issue_roster_request(w.editor, utcnow() + timedelta(days=3), "请核对")
    db.session.commit()
    return request


ROSTER = RosterData(leader_name="张伟", leader_position="副主任", leader_mobile="13800000001",
                    officers=[OfficerData(name="李娜", position="干事", mobile="13800000002")])


def _roster_to_confirm(make, w):
    save_roster(w.reporter, w.own, ROSTER)
    issue_roster_request(w.editor, utcnow() + timedelta(days=3), "请核对")
    db.session.commit()
    return w.own


def _copied_rule_set(make, w):
    rule_set = copy_rule_set(find_active_rule_set())
    db.session.commit()
    return rule_set


def _publication(make, w):
    return db.session.scalar(select(Publication).order_by(Publication.id))


def _publication_fields(publication: Publication) -> PublicationFields:
    return PublicationFields(name=publication.name, channel_id=publication.channel_id, numbering=publication.numbering,
                             show_total=publication.show_total, total_start=publication.total_start,
                             compiled_by=publication.compiled_by, sections=publication.sections,
                             report_to=publication.report_to, send_to=publication.send_to,
                             issue_to=publication.issue_to, print_count=7, active=publication.active)


CASES = {
    "item sign": Case("item.sign", "signer", lambda make, w: submitted(make, w, "awaiting_signoff"),
                      lambda w, item: transition_item(item, w.signer, "sign"),
                      {"status": "awaiting_signoff", "submitted_at": None}, {"status": "submitted"}),
    "item adopt": Case("item.adopt", "editor", submitted, lambda w, item: transition_item(item, w.editor, "adopt"),
                       {"status": "submitted"}, {"status": "adopted"}),
    "item return": Case("item.return", "editor", submitted,
                        lambda w, item: transition_item(item, w.editor, "return", comment="请补充数据"),
                        {"status": "submitted", "decision_note": ""}, {"status": "draft", "decision_note": "请补充数据"}),
    "item edit": Case("item.edit", "reporter", lambda make, w: make.item(w.reporter),
                      lambda w, item: update_item(item, w.reporter, ItemFields(title="改过的标题", body=item.body,
                                                                                category=item.category), item.version),
                      {}, {"title": "改过的标题"}),
    "editor edit": Case("item.editor_edit", "editor", submitted,
                        lambda w, item: edit_item_text(item, w.editor, "编辑改过的标题", item.body, item.version),
                        {"edited_title": None, "status": "submitted"},
                        {"edited_title": "编辑改过的标题", "status": "in_review"}),
    "item delete": Case("item.delete", "reporter", lambda make, w: make.item(w.reporter, title="要删除的草稿"),
                        lambda w, item: delete_item(item, w.reporter), {"title": "要删除的草稿", "status": "draft"}, {}),
    "upper adoption": Case("adoption.record", "editor", submitted,
                           lambda w, item: record_adoption_by(w.editor, item, "cpc_main", office_today()),
                           {}, {"channel": "《长春信息》"}),
    "instruction": Case("instruction.record", "editor", submitted,
                        lambda w, item: record_instruction(w.editor, item, "李明", "mayor", office_today(),
                                                           "做法很好。", False),
                        {}, {"leader_name": "李明", "rank": "mayor", "text": "做法很好。"}),
    "feedback verdict": Case("feedback.verdict", "editor", _feedback_instruction,
                             lambda w, instruction: decide_feedback(w.editor, instruction, False, "不够具体"),
                             {"feedback_verdict": "pending"}, {"feedback_verdict": "rejected"}),
    "solicitation verdict": Case("solicitation.verdict", "editor", _answer,
                                 lambda w, item: decide_answer(w.editor, item, "accepted"),
                                 {"solicitation_verdict": "pending"}, {"solicitation_verdict": "accepted"}),
    "solicitation close": Case("solicitation.close", "editor", lambda make, w: _answer(make, w).solicitation,
                               lambda w, solicitation: close_solicitation(w.editor, solicitation),
                               {"status": "open"}, {"status": "closed"}),
    "user update": Case("user.update", "admin", lambda make, w: w.reporter,
                        lambda w, user: update_user(user, "新名字", user.unit_id, ["reporter", "signer"], "13900000000",
                                                    None),
                        {"roles": ["reporter"], "phone": ""},
                        {"roles": ["reporter", "signer"], "phone": "13900000000"}),
    "user deactivate": Case("user.deactivate", "admin", lambda make, w: w.other_reporter,
                            lambda w, user: set_user_active(user, False, w.admin), {"active": True}, {"active": False}),
    "unit update": Case("unit.update", "admin", lambda make, w: w.own,
                        lambda w, unit: save_unit(unit, name="幸福里社区", kind=unit.kind, parent_id=unit.parent_id,
                                                  tier_id=None, active=False, sort_order=3),
                        {"name": "幸福社区", "active": True}, {"name": "幸福里社区", "active": False}),
    "tier create": Case("tier.create", "admin", lambda make, w: None,
                        lambda w, _: save_tier(None, key="big", name="大社区", sort_order=1), {},
                        {"key": "big", "name": "大社区"}),
    "rule set activate": Case("rule_set.activate", "admin", _copied_rule_set,
                              lambda w, rule_set: activate_rule_set(rule_set), {}, {}),
    "annual target": Case("annual_target.save", "admin", lambda make, w: None,
                          lambda w, _: save_annual_target(2026, None, 40, 8), {},
                          {"submitted_target": 40, "adopted_target": 8}),
    "publication": Case("publication.update", "admin", _publication,
                        lambda w, publication: save_publication(publication, _publication_fields(publication)),
                        {"print_count": 60}, {"print_count": 7}),
    "delivery requeue": Case("delivery.requeue", "admin", _failed_delivery,
                             lambda w, delivery: retry_delivery(delivery),
                             {"status": "failed", "attempts": 5}, {"status": "pending", "attempts": 0}),
    "edition lock": Case("edition.lock", "editor", _edition_ready, lambda w, edition: lock_edition(w.editor, edition),
                         {"status": "draft", "number": None}, {"status": "locked", "number": 1}),
    "bulletin publish": Case("bulletin.publish", "editor", _bulletin,
                             lambda w, bulletin: publish_bulletin(w.editor, bulletin),
                             {"status": "draft", "doc_number": None}, {"status": "published"}),
    "roster save": Case("roster.save", "reporter", lambda make, w: w.own,
                        lambda w, unit: save_roster(w.reporter, unit, ROSTER), {},
                        {"leader_name": "张伟", "officers": ["李娜 干事 13800000002"]}),
    "roster confirm": Case("roster.confirm", "signer", _roster_to_confirm,
                           lambda w, unit: confirm_roster(w.signer, unit), {}, {"kind": "confirmed"}),
    "solicitation acknowledge": Case("solicitation.acknowledge", "reporter", _solicitation,
                                     lambda w, solicitation: acknowledge_solicitation(w.reporter, solicitation),
                                     {}, {}),
    "roster request": Case("roster_request.update", "editor", _roster_request,
                           lambda w, request: update_roster_request(w.editor, request, request.deadline_at, "新说明"),
                           {"note": "请核对"}, {"note": "新说明"}),
}


@pytest.mark.parametrize("name", CASES)
def test_an_operation_and_its_event_commit_or_roll_back_together(app, make, world, name, caplog):
    case = CASES[name]
    caplog.set_level(logging.INFO, logger="portal.audit")
    with app.test_request_context(method="POST"):  # the setup's notices build links
        target = case.setup(make, world)
    actor = getattr(world, case.actor)
    count = len(events(case.action))

    with acting_as(app, actor):
        case.run(world, target)
        assert len(events(case.action)) == count + 1  # pending in the operation's transaction
    db.session.rollback()
    assert len(events(case.action)) == count, "a rolled-back operation must leave no event"
    assert not audit_lines(caplog, case.action), "nor a line in the application log"

    with acting_as(app, actor):
        case.run(world, target)
    db.session.commit()
    db.session.expire_all()
    event = events(case.action)[-1]
    assert (event.actor_id, event.actor_username, event.address) == (actor.id, actor.username, ADDRESS)
    assert event.created_at.tzinfo is not None and utcnow() - event.created_at < timedelta(minutes=1)
    assert event.summary and len(audit_lines(caplog, case.action)) == 1
    old, new = values(event)
    assert old.items() >= case.old.items() and new.items() >= case.new.items()
    # Only what changed: every field in the record differs between old and new.
    assert all(old.get(key) != new.get(key) for key in old.keys() & new.keys())


def test_locking_an_edition_leaves_the_adoption_as_recorded(app, make, world, clock):
    item = submitted(make, world, "adopted")
    recorded = events("adoption.record")
    clock.shift(timedelta(days=3))
    issued_on = office_today()
    publication = db.session.scalar(select(Publication).order_by(Publication.id))
    with acting_as(app, world.editor):
        edition = create_edition(world.editor, publication, issued_on)
        add_items(world.editor, edition, [item.id])
        lock_edition(world.editor, edition)
    db.session.commit()
    assert events("adoption.record") == recorded  # the date is set once, when the adoption is recorded
    assert events("edition.lock")[-1].actor_id == world.editor.id


def test_an_activation_records_which_rule_set_was_active_before(app, world):
    active = find_active_rule_set()
    copy = copy_rule_set(active)
    with acting_as(app, world.admin):
        activate_rule_set(copy)
    db.session.commit()
    old, new = values(events("rule_set.activate")[-1])
    assert old == {"active_rule_set": active.name} and new == {"active_rule_set": copy.name}


def test_a_password_reset_is_recorded_without_the_password(app, world):
    with acting_as(app, world.admin):
        password = reset_password(world.reporter)
    db.session.commit()
    event = events("user.reset_password")[-1]
    assert event.actor_id == world.admin.id and event.target_id == world.reporter.id
    assert password not in (event.summary + (event.old_values or "") + (event.new_values or ""))


def test_changing_ones_own_password_through_the_page_is_recorded(app, client, world):
    login(client, world.signer)
    client.post("/account/password", data={"current": PASSWORD, "new": "new-secret-2026", "confirm": "new-secret-2026"})
    event = events("user.change_password")[-1]
    assert (event.actor_id, event.target_type, event.target_id) == (world.signer.id, "user", world.signer.id)
    assert "new-secret-2026" not in event.summary + (event.new_values or "")


def test_a_command_line_change_is_recorded_as_such(app, world):
    """Outside a request (a `flask` command) there is no address and no signed-in user."""
    save_unit(world.own, name="幸福新社区", kind=world.own.kind, parent_id=world.own.parent_id, tier_id=None,
              active=True, sort_order=0)
    db.session.commit()
    event = events("unit.update")[-1]
    assert (event.address, event.actor_id) == (CLI_ADDRESS, None)


# ---- logins ----------------------------------------------------------------------------------------

def test_logins_are_recorded_with_the_address(app, client, world):
    login(client, world.editor)
    client.post("/logout")
    client.post("/login", data={"username": "editor", "password": "wrong-password-1"},
                environ_base={"REMOTE_ADDR": "192.0.2.9"})
    success, failure = events("login.success")[-1], events("login.failure")[-1]
    assert (success.actor_id, success.address) == (world.editor.id, "127.0.0.1")
    assert failure.actor_id is None and failure.address == "192.0.2.9" and "editor" in failure.summary


def test_log_injection_is_neutralised_in_the_table_and_the_log(app, client, world, caplog):
    caplog.set_level(logging.INFO, logger="portal.audit")
    forged = "admin\r\n伪造记录"
    client.post("/login", data={"username": forged, "password": PASSWORD})
    event = events("login.failure")[-1]
    assert "\r" not in event.summary and "\n" not in event.summary
    assert "admin\\r\\n伪造记录" in event.summary
    lines = [record.getMessage() for record in caplog.records if record.name == "portal.audit"]
    assert lines and all("\n" not in line and "\r" not in line for line in lines)
    assert any("admin\\r\\n伪造记录" in line for line in lines)


def test_titles_and_values_are_neutralised_too(app, make, world):
    item = make.item(world.reporter)
    with acting_as(app, world.reporter):
        update_item(item, world.reporter, ItemFields(title="标题\u2028第二行\x1b[31m", body=item.body,
                                                     category=item.category), item.version)
    db.session.commit()
    event = events("item.edit")[-1]
    assert "\\u2028第二行\\u001b[31m" in event.summary
    assert values(event)[1]["title"] == "标题\\u2028第二行\\u001b[31m"


@pytest.mark.parametrize("raw, shown", [
    ("a\r\nb", "a\\r\\nb"), ("tab\there", "tab\\there"), ("nul\x00", "nul\\u0000"), ("bidi\u202e", "bidi\\u202e"),
    ("普通文字 ok", "普通文字 ok"),
])
def test_neutralize_escapes_control_characters_only(raw, shown):
    assert neutralize(raw) == shown


# ---- the admin page --------------------------------------------------------------------------------

def _seed_page_events(app, world):
    item = Item(unit_id=world.own.id, author_id=world.reporter.id, form_key="audit-page", status="adopted",
                title="某信息", body="正文", category="work")
    db.session.add(item)
    with app.test_request_context(method="POST", environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        record_event(world.admin, "user.update", world.reporter, "修改账号 reporter",
                     {"phone": "", "roles": ["reporter"]}, {"phone": "13900000000", "roles": ["reporter", "signer"]})
        record_event(world.editor, "item.adopt", item, "采用《某信息》", {"status": "submitted"}, {"status": "adopted"})
    db.session.commit()


def test_admins_browse_newest_first_with_old_and_new_values(app, client, world):
    _seed_page_events(app, world)
    login(client, world.admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "审计日志" in html and "采用信息" in html and "修改账号" in html
    assert html.index("采用《某信息》") < html.index("修改账号 reporter")  # newest first
    # Fields and coded values by their Chinese names.
    assert "状态</b>：已报送 → 已采用" in html and "电话</b>：（空） → 13900000000" in html
    assert "角色</b>：信息员 → 信息员、单位负责人" in html
    assert 'href="/admin/audit"' in html  # the menu link
    newest = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert f"{to_local(newest.created_at):%H:%M:%S}" in html  # to the second: close events stay in order


@pytest.mark.parametrize("query, shown, hidden", [
    ({"action": "item.adopt"}, "采用《某信息》", "修改账号 reporter"),
    ({"actor": "editor"}, "采用《某信息》", "修改账号 reporter"),
    ({"address": "198.51.100"}, "修改账号 reporter", "127.0.0.1"),  # not the admin's own login
    ({"target_type": "user", "target_id": "{reporter}"}, "修改账号 reporter", "采用《某信息》"),
    ({"target_type": "item"}, "采用《某信息》", "修改账号 reporter"),
    ({"date_from": "{today}", "date_to": "{today}", "action": "user.update"}, "修改账号 reporter", "采用《某信息》"),
])
def test_admins_filter_the_log(app, client, world, query, shown, hidden):
    _seed_page_events(app, world)
    login(client, world.admin)
    today = to_local(utcnow()).date().isoformat()
    query = {k: v.format(reporter=world.reporter.id, today=today) for k, v in query.items()}
    html = client.get("/admin/audit", query_string=query).get_data(as_text=True)
    assert shown in html and hidden not in html


def test_a_filter_outside_the_range_finds_nothing_and_bad_input_is_explained(app, client, world):
    _seed_page_events(app, world)
    login(client, world.admin)
    yesterday = (to_local(utcnow()).date() - timedelta(days=1)).isoformat()
    html = client.get("/admin/audit", query_string={"date_to": yesterday}).get_data(as_text=True)
    assert "没有符合条件的记录" in html
    response = client.get("/admin/audit", query_string={"target_id": "abc", "date_from": "2026-13-45"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "采用《某信息》" in html  # the bad fields are ignored, the rest shown
    assert html.count('class="error"') == 2 and 'value="abc"' in html
    # A blank number passes the optional field's check: it filters nothing (it was a server error).
    response = client.get("/admin/audit", query_string={"target_id": " "})
    assert response.status_code == 200 and "采用《某信息》" in response.get_data(as_text=True)


def test_htmx_gets_only_the_results_and_pages_hold_page_size(app, client, world):
    app.config["PAGE_SIZE"] = 2
    _seed_page_events(app, world)
    login(client, world.admin)  # a third event: the admin's login
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    fragment = client.get("/admin/audit", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="results"') and "<html" not in fragment
    assert f"第 1 / {(total + 1) // 2} 页，共 {total} 条" in fragment and fragment.count("<tr>") == 1 + 2
    second = client.get("/admin/audit", query_string={"page": 2}).get_data(as_text=True)
    assert "修改账号 reporter" in second and "采用《某信息》" not in second


def test_only_admins_see_the_log(app, client, world):
    login(client, world.editor)
    assert client.get("/admin/audit").status_code == 403
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert total >= 1  # the editor's own login was recorded all the same


def test_a_gateways_reply_cannot_forge_lines_in_the_application_log(app, world, monkeypatch, caplog):
    """The delivery log line carries the gateway's error text, which may hold line breaks."""
    def failing_gateway(notification):
        def send():
            raise RuntimeError("网关错误\r\n伪造记录")
        return send

    monkeypatch.setitem(PREPARERS, "webhook", failing_gateway)
    delivery = _failed_delivery(None, world)
    send_delivery(delivery, utcnow())
    [line] = [record.getMessage() for record in caplog.records if "attempt" in record.getMessage()]
    assert "\n" not in line and "网关错误\\r\\n伪造记录" in line


@pytest.mark.parametrize("proxies, recorded", [(0, "127.0.0.1"), (1, "203.0.113.5")])
def test_the_address_behind_nginx_is_the_clients_and_a_forged_header_is_ignored(app, world, proxies, recorded):
    """Without a trusted proxy anyone could write X-Forwarded-For; with nginx in front its header is the truth."""
    proxied = create_app(app.config | {"TRUSTED_PROXIES": proxies})
    client = proxied.test_client()
    client.post("/login", data={"username": "editor", "password": PASSWORD},
                headers={"X-Forwarded-For": "203.0.113.5"})
    with proxied.app_context():
        db.engine.dispose()
    assert events("login.success")[-1].address == recorded
