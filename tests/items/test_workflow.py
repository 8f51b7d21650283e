"""The item workflow through the real HTTP routes: every allowed transition by the right role, every
forbidden one refused. The cases are generated from portal.items.workflow.TRANSITIONS × STATUSES ×
actors, so a new transition or state is covered without touching this file."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db, utcnow
from portal.items.models import MAJOR_REPORT_HOURS, ROUTINE_REPORT_HOURS, STATUSES, Item, ItemEvent
from portal.items.workflow import EDITABLE_BY_EDITOR, OFFICE_VISIBLE, TRANSITIONS
from portal.notifications.models import Notification
from portal.scoring.models import Adoption
from portal.web.filters import to_local
from tests.conftest import login, utc

# The domain (shared/domain.md): a reporter's, signer's or 主管领导's reach ends at their own unit.
UNIT_SCOPED_ROLES = {"reporter", "signer", "supervisor"}
# Every kind of user that can hold a session, and the role the workflow sees in them.
ACTORS = {
    "reporter": ("reporter", True),
    "signer": ("signer", True),
    "other_reporter": ("reporter", False),
    "other_signer": ("signer", False),
    "supervisor": ("supervisor", True),
    "other_supervisor": ("supervisor", False),
    "editor": ("editor", None),
    "viewer": ("viewer", None),
    "admin": ("admin", None),
}
REFUSAL = "该信息当前状态下不能执行此操作（可能已被他人处理），请刷新后查看"
NEEDS_COMMENT = "请填写理由或修改意见"


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def expected_allowed(action: str, status: str, actor: str, category: str = "work") -> bool:
    role, own_unit = ACTORS[actor]
    transition = TRANSITIONS[action]
    if status not in transition.sources.get(role, frozenset()):
        return False
    # The seed's rule set (长春) has 调研 signed by the 主管领导 as well.
    if transition.second_signoff is not None and transition.second_signoff != (category == "research"):
        return False
    return own_unit is not False or role not in UNIT_SCOPED_ROLES


def can_see(status: str, actor: str) -> bool:
    """What the issue demands of loading: other units' items and drafts (for the office) are 404; a
    主管领导 sees the own unit's items once sent."""
    role, own_unit = ACTORS[actor]
    if role == "supervisor":
        return bool(own_unit) and status != "draft"
    if role in UNIT_SCOPED_ROLES:
        return bool(own_unit)
    return role in ("editor", "viewer") and status in OFFICE_VISIBLE


def category_for(status: str, action: str | None = None) -> str:
    """An item that can be in this state and take this action: 调研 (signed twice) where either needs it."""
    second = TRANSITIONS[action].second_signoff if action else None
    return "research" if status == "awaiting_lead" or second else "work"


def item_in(make, world, status, **fields):
    fields.setdefault("category", category_for(status))
    return make.item(world.reporter, status, signer=world.signer, editor=world.editor, **fields)


def snapshot(item_id: int) -> tuple:
    """The persisted state of an item and everything a transition could touch."""
    db.session.rollback()  # what a real request teardown does with uncommitted changes
    db.session.expire_all()
    item = db.session.get(Item, item_id)
    return (
        item.status, item.submitted_at, item.decision_note, item.edited_title, item.edited_body,
        item.title, item.body,
        db.session.scalar(select(func.count(ItemEvent.id)).where(ItemEvent.item_id == item_id)),
        db.session.scalar(select(func.count(Adoption.id)).where(Adoption.item_id == item_id)),
        db.session.scalar(select(func.count(Notification.id))),
    )


def take_flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def last_event(item_id: int) -> ItemEvent:
    db.session.expire_all()
    return db.session.scalar(
        select(ItemEvent).where(ItemEvent.item_id == item_id).order_by(ItemEvent.id.desc()).limit(1)
    )


def item_row(html: str, title: str) -> str:
    """The <li class="item-row"> of a list page that shows the given title."""
    rows = [row for row in html.split('<li class="item-row">')[1:] if title in row]
    assert len(rows) == 1, f"{title!r} listed {len(rows)} times"
    return rows[0].split("</li>")[0]


