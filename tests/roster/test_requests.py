"""Roster requests: the office asks every unit to confirm or update its roster by a deadline (office
time, stored UTC); confirming and saving both answer it; the tracking board shows who is complete."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.extensions import db, utcnow
from portal.notifications.models import Notification
from portal.roster.models import RosterRequest, RosterResponse
from portal.roster.services import (
    OfficerData,
    RosterData,
    RosterError,
    confirm_roster,
    issue_roster_request,
    response_state,
    save_roster,
    track_roster_request,
)
from portal.web.countdown import describe_countdown
from portal.web.filters import to_local
from tests.conftest import login
from tests.roster.test_roster import roster_form

SHANGHAI = ZoneInfo("Asia/Shanghai")


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def roster_data(name="李晓燕"):
    return RosterData(leader_name="张建国", leader_position="党委副书记", section="党政办公室",
                      officers=[OfficerData(name=name, mobile="13804311234")])


def fill(world, now):
    """Both units have a complete roster before the request goes out."""
    save_roster(world.reporter, world.own, roster_data(), now=now)
    save_roster(world.other_reporter, world.other, roster_data("陈志强"), now=now)
    db.session.commit()


def issue(app, editor, deadline, note="", now=None):
    """issue_roster_request outside a page: its notices link to a URL, which needs a request context."""
    with app.test_request_context(method="POST"):
        request = issue_roster_request(editor, deadline, note, now=now)
    db.session.commit()
    return request


def response_of(request, unit):
    db.session.expire_all()
    return db.session.scalar(select(RosterResponse).where(RosterResponse.request_id == request.id,
                                                          RosterResponse.unit_id == unit.id))


def notices(user, kind="roster_request"):
    return [n.text for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                                           Notification.kind == kind))]


# ---- the countdown --------------------------------------------------------------------------

DEADLINE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai


@pytest.mark.parametrize("left, text", [
    (timedelta(days=1, hours=3), "还剩 1 天 3 小时"),
    (timedelta(days=1, hours=3, minutes=59), "还剩 1 天 3 小时"),
    (timedelta(hours=2, minutes=5), "还剩 2 小时 5 分钟"),
    (timedelta(minutes=7, seconds=30), "还剩 7 分钟"),
    (timedelta(seconds=1), "还剩不到 1 分钟"),
    (timedelta(0), "还剩不到 1 分钟"),  # at the deadline an answer is still on time
    (-timedelta(seconds=1), "已截止"),
    (-timedelta(days=3), "已截止"),
])
def test_countdown(left, text):
    assert describe_countdown(DEADLINE, DEADLINE - left).text == text


@pytest.mark.calendar
def test_states_at_the_deadline_boundaries():
    answered = RosterResponse(responded_at=DEADLINE)
    assert response_state(answered, DEADLINE, DEADLINE + timedelta(days=1)) == "on_time"
    answered.responded_at = DEADLINE + timedelta(seconds=1)
    assert response_state(answered, DEADLINE, DEADLINE + timedelta(days=1)) == "late"
    unanswered = RosterResponse()
    assert response_state(unanswered, DEADLINE, DEADLINE) == "waiting"
    assert response_state(unanswered, DEADLINE, DEADLINE + timedelta(seconds=1)) == "missed"


# ---- issuing --------------------------------------------------------------------------------

@pytest.mark.calendar
def test_the_editor_issues_a_request_with_a_deadline_in_office_time(app, world):
    editor = client_for(app, world.editor)
    form = editor.get("/roster/requests/new").get_data(as_text=True)
    assert "发出通知" in form and 'name="csrf_token"' in form and "17:00" in form
    day = to_local(utcnow()).date() + timedelta(days=3)
    response = editor.post("/roster/requests/new", data={"deadline_on": day.isoformat(), "deadline_hour": "17",
                                                         "note": "请核对联系方式"})
    assert response.status_code == 302
    request = db.session.scalar(select(RosterRequest))
    # Stored UTC: 17:00 in Shanghai is 09:00 UTC.
    assert request.deadline_at == datetime(day.year, day.month, day.day, 17, tzinfo=SHANGHAI).astimezone(UTC)
    assert request.deadline_at.hour == 9 and request.issued_by_id == world.editor.id
    assert {r.unit_id for r in request.responses} == {world.own.id, world.other.id}
    board = editor.get(response.location).get_data(as_text=True)
    assert f"{day.year}年{day.month}月{day.day}日 17:00 截止" in board
    assert "还剩 2 天" in board or "还剩 3 天" in board

    # Every unit's reporter and signer is told, in office time; the office is not.
    expected = f"办公室请各单位于{day.year}年{day.month}月{day.day}日 17:00前确认或更新本单位信息员名单"
    for user in (world.reporter, world.signer, world.other_reporter, world.other_signer):
        assert notices(user) == [expected]
    assert notices(world.editor) == [] and notices(world.viewer) == []
    note = db.session.scalar(select(Notification).where(Notification.user_id == world.reporter.id))
    assert note.url == "/roster"

    # Every unit sees it with the countdown.
    page = client_for(app, world.other_reporter).get("/roster", follow_redirects=True).get_data(as_text=True)
    assert "名单确认通知" in page and "请核对联系方式" in page and "还剩" in page and "尚未完成" in page
    assert "待确认" in page  # the nav link's mark


def test_a_retried_issue_lands_on_the_same_request_and_a_second_waits(app, world):
    editor = client_for(app, world.editor)
    day = (to_local(utcnow()).date() + timedelta(days=3)).isoformat()
    data = {"deadline_on": day, "deadline_hour": "17", "note": "请核对"}
    first = editor.post("/roster/requests/new", data=data)
    again = editor.post("/roster/requests/new", data=data)
    assert first.location == again.location
    assert len(db.session.scalars(select(RosterRequest)).all()) == 1
    assert len(notices(world.reporter)) == 1
    other = editor.post("/roster/requests/new", data=data | {"deadline_hour": "12"})
    assert other.status_code == 200 and "尚未截止" in other.get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"deadline_on": "", "deadline_hour": "17"}, "请填写截止日期"),
    ({"deadline_on": "2026-13-45", "deadline_hour": "17"}, "日期"),
    ({"deadline_on": "0001-01-01", "deadline_hour": "0"}, "截止日期的年份不合理"),
    ({"deadline_on": "9999-12-31", "deadline_hour": "23"}, "截止日期的年份不合理"),
    ({"deadline_on": "2020-01-01", "deadline_hour": "17"}, "截止时间必须晚于现在"),
    ({"deadline_on": "2030-01-01", "deadline_hour": "abc"}, "截止时刻"),
    ({"deadline_on": "2030-01-01", "deadline_hour": "24"}, "截止时刻"),
    ({"deadline_on": "2030-01-01", "deadline_hour": "17", "note": "长" * 501}, "不超过500个字"),
])
def test_a_wrong_deadline_is_refused_at_its_field(app, world, data, message):
    response = client_for(app, world.editor).post("/roster/requests/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert db.session.scalar(select(RosterRequest)) is None


# ---- answering and tracking at the boundaries -----------------------------------------------

@pytest.mark.calendar
def test_confirm_and_save_answer_the_request_on_time_or_late(app, make, world):
    third = make.unit("光明社区", parent=world.office)
    issued = DEADLINE - timedelta(days=5)
    fill(world, issued - timedelta(days=30))
    request = issue(app, world.editor, DEADLINE, "请核对", now=issued)

    # Exactly at the deadline: on time. One second after: late.
    confirm_roster(world.signer, world.own, now=DEADLINE)
    save_roster(world.other_reporter, world.other, roster_data("陈志强"), now=DEADLINE + timedelta(seconds=1))
    db.session.commit()
    own, other = response_of(request, world.own), response_of(request, world.other)
    assert (own.kind, own.responded_by_id, own.responded_at) == ("confirmed", world.signer.id, DEADLINE)
    assert (other.kind, other.responded_by_id) == ("updated", world.other_reporter.id)

    # A later answer keeps the first one, which timeliness is judged by.
    answer, answered = confirm_roster(world.reporter, world.own, now=DEADLINE + timedelta(days=1))
    assert not answered and answer.responded_at == DEADLINE and answer.responded_by_id == world.signer.id

    at_deadline = track_roster_request(request, now=DEADLINE)
    states = {line.response.unit_id: line.state for line in at_deadline.lines}
    assert states == {world.own.id: "on_time", world.other.id: "late", third.id: "waiting"}
    after = track_roster_request(request, now=DEADLINE + timedelta(seconds=1))
    states = {line.response.unit_id: line.state for line in after.lines}
    assert states[third.id] == "missed"
    assert after.counts == {"on_time": 1, "late": 1, "waiting": 0, "missed": 1}
    assert after.countdown.text == "已截止" and not after.finished
    assert at_deadline.lines[0].response.unit_id == third.id  # who still owes an answer comes first


def test_the_tracking_board_through_the_routes(app, world):
    fill(world, utcnow() - timedelta(days=1))
    editor = client_for(app, world.editor)
    day = (to_local(utcnow()).date() + timedelta(days=2)).isoformat()
    location = editor.post("/roster/requests/new", data={"deadline_on": day, "deadline_hour": "17"}).location
    board = editor.get(location).get_data(as_text=True)
    assert board.count("尚未完成") >= 3  # the count's label and both units
    assert 'hx-trigger="every 30s"' in board and f'href="{location}"' in board

    reporter = client_for(app, world.reporter)
    page = reporter.get(f"/roster/units/{world.own.id}").get_data(as_text=True)
    assert "确认无变化" in page
    response = reporter.post(f"/roster/units/{world.own.id}/confirm")
    assert response.status_code == 302
    assert "已确认本单位名单无变化" in reporter.get(response.location).get_data(as_text=True)
    again = reporter.post(f"/roster/units/{world.own.id}/confirm", follow_redirects=True).get_data(as_text=True)
    assert "无需重复确认" in again
    client_for(app, world.other_signer).post(f"/roster/units/{world.other.id}/edit",
                                             data=roster_form(leader_name="赵和平"))

    # HTMX polling gets the board alone; with everyone answered it stops polling.
    fragment = editor.get(location, headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and 'id="tracking"' in text and "HX-Request" in fragment.headers["Vary"]
    assert text.count("按时完成") == 3 and "确认无变化" in text and "更新名单" in text
    assert "hx-trigger" not in text
    # The unit no longer sees the mark in the nav.
    assert "待确认" not in reporter.get("/notifications").get_data(as_text=True)


def test_confirming_needs_a_request_and_a_complete_roster(app, world):
    reporter = client_for(app, world.reporter)
    page = reporter.post(f"/roster/units/{world.own.id}/confirm", follow_redirects=True).get_data(as_text=True)
    assert "办公室目前没有要求确认名单" in page
    issue(app, world.editor, utcnow() + timedelta(days=2))
    page = reporter.post(f"/roster/units/{world.own.id}/confirm", follow_redirects=True).get_data(as_text=True)
    assert "名单尚未填写完整" in page
    assert response_of(db.session.scalar(select(RosterRequest)), world.own).responded_at is None


def test_only_editors_issue_requests(app, world):
    with pytest.raises(RosterError):
        issue(app, world.admin, utcnow() + timedelta(days=1))
    for user in (world.reporter, world.signer, world.viewer, world.admin):
        client = client_for(app, user)
        assert client.get("/roster/requests/new").status_code == 403
    issue(app, world.editor, utcnow() + timedelta(days=1))
    request = db.session.scalar(select(RosterRequest))
    assert client_for(app, world.reporter).get(f"/roster/requests/{request.id}").status_code == 403
    assert client_for(app, world.editor).get("/roster/requests/999999").status_code == 404


@pytest.mark.calendar
def test_a_newer_request_replaces_the_old_one_once_it_has_closed(app, world):
    fill(world, DEADLINE - timedelta(days=30))
    old = issue(app, world.editor, DEADLINE, now=DEADLINE - timedelta(days=5))
    with pytest.raises(RosterError, match="尚未截止"):
        issue(app, world.editor, DEADLINE + timedelta(days=9), now=DEADLINE)
    new = issue(app, world.editor, DEADLINE + timedelta(days=9), now=DEADLINE + timedelta(seconds=1))
    confirm_roster(world.reporter, world.own, now=DEADLINE + timedelta(days=1))
    db.session.commit()
    assert response_of(new, world.own).responded_at is not None
    assert response_of(old, world.own).responded_at is None
    assert track_roster_request(old, now=DEADLINE + timedelta(days=1)).finished  # replaced: no more polling


# ---- changing a request, and the unit dashboard -------------------------------------------

def test_the_editor_extends_a_request_and_only_units_still_waiting_are_told(app, world):
    now = utcnow()
    fill(world, now - timedelta(days=1))
    request = issue(app, world.editor, now + timedelta(hours=5), "请核对")
    unit = client_for(app, world.reporter)
    unit.post(f"/roster/units/{world.own.id}/confirm")
    editor = client_for(app, world.editor)
    board = editor.get(f"/roster/requests/{request.id}").get_data(as_text=True)
    assert f"/roster/requests/{request.id}/edit" in board and "修改或延期" in board
    form = editor.get(f"/roster/requests/{request.id}/edit").get_data(as_text=True)
    local = to_local(request.deadline_at)
    assert f'value="{local.date().isoformat()}"' in form and "请核对" in form and "保存修改" in form

    later = local.date() + timedelta(days=2)
    response = editor.post(f"/roster/requests/{request.id}/edit",
                           data={"deadline_on": later.isoformat(), "deadline_hour": "12", "note": "请核对手机号码"})
    assert response.status_code == 302
    db.session.expire_all()
    assert request.deadline_at == datetime(later.year, later.month, later.day, 12, tzinfo=SHANGHAI).astimezone(UTC)
    assert request.note == "请核对手机号码"
    expected = f"名单确认通知已修改：截止时间延长至{later.year}年{later.month}月{later.day}日 12:00；通知说明已修改"
    assert notices(world.other_reporter, "roster_request_changed") == [expected]
    assert notices(world.other_signer, "roster_request_changed") == [expected]
    assert notices(world.reporter, "roster_request_changed") == []  # already confirmed
    assert "已修改：截止时间延长至" in editor.get(response.location).get_data(as_text=True)
    # saving it unchanged tells nobody
    editor.post(f"/roster/requests/{request.id}/edit",
                data={"deadline_on": later.isoformat(), "deadline_hour": "12", "note": "请核对手机号码"})
    assert len(notices(world.other_reporter, "roster_request_changed")) == 1


@pytest.mark.calendar
def test_a_missed_request_can_be_reopened_by_a_later_deadline(app, world):
    now = utcnow()
    request = issue(app, world.editor, now + timedelta(hours=1), now=now - timedelta(days=3))
    request.deadline_at = now - timedelta(hours=1)  # it has closed since
    db.session.commit()
    assert response_state(response_of(request, world.own), request.deadline_at, now) == "missed"
    editor = client_for(app, world.editor)
    past = editor.post(f"/roster/requests/{request.id}/edit",
                       data={"deadline_on": to_local(now).date().isoformat(), "deadline_hour": "0", "note": ""})
    assert "截止时间必须晚于现在" in past.get_data(as_text=True)
    tomorrow = to_local(now).date() + timedelta(days=1)
    editor.post(f"/roster/requests/{request.id}/edit",
                data={"deadline_on": tomorrow.isoformat(), "deadline_hour": "17", "note": ""})
    db.session.expire_all()
    assert response_state(response_of(request, world.own), request.deadline_at, now) == "waiting"


def test_only_the_current_request_can_be_changed(app, world):
    now = utcnow()
    old = issue(app, world.editor, now + timedelta(hours=1), now=now - timedelta(days=3))
    old.deadline_at = now - timedelta(hours=1)
    db.session.commit()
    issue(app, world.editor, now + timedelta(days=3))
    day = (to_local(now).date() + timedelta(days=5)).isoformat()
    page = client_for(app, world.editor).post(f"/roster/requests/{old.id}/edit",
                                              data={"deadline_on": day, "deadline_hour": "17", "note": ""})
    assert "已有更新的名单确认通知，旧通知不能再修改" in page.get_data(as_text=True)
    db.session.expire_all()
    assert old.deadline_at == now - timedelta(hours=1)
    assert "修改或延期" not in client_for(app, world.editor).get(f"/roster/requests/{old.id}").get_data(as_text=True)


def test_the_unit_dashboard_shows_the_request_until_it_is_answered(app, world):
    now = utcnow()
    fill(world, now - timedelta(days=1))
    issue(app, world.editor, now + timedelta(hours=5))
    unit = client_for(app, world.signer)
    dashboard = unit.get("/unit").get_data(as_text=True)
    assert "名单确认通知" in dashboard and "去确认名单" in dashboard and "还剩 4 小时" in dashboard
    unit.post(f"/roster/units/{world.own.id}/confirm")
    assert "去确认名单" not in unit.get("/unit").get_data(as_text=True)
    assert "去确认名单" in client_for(app, world.other_reporter).get("/unit").get_data(as_text=True)