# ---- the table itself ----------------------------------------------------------------------

def test_transition_table_is_consistent_with_the_domain():
    known_roles = {"reporter", "signer", "supervisor", "editor", "viewer", "admin"}
    for action, transition in TRANSITIONS.items():
        assert transition.target in STATUSES, action
        assert transition.label and re.search(r"[\u4e00-\u9fff]", transition.label), action
        for role, sources in transition.sources.items():
            assert role in known_roles, (action, role)
            assert sources <= set(STATUSES), (action, role)
            if role not in UNIT_SCOPED_ROLES:
                # The office never touches what its unit has not signed off.
                assert sources <= OFFICE_VISIBLE, (action, role)
    # Only the last sign-off moves an item to the office: the signer's, or the 主管领导's after the
    # signer's where the rule set asks for both; return always needs a comment.
    into_submitted = {(a, r) for a, t in TRANSITIONS.items() if t.target == "submitted" for r in t.sources}
    assert into_submitted == {("sign", "signer"), ("lead_sign", "supervisor")}
    assert {r for t in TRANSITIONS.values() if t.target == "awaiting_lead" for r in t.sources} == {"signer"}
    assert TRANSITIONS["sign"].second_signoff is False and TRANSITIONS["sign_first"].second_signoff is True
    assert TRANSITIONS["return"].needs_comment and TRANSITIONS["return"].target == "draft"
    assert TRANSITIONS["invalidate"].needs_comment
    # Every status can be reached by some transition, except the start.
    assert {t.target for t in TRANSITIONS.values()} | {"draft"} == set(STATUSES)


# ---- every allowed transition ---------------------------------------------------------------

ALLOWED = [
    (action, role, source)
    for action, transition in TRANSITIONS.items()
    for role, sources in sorted(transition.sources.items())
    for source in sorted(sources)
]


@pytest.mark.parametrize(("action", "role", "source"), ALLOWED, ids=[f"{a}-{r}-from-{s}" for a, r, s in ALLOWED])
def test_allowed_transition_succeeds_and_is_recorded(app, make, world, action, role, source):
    item = item_in(make, world, source, category=category_for(source, action))
    actor = {"reporter": world.reporter, "signer": world.signer, "editor": world.editor}.get(role)
    if actor is None:
        actor = make.user(world.own if role in UNIT_SCOPED_ROLES else world.office, role)
    transition = TRANSITIONS[action]
    events_before = snapshot(item.id)[7]
    comment = "请补充具体数据" if transition.needs_comment or action == "reject" else ""
    data = {"comment": comment}
    if action == "adopt":
        data["adopted_on"] = to_local(utcnow()).date().isoformat()
    client = client_for(app, actor)

    response = client.post(f"/items/{item.id}/act/{action}", data=data)

    assert response.status_code == 302
    # An item the office (or a 主管领导) returns becomes a draft it no longer sees: back to the first screen.
    landing = "/" if (action, role) in {("return", "editor"), ("return", "supervisor")} else f"/items/{item.id}"
    assert response.headers["Location"].endswith(landing)
    assert ("success", f"已{transition.label}") in take_flashes(client)
    state = snapshot(item.id)
    assert state[0] == transition.target
    assert state[7] == events_before + 1
    event = last_event(item.id)
    assert (event.action, event.actor_id, event.from_status, event.to_status, event.comment) == (
        action, actor.id, source, transition.target, comment
    )
    assert event.at is not None and abs(event.at - utcnow()) < timedelta(minutes=1)


# ---- every forbidden one ---------------------------------------------------------------------

@pytest.mark.parametrize("status", list(STATUSES))
def test_forbidden_transitions_are_refused_and_change_nothing(app, make, world, status):
    item = item_in(make, world, status)
    users = {
        "reporter": world.reporter, "signer": world.signer, "other_reporter": world.other_reporter,
        "other_signer": world.other_signer, "editor": world.editor, "viewer": world.viewer, "admin": world.admin,
        "supervisor": make.supervisor_of(world.own), "other_supervisor": make.supervisor_of(world.other),
    }
    clients = {name: client_for(app, user) for name, user in users.items()}
    before = snapshot(item.id)
    wrong = []
    tried = 0
    for action in [*TRANSITIONS, "publish"]:  # plus an action that does not exist
        for actor, client in clients.items():
            if action in TRANSITIONS and expected_allowed(action, status, actor, item.category):
                continue
            tried += 1
            response = client.post(f"/items/{item.id}/act/{action}", data={"comment": "越权尝试", "adopted_on": "2026-03-05"})
            flashes = take_flashes(client)
            after = snapshot(item.id)
            if after != before:
                wrong.append(f"{actor} {action}: changed {before} -> {after}")
            if not can_see(status, actor):
                if response.status_code != 404:
                    wrong.append(f"{actor} {action}: {response.status_code}, expected 404 (may not see the item)")
            elif response.status_code == 302:
                if ("error", REFUSAL) not in flashes:
                    wrong.append(f"{actor} {action}: redirected without the refusal message: {flashes}")
            elif response.status_code != 403:
                wrong.append(f"{actor} {action}: answered {response.status_code}")
    assert tried > 0
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("status", list(STATUSES))
def test_unit_users_of_another_unit_get_404_for_every_action(app, make, world, status):
    """Explicitly: a changed id in a URL reveals nothing, whatever the state."""
    item = item_in(make, world, status)
    for user in (world.other_reporter, world.other_signer, make.supervisor_of(world.other)):
        client = client_for(app, user)
        assert client.get(f"/items/{item.id}").status_code == 404
        for action in TRANSITIONS:
            assert client.post(f"/items/{item.id}/act/{action}", data={"comment": "x"}).status_code == 404
    assert snapshot(item.id)[0] == status


# ---- the item form's "send" and the editor's review form ------------------------------------

def form_data(**overrides):
    return {"title": "幸福社区开展垃圾分类入户宣传活动", "body": "组织志愿者逐户发放垃圾分类指南。",
            "category": "work", "follow_up_of_id": "0", "event_end": "", "intent": "save"} | overrides


def test_new_item_form_with_intent_send_files_and_sends(app, world):
    client = client_for(app, world.reporter)
    response = client.post("/items/new", data=form_data(form_key="send-new-1", intent="send"))
    assert response.status_code == 302
    item = db.session.scalar(select(Item).where(Item.form_key == "send-new-1"))
    assert item.status == "awaiting_signoff" and item.submitted_at is None
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in item.events] == [
        ("create", None, "draft", world.reporter.id),
        ("send", "draft", "awaiting_signoff", world.reporter.id),
    ]
    assert ("success", "已送审签") in take_flashes(client)
    # The unit's signer is told.
    notes = db.session.scalars(select(Notification).where(Notification.user_id == world.signer.id)).all()
    assert [n.text for n in notes] == [f"《{item.title}》待您审签"]
    assert not db.session.scalars(select(Notification).where(Notification.user_id == world.other_signer.id)).all()


def test_edit_form_with_intent_send_saves_then_sends_a_draft(app, make, world):
    item = item_in(make, world, "draft")
    client = client_for(app, world.reporter)
    response = client.post(f"/items/{item.id}/edit", data=form_data(title="改过的标题", intent="send", version=item.version))
    assert response.status_code == 302
    db.session.expire_all()
    assert (item.status, item.title) == ("awaiting_signoff", "改过的标题")
    assert [e.action for e in item.events] == ["create", "edit", "send"]
    assert item.events[-1].from_status == "draft" and item.events[-1].to_status == "awaiting_signoff"


@pytest.mark.parametrize("status", [s for s in STATUSES if s != "draft"])
def test_item_form_send_refused_outside_draft(app, make, world, status):
    item = item_in(make, world, status)
    before = snapshot(item.id)
    reporter = client_for(app, world.reporter)
    assert reporter.post(f"/items/{item.id}/edit", data=form_data(title="偷偷改", intent="send")).status_code == 403
    assert snapshot(item.id) == before


@pytest.mark.parametrize("actor", ["signer", "editor", "viewer", "admin", "other_reporter"])
def test_item_form_send_refused_for_other_users(app, make, world, actor):
    item = item_in(make, world, "draft")
    before = snapshot(item.id)
    client = client_for(app, getattr(world, actor))
    response = client.post(f"/items/{item.id}/edit", data=form_data(title="偷偷改", intent="send"))
    assert response.status_code == (404 if actor == "other_reporter" else 403)
    assert snapshot(item.id) == before


def test_editor_edit_keeps_original_and_moves_submitted_to_in_review(app, make, world):
    item = item_in(make, world, "submitted", title="幸福社区开展防汛演练", body="社区组织居民开展防汛演练。")
    editor = client_for(app, world.editor)
    page = editor.get(f"/items/{item.id}/review").get_data(as_text=True)
    assert "单位原稿" in page and "幸福社区开展防汛演练" in page

    response = editor.post(f"/items/{item.id}/review",
                           data={"title": "幸福社区扎实开展防汛应急演练", "body": "社区组织干部群众开展防汛应急演练。",
                                 "version": item.version})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/items/{item.id}")
    db.session.expire_all()
    assert (item.title, item.body) == ("幸福社区开展防汛演练", "社区组织居民开展防汛演练。")
    assert (item.edited_title, item.edited_body) == ("幸福社区扎实开展防汛应急演练", "社区组织干部群众开展防汛应急演练。")
    assert item.status == "in_review"
    event = item.events[-1]
    assert (event.action, event.actor_id, event.from_status, event.to_status) == (
        "editor_edit", world.editor.id, "submitted", "in_review")

    detail = editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert "修改已保存，原稿保留可对照" in detail
    assert "编辑修改对照（原稿保留）" in detail and "单位原稿" in detail and "编辑后" in detail
    assert "幸福社区开展防汛演练" in detail and "幸福社区扎实开展防汛应急演练" in detail
    assert "<ins>扎实</ins>" in detail and "<del>" in detail
    # The unit sees the same comparison.
    unit_view = client_for(app, world.reporter).get(f"/items/{item.id}").get_data(as_text=True)
    assert "编辑修改对照（原稿保留）" in unit_view and "社区组织居民开展防汛演练。" in unit_view


def test_editor_edit_of_in_review_item_keeps_state(app, make, world):
    item = item_in(make, world, "in_review")
    client_for(app, world.editor).post(f"/items/{item.id}/review", data={"title": "新标题", "body": item.body,
                                                                                  "version": item.version})
    db.session.expire_all()
    assert item.status == "in_review" and item.edited_title == "新标题" and item.edited_body is None
    assert item.events[-1].action == "editor_edit"


@pytest.mark.parametrize("status", list(STATUSES))
def test_review_form_only_for_editors_in_editable_states(app, make, world, status):
    item = item_in(make, world, status)
    before = snapshot(item.id)
    editor = client_for(app, world.editor)
    response = editor.post(f"/items/{item.id}/review", data={"title": "编辑改稿", "body": "编辑改过的正文",
                                                             "version": item.version})
    if status in EDITABLE_BY_EDITOR:
        assert response.status_code == 302
        assert snapshot(item.id)[3] == "编辑改稿"
        return
    assert response.status_code == (404 if status not in OFFICE_VISIBLE else 403)
    for user in (world.reporter, world.signer, world.viewer):
        assert client_for(app, user).post(f"/items/{item.id}/review",
                                          data={"title": "编辑改稿", "body": "x"}).status_code == 403
    assert snapshot(item.id) == before


# ---- particular rules ---------------------------------------------------------------------

def test_sign_sets_submitted_at(app, make, world):
    item = item_in(make, world, "awaiting_signoff")
    assert item.submitted_at is None
    start = utcnow()
    client_for(app, world.signer).post(f"/items/{item.id}/act/sign")
    db.session.expire_all()
    assert item.status == "submitted"
    assert start <= item.submitted_at <= utcnow()
    page = client_for(app, world.editor).get(f"/items/{item.id}").get_data(as_text=True)
    assert "报送时间" in page


@pytest.mark.parametrize("status", ["awaiting_signoff", "submitted", "in_review"])
def test_return_needs_a_comment(app, make, world, status):
    item = item_in(make, world, status)
    actor = world.signer if status == "awaiting_signoff" else world.editor
    client = client_for(app, actor)
    before = snapshot(item.id)
    for comment in ("", "   "):
        response = client.post(f"/items/{item.id}/act/return", data={"comment": comment})
        assert response.status_code == 302
        assert ("error", NEEDS_COMMENT) in take_flashes(client)
        assert snapshot(item.id) == before
    # The message is shown on the page the user lands on.
    client.post(f"/items/{item.id}/act/return", data={"comment": ""})
    assert NEEDS_COMMENT in client.get(f"/items/{item.id}").get_data(as_text=True)


@pytest.mark.parametrize("status", ["submitted", "in_review"])
def test_return_by_editor_clears_submitted_at_and_notifies_the_author(app, make, world, status):
    item = item_in(make, world, status)
    assert item.submitted_at is not None
    editor = client_for(app, world.editor)
    editor.post(f"/items/{item.id}/act/return", data={"comment": "请补充活动成效和数据"})
    db.session.expire_all()
    assert (item.status, item.submitted_at, item.decision_note) == ("draft", None, "请补充活动成效和数据")
    note = db.session.scalar(select(Notification).where(Notification.user_id == world.reporter.id,
                                                        Notification.kind == "item_returned"))
    assert note.text == f"《{item.title}》被退回修改：请补充活动成效和数据"
    assert note.url.endswith(f"/items/{item.id}")
    reporter = client_for(app, world.reporter)
    listing = reporter.get("/notifications").get_data(as_text=True)
    assert note.text in listing and '<b class="count">1</b>' in listing
    detail = reporter.get(f"/items/{item.id}").get_data(as_text=True)
    assert "退回意见" in detail and "请补充活动成效和数据" in detail
    assert f'href="/items/{item.id}/edit"' in detail  # the reporter can change it again


def test_return_by_signer_notifies_the_author(app, make, world):
    item = item_in(make, world, "awaiting_signoff")
    client_for(app, world.signer).post(f"/items/{item.id}/act/return", data={"comment": "标题再精炼一些"})
    db.session.expire_all()
    assert item.status == "draft"
    texts = db.session.scalars(select(Notification.text).where(Notification.user_id == world.reporter.id)).all()
    assert texts == [f"《{item.title}》被退回修改：标题再精炼一些"]


def test_editor_lands_on_a_page_after_returning_an_item(app, make, world):
    """After the editor returns an item it is a draft again, which the office may not see; the editor
    must land on a page they can read (with the confirmation), not on a 404."""
    item = item_in(make, world, "submitted")
    editor = client_for(app, world.editor)
    response = editor.post(f"/items/{item.id}/act/return", data={"comment": "请补充数据"}, follow_redirects=True)
    assert response.status_code == 200
    assert "已退回修改" in response.get_data(as_text=True)


@pytest.mark.now("2026-03-02T10:00+08:00")
def test_adopt_records_an_internal_adoption_on_the_chosen_date(app, make, world, clock):
    item = item_in(make, world, "in_review")
    clock.move_to("2026-06-10T10:00+08:00")
    editor = client_for(app, world.editor)
    page = editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert "采用到《高新信息》的日期" in page and 'name="adopted_on"' in page
    editor.post(f"/items/{item.id}/act/adopt", data={"adopted_on": "2026-03-05"})
    db.session.expire_all()
    assert item.status == "adopted"
    adoptions = db.session.scalars(select(Adoption).where(Adoption.item_id == item.id)).all()
    assert [(a.channel.key, a.adopted_on, a.recorded_by_id) for a in adoptions] == [
        ("internal", date(2026, 3, 5), world.editor.id)
    ]
    detail = editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert f"{adoptions[0].channel.name}，2026年3月5日" in detail
    note = db.session.scalar(select(Notification).where(Notification.user_id == world.reporter.id))
    assert note.text == f"《{item.title}》已被《高新信息》采用"


def test_adopt_without_a_date_uses_today(app, make, world):
    item = item_in(make, world, "submitted")
    client_for(app, world.editor).post(f"/items/{item.id}/act/adopt")
    adoption = db.session.scalar(select(Adoption).where(Adoption.item_id == item.id))
    assert adoption.adopted_on == to_local(utcnow()).date()


def test_invalidate_needs_a_reason(app, make, world):
    item = item_in(make, world, "in_review")
    editor = client_for(app, world.editor)
    before = snapshot(item.id)
    editor.post(f"/items/{item.id}/act/invalidate", data={"comment": ""})
    assert ("error", NEEDS_COMMENT) in take_flashes(editor)
    assert snapshot(item.id) == before
    editor.post(f"/items/{item.id}/act/invalidate", data={"comment": "内容空泛，缺少具体做法"})
    db.session.expire_all()
    assert (item.status, item.decision_note) == ("invalid", "内容空泛，缺少具体做法")
    assert item.events[-1].comment == "内容空泛，缺少具体做法"
    detail = client_for(app, world.reporter).get(f"/items/{item.id}").get_data(as_text=True)
    assert "处理意见" in detail and "内容空泛，缺少具体做法" in detail


def test_timeline_shows_who_from_to_and_comment(app, make, world):
    item = item_in(make, world, "awaiting_signoff")
    client_for(app, world.signer).post(f"/items/{item.id}/act/return", data={"comment": "补充照片说明"})
    page = client_for(app, world.reporter).get(f"/items/{item.id}").get_data(as_text=True)
    timeline = page.split("处理记录", 1)[1]
    assert "创建草稿" in timeline and "送审签" in timeline and "退回修改" in timeline
    assert "（草稿 → 待审签）" in timeline and "（待审签 → 草稿）" in timeline
    assert "<q>补充照片说明</q>" in timeline
    assert world.signer.name in timeline


# ---- notifications for emergencies ----------------------------------------------------------

def test_signing_an_emergency_item_notifies_every_editor(app, make, world):
    second = make.user(world.office, "editor", username="editor2")
    gone = make.user(world.office, "editor", username="editor3")
    gone.active = False
    db.session.commit()
    item = item_in(make, world, "awaiting_signoff", category="emergency", title="解放路一居民楼发生燃气泄漏险情")
    client_for(app, world.signer).post(f"/items/{item.id}/act/sign")

    notes = db.session.scalars(
        select(Notification).where(Notification.kind == "emergency_item").order_by(Notification.user_id)
    ).all()
    expected = f"紧急信息：{world.own.name}报送《解放路一居民楼发生燃气泄漏险情》"
    assert [(n.user_id, n.kind, n.text) for n in notes] == [
        (world.editor.id, "emergency_item", expected), (second.id, "emergency_item", expected)
    ]
    for editor in (world.editor, second):
        client = client_for(app, editor)
        home = client.get("/inbox").get_data(as_text=True)
        assert '<b class="count">1</b>' in home  # the notice that it was coming is read once it arrived
        listing = client.get("/notifications").get_data(as_text=True)
        assert expected in listing and "未读" in listing
    # Opening it marks it read and leads to the item.
    note = notes[0]
    client = client_for(app, world.editor)
    response = client.post(f"/notifications/{note.id}/open")
    assert response.headers["Location"].endswith(f"/items/{item.id}")
    assert '<b class="count">' not in client.get("/inbox").get_data(as_text=True)


def test_signing_a_routine_item_notifies_no_editor(app, make, world):
    item = item_in(make, world, "awaiting_signoff", category="work")
    client_for(app, world.signer).post(f"/items/{item.id}/act/sign")
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == world.editor.id)) == 0
    page = client_for(app, world.editor).get("/inbox").get_data(as_text=True)
    assert '<b class="count">' not in page


# ---- timeliness (逾时) ------------------------------------------------------------------------

@pytest.mark.parametrize(("major", "hours"), [(False, ROUTINE_REPORT_HOURS), (True, MAJOR_REPORT_HOURS)])
@pytest.mark.calendar
def test_late_boundary(major, hours):
    assert (ROUTINE_REPORT_HOURS, MAJOR_REPORT_HOURS) == (2, 4)  # the seed's 街道 notice
    end = utc(2026, 3, 2, 8, 0, 0)
    due = Item.compute_report_due(end, major)
    assert due == end + timedelta(hours=hours)
    item = Item(event_end_at=end, major=major, report_due_at=due)
    item.submitted_at = due
    assert not item.is_late()
    item.submitted_at = due + timedelta(seconds=1)
    assert item.is_late()
    # Not yet submitted: judged against the clock.
    item.submitted_at = None
    assert not item.is_late(now=due)
    assert item.is_late(now=due + timedelta(seconds=1))
    assert not Item(event_end_at=None, report_due_at=None).is_late()


@pytest.mark.parametrize(("major", "due_hour"), [(False, 10), (True, 12)])
@pytest.mark.calendar
def test_form_event_end_sets_the_due_time(app, world, major, due_hour):
    client = client_for(app, world.reporter)
    data = form_data(form_key=f"due-{major}", event_end="2026-03-02T16:00")  # office time, UTC+8
    if major:
        data["major"] = "y"
    client.post("/items/new", data=data)
    item = db.session.scalar(select(Item).where(Item.form_key == f"due-{major}"))
    assert item.event_end_at == utc(2026, 3, 2, 8, 0)
    assert item.major is major
    assert item.report_due_at == utc(2026, 3, 2, due_hour, 0)
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert f"应于 2026年3月2日 {due_hour + 8}:00 前报送" in page


@pytest.mark.calendar
def test_late_flag_at_the_boundary_is_shown_on_list_pages(app, make, world):
    """Exactly at the due time is on time; one second after is late. The flag shows wherever items are listed."""
    end = utcnow().replace(microsecond=0) - timedelta(days=1)
    titles = {}
    for name, major, offset in (("routine_on_time", False, 0), ("routine_late", False, 1),
                                ("major_on_time", True, 0), ("major_late", True, 1)):
        item = item_in(make, world, "submitted", title=f"边界测试{name}", event_end_at=end, major=major)
        item.submitted_at = item.report_due_at + timedelta(seconds=offset)
        titles[name] = item.title
    db.session.commit()
    no_event = item_in(make, world, "submitted", title="没有事件时间的信息")

    pages = {
        "unit list": client_for(app, world.reporter).get("/items").get_data(as_text=True),
        "dashboard": client_for(app, world.signer).get("/unit").get_data(as_text=True),
        "inbox": client_for(app, world.editor).get("/inbox").get_data(as_text=True),
    }
    for where, html in pages.items():
        for name, title in titles.items():
            assert ("逾时" in item_row(html, title)) is name.endswith("late"), (where, name)
        assert "逾时" not in item_row(html, no_event.title), where


@pytest.mark.calendar
def test_late_flag_after_a_real_sign_off(app, make, world):
    three_hours_ago = utcnow() - timedelta(hours=3)
    late = item_in(make, world, "awaiting_signoff", title="三小时前结束的一般事件", event_end_at=three_hours_ago)
    on_time = item_in(make, world, "awaiting_signoff", title="三小时前结束的重大事件", event_end_at=three_hours_ago,
                      major=True)
    signer = client_for(app, world.signer)
    queue = signer.get("/signoff").get_data(as_text=True)
    # Still waiting, the routine one is already overdue.
    assert "逾时" in item_row(queue, late.title) and "逾时" not in item_row(queue, on_time.title)
    for item in (late, on_time):
        signer.post(f"/items/{item.id}/act/sign")
    db.session.expire_all()
    assert late.is_late() and not on_time.is_late()
    inbox = client_for(app, world.editor).get("/inbox").get_data(as_text=True)
    assert "逾时" in item_row(inbox, late.title) and "逾时" not in item_row(inbox, on_time.title)
    detail = client_for(app, world.editor).get(f"/items/{late.id}").get_data(as_text=True)
    assert "逾时" in detail


# ---- the decision form's own input ---------------------------------------------------------

@pytest.mark.parametrize(("action", "data", "message"), [
    ("adopt", {"adopted_on": "2026-13-45"}, "日期"),
    ("invalidate", {"comment": "长" * 501}, "不超过500字"),
    ("return", {"comment": "长" * 501}, "不超过500字"),
])
def test_bad_decision_input_is_refused_in_chinese(app, make, world, action, data, message):
    item = item_in(make, world, "in_review")
    editor = client_for(app, world.editor)
    before = snapshot(item.id)
    response = editor.post(f"/items/{item.id}/act/{action}", data=data)
    assert response.status_code == 302
    (category, text), = take_flashes(editor)
    assert category == "error" and message in text and re.search(r"[\u4e00-\u9fff]", text)
    assert snapshot(item.id) == before


def test_a_returned_and_revised_item_shows_the_units_new_text(app, make, world):
    """The editor's version belongs to the text it was made from. Once the item went back to the unit
    and came back revised, the office must read the unit's new text, not the stale edit."""
    item = item_in(make, world, "submitted", title="幸福社区开展防汛演练", body="第一稿正文。")
    editor = client_for(app, world.editor)
    editor.post(f"/items/{item.id}/review", data={"title": "编辑改的第一稿标题", "body": "编辑改的第一稿正文。",
                                                 "version": item.version})
    editor.post(f"/items/{item.id}/act/return", data={"comment": "请补充演练规模和参与人数"})

    reporter = client_for(app, world.reporter)
    db.session.refresh(item)  # the version the reporter's form would show now
    reporter.post(f"/items/{item.id}/edit", data=form_data(title="幸福社区组织300名居民开展防汛演练",
                                                         body="第二稿正文，补充了参与人数。", intent="send",
                                                         version=item.version))
    client_for(app, world.signer).post(f"/items/{item.id}/act/sign")
    db.session.expire_all()
    assert item.status == "submitted" and item.title == "幸福社区组织300名居民开展防汛演练"

    assert item.display_title == "幸福社区组织300名居民开展防汛演练"
    assert item.display_body == "第二稿正文，补充了参与人数。"
    inbox = editor.get("/inbox").get_data(as_text=True)
    assert "幸福社区组织300名居民开展防汛演练" in inbox and "编辑改的第一稿标题" not in inbox


def test_an_emergency_item_reaches_its_signer_at_once_and_the_office_sees_it_coming(app, make, world):
    item = item_in(make, world, "awaiting_signoff", category="emergency", title="解放路一居民楼发生燃气泄漏险情")
    texts = {(n.user_id, n.text) for n in db.session.scalars(select(Notification))}
    assert (world.signer.id, "紧急信息《解放路一居民楼发生燃气泄漏险情》待您审签，请立即审签") in texts
    assert (world.editor.id, f"紧急信息即将报送：{world.own.name}《解放路一居民楼发生燃气泄漏险情》（待审签）") in texts
    inbox = client_for(app, world.editor).get("/inbox").get_data(as_text=True)
    coming = inbox.split("即将报送的紧急信息")[1].split("</section>")[0]
    assert world.own.name in coming and "解放路一居民楼发生燃气泄漏险情" in coming and "待审签" in coming
    assert f"/items/{item.id}" not in coming  # the office sees that it comes, not the unsigned item
    client_for(app, world.signer).post(f"/items/{item.id}/act/sign")
    assert "即将报送的紧急信息" not in client_for(app, world.editor).get("/inbox").get_data(as_text=True)
