"""Issuing, editing, extending and closing a solicitation; who sees it; receipts (查看, 签收); the
countdown; and the printable notice (seed 附件3)."""
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db, utcnow
from portal.solicitations.models import Solicitation, SolicitationTarget
from portal.web.countdown import describe_countdown
from portal.units.services import save_tier
from portal.web.filters import to_local
from tests.solicitations.helpers import (
    client_for,
    errors_of,
    in_days,
    issue,
    latest_solicitation,
    notice_data,
    notices,
    office_today,
    shanghai,
    text_of,
)


def count_solicitations() -> int:
    return db.session.scalar(select(func.count(Solicitation.id)))


def target_of(solicitation, unit) -> SolicitationTarget:
    db.session.expire_all()
    return db.session.get(SolicitationTarget, (solicitation.id, unit.id))


# ---- issuing: one by one, by tier, all ------------------------------------------------------

def test_editor_issues_to_units_chosen_one_by_one(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id)])
    assert solicitation.unit_ids == {world.own.id}
    assert solicitation.status == "open" and not solicitation.by_phone
    assert solicitation.issued_by_id == world.editor.id
    # Entered as 17:00 office time, stored as 09:00 UTC, shown as 17:00 again.
    assert solicitation.deadline == shanghai(office_today() + timedelta(days=5), 17).astimezone(UTC)
    assert solicitation.deadline.hour == 9
    day = office_today() + timedelta(days=5)
    page = editor.get(f"/solicitations/{solicitation.id}").get_data(as_text=True)
    assert f"{day.year}年{day.month}月{day.day}日 17:00" in page
    # The unit is told at once; the other unit is not.
    assert any("新约稿：《今冬明春安全生产隐患排查整治情况》" in text for text in notices(world.reporter))
    assert any("新约稿" in text for text in notices(world.signer))
    assert not notices(world.other_reporter)


def test_editor_issues_to_a_whole_tier(app, make, world):
    tier = save_tier(None, key="key_units", name="重点单位", sort_order=0)
    db.session.commit()
    world.own.tier_id = tier.id
    third = make.unit("光明社区", parent=world.office)
    third.tier_id = tier.id
    db.session.commit()
    editor = client_for(app, world.editor)
    form = editor.get("/solicitations/new").get_data(as_text=True)
    assert f'value="tier-{tier.id}"' in form and "重点单位（2个）" in form
    solicitation = issue(editor, groups=[f"tier-{tier.id}"])
    assert solicitation.unit_ids == {world.own.id, third.id}


def test_editor_issues_to_all_units_and_merges_shortcuts_with_single_choices(app, make, world):
    department = make.unit("街道综治中心", kind="department", parent=world.office)
    editor = client_for(app, world.editor)
    everyone = issue(editor, groups=["all"])
    # Every active reporting unit; never the office itself.
    assert everyone.unit_ids == {world.own.id, world.other.id, department.id}
    merged = issue(editor, topic="辖区“一老一小”服务保障情况", groups=["kind-department"], units=[str(world.own.id)])
    assert merged.unit_ids == {department.id, world.own.id}


def test_issue_form_works_without_javascript(app, world):
    """Plain checkboxes and a plain submit: the shortcuts are form values the server resolves."""
    page = client_for(app, world.editor).get("/solicitations/new").get_data(as_text=True)
    assert 'type="checkbox" name="groups" value="all"' in page
    assert f'type="checkbox" name="units" value="{world.own.id}"' in page
    assert f'name="units" value="{world.office.id}"' not in page  # the office is no target
    assert 'name="csrf_token"' in page
    assert "<script" not in page.split("</head>")[1] and " style=" not in page and " onclick=" not in page


@pytest.mark.calendar
@pytest.mark.parametrize("overrides, message", [
    ({"units": []}, "请至少选择一个约稿单位"),
    ({"deadline_date": in_days(-1)}, "截止时间须晚于现在"),
    ({"topic": ""}, "请填写约稿主题"),
    ({"email": "not-an-address"}, "邮箱格式不正确"),
    ({"phone": "call me"}, "联系电话只能包含数字"),
])
def test_bad_notices_are_refused_with_the_form_kept(app, world, overrides, message):
    editor = client_for(app, world.editor)
    data = {"units": [str(world.own.id)]} | overrides
    response = editor.post("/solicitations/new", data=notice_data(**data))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert any(message in error for error in errors_of(html)), errors_of(html)
    assert 'value="309室"' in html  # nothing typed is lost
    assert count_solicitations() == 0


@pytest.mark.parametrize("data", [
    {"units": ["999999"]},
    {"units": ["abc"], "deadline_hour": "99", "deadline_date": "2026-13-45"},
    {"groups": ["tier-999"]},
    {"units": ["1"], "deadline_date": "9999-12-31"},
])
def test_forged_or_garbled_input_is_refused_not_a_500(app, world, data):
    response = client_for(app, world.editor).post("/solicitations/new", data=notice_data(**data))
    assert response.status_code == 200
    assert errors_of(response.get_data(as_text=True))
    assert count_solicitations() == 0


def test_the_office_itself_is_no_valid_target(app, world):
    response = client_for(app, world.editor).post("/solicitations/new",
                                                 data=notice_data(units=[str(world.office.id)]))
    assert response.status_code == 200 and count_solicitations() == 0


def test_a_retried_submit_issues_once(app, world):
    editor = client_for(app, world.editor)
    first = issue(editor, units=[str(world.own.id)])
    second = issue(editor, units=[str(world.own.id)])
    assert first.id == second.id and count_solicitations() == 1


def test_a_telephone_solicitation_is_recorded_after_the_fact(app, world):
    editor = client_for(app, world.editor)
    called = office_today() - timedelta(days=3)
    solicitation = issue(editor, units=[str(world.own.id)], by_phone="y", called_date=called.isoformat(),
                         called_hour="10", deadline_date=in_days(-1))
    assert solicitation.by_phone
    assert solicitation.issued_at == shanghai(called, 10).astimezone(UTC)
    assert solicitation.deadline < utcnow()  # already past: tracked like any other
    reporter = client_for(app, world.reporter)
    assert "已截止" in reporter.get("/solicitations/inbox").get_data(as_text=True)
    assert any("电话约稿已登记" in text for text in notices(world.reporter))


def test_only_editors_issue(app, world):
    for user in (world.reporter, world.signer, world.viewer, world.admin):
        client = client_for(app, user)
        assert client.get("/solicitations/new").status_code == 403
        assert client.post("/solicitations/new", data=notice_data(units=[str(world.own.id)])).status_code == 403
    assert count_solicitations() == 0


# ---- who sees a notice ----------------------------------------------------------------------

def test_a_unit_never_sees_a_notice_it_was_not_sent(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, topic="只发给幸福社区的约稿", units=[str(world.own.id)])
    other = client_for(app, world.other_reporter)
    for url in (f"/solicitations/{solicitation.id}", f"/solicitations/{solicitation.id}/print"):
        assert other.get(url).status_code == 404
    assert other.post(f"/solicitations/{solicitation.id}/acknowledge").status_code == 404
    assert "只发给幸福社区的约稿" not in other.get("/solicitations/inbox").get_data(as_text=True)
    assert "只发给幸福社区的约稿" not in other.get("/unit").get_data(as_text=True)
    assert "只发给幸福社区的约稿" not in other.get("/items/new").get_data(as_text=True)
    assert target_of(solicitation, world.own).acknowledged_at is None
    # Its own unit sees it everywhere.
    own = client_for(app, world.reporter)
    assert "只发给幸福社区的约稿" in own.get("/solicitations/inbox").get_data(as_text=True)
    assert "只发给幸福社区的约稿" in own.get("/unit").get_data(as_text=True)


def test_a_unit_does_not_see_which_other_units_were_asked(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id), str(world.other.id)])
    page = client_for(app, world.reporter).get(f"/solicitations/{solicitation.id}").get_data(as_text=True)
    assert "和平社区" not in page
    assert "和平社区" in editor.get(f"/solicitations/{solicitation.id}").get_data(as_text=True)
    printed = client_for(app, world.reporter).get(f"/solicitations/{solicitation.id}/print").get_data(as_text=True)
    assert "幸福社区：" in printed and "和平社区：" not in printed


# ---- receipts: opened and acknowledged ------------------------------------------------------

def test_opening_the_notice_records_the_first_time_only(app, world):
    solicitation = issue(client_for(app, world.editor), units=[str(world.own.id)])
    # The office looking at it is no receipt.
    client_for(app, world.editor).get(f"/solicitations/{solicitation.id}")
    assert target_of(solicitation, world.own).opened_at is None
    reporter = client_for(app, world.reporter)
    before = utcnow()
    assert reporter.get(f"/solicitations/{solicitation.id}").status_code == 200
    first = target_of(solicitation, world.own).opened_at
    assert first is not None and first >= before - timedelta(seconds=1)
    client_for(app, world.signer).get(f"/solicitations/{solicitation.id}")
    assert target_of(solicitation, world.own).opened_at == first


def test_acknowledge_records_time_and_person_once(app, world):
    solicitation = issue(client_for(app, world.editor), units=[str(world.own.id)])
    signer = client_for(app, world.signer)
    response = signer.post(f"/solicitations/{solicitation.id}/acknowledge")
    assert response.status_code == 302
    target = target_of(solicitation, world.own)
    assert target.acknowledged_by_id == world.signer.id and target.acknowledged_at is not None
    assert target.opened_at is not None  # acknowledging implies having opened it
    first = target.acknowledged_at
    reporter = client_for(app, world.reporter)
    page = reporter.post(f"/solicitations/{solicitation.id}/acknowledge", follow_redirects=True).get_data(as_text=True)
    assert "本单位已签收过此约稿" in page
    target = target_of(solicitation, world.own)
    assert target.acknowledged_at == first and target.acknowledged_by_id == world.signer.id
    assert "已签收" in page and world.signer.name in page


def test_acknowledging_a_closed_notice_is_refused_politely(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id)])
    editor.post(f"/solicitations/{solicitation.id}/close", data={"confirmed": "1"})
    page = client_for(app, world.reporter).post(
        f"/solicitations/{solicitation.id}/acknowledge", follow_redirects=True).get_data(as_text=True)
    assert "该约稿已结束，不能签收" in page
    assert target_of(solicitation, world.own).acknowledged_at is None


def test_office_roles_cannot_acknowledge(app, world):
    solicitation = issue(client_for(app, world.editor), units=[str(world.own.id)])
    for user in (world.editor, world.viewer, world.admin):
        assert client_for(app, user).post(f"/solicitations/{solicitation.id}/acknowledge").status_code == 403


# ---- the countdown --------------------------------------------------------------------------

DEADLINE = datetime(2026, 12, 1, 9, tzinfo=UTC)  # 17:00 in Shanghai


@pytest.mark.calendar
@pytest.mark.parametrize("left, text, urgent, past", [
    (timedelta(days=1, hours=3), "还剩 1 天 3 小时", False, False),
    (timedelta(days=1, hours=3, minutes=59), "还剩 1 天 3 小时", False, False),
    (timedelta(hours=24, minutes=1), "还剩 1 天 0 小时", False, False),
    (timedelta(hours=24), "还剩 1 天 0 小时", True, False),  # the last 24 hours begin: red
    (timedelta(hours=5, minutes=7), "还剩 5 小时 7 分钟", True, False),
    (timedelta(minutes=12), "还剩 12 分钟", True, False),
    (timedelta(seconds=30), "还剩不到 1 分钟", True, False),
    (timedelta(0), "还剩不到 1 分钟", True, False),  # exactly at the deadline: still on time
    (timedelta(seconds=-1), "已截止", False, True),  # one second after
    (timedelta(days=-3), "已截止", False, True),
])
def test_countdown_wording_at_the_boundaries(left, text, urgent, past):
    countdown = describe_countdown(DEADLINE, DEADLINE - left)
    assert (countdown.text, countdown.urgent, countdown.past) == (text, urgent, past)


@pytest.mark.calendar
def test_inbox_countdown_is_red_in_the_last_24_hours(app, world):
    editor = client_for(app, world.editor)
    soon_local = (utcnow() + timedelta(hours=3)).astimezone(shanghai(office_today(), 0).tzinfo)
    soon = issue(editor, topic="明天截止的约稿", units=[str(world.own.id)],
                 deadline_date=soon_local.date().isoformat(), deadline_hour=str(soon_local.hour))
    later = issue(editor, topic="下周截止的约稿", units=[str(world.own.id)], deadline_date=in_days(8))
    html = client_for(app, world.reporter).get("/solicitations/inbox").get_data(as_text=True)
    soon_line = html.split(soon.topic)[1].split("</li>")[0]
    later_line = html.split(later.topic)[1].split("</li>")[0]
    assert 'class="countdown urgent"' in soon_line and "还剩 2 小时" in soon_line
    assert 'class="countdown"' in later_line and ("还剩 7 天" in later_line or "还剩 8 天" in later_line)
    # Waiting notices come first, soonest deadline first.
    assert html.index(soon.topic) < html.index(later.topic)


def test_inbox_refreshes_in_place_and_without_javascript(app, world):
    issue(client_for(app, world.editor), units=[str(world.own.id)])
    reporter = client_for(app, world.reporter)
    page = reporter.get("/solicitations/inbox").get_data(as_text=True)
    assert 'href="/solicitations/inbox" hx-get="/solicitations/inbox"' in page
    fragment = reporter.get("/solicitations/inbox", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="inbox"') and "<html" not in fragment


# ---- editing, extending, closing ------------------------------------------------------------

def test_editing_tells_the_units_what_changed(app, make, world):
    third = make.unit("光明社区", parent=world.office)
    third_reporter = make.user(third, "reporter")
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id), str(world.other.id)])
    day = office_today() + timedelta(days=7)
    response = editor.post(f"/solicitations/{solicitation.id}/edit", data=notice_data(
        units=[str(world.own.id), str(third.id)], deadline_date=day.isoformat(), deadline_hour="12",
        requirements="请补充典型案例。", contact_name="李娜", version=solicitation.version))
    assert response.status_code == 302, errors_of(response.get_data(as_text=True))
    changed = [text for text in notices(world.reporter) if "有变更" in text]
    assert len(changed) == 1
    assert f"截止时间改为{day.year}年{day.month}月{day.day}日 12:00" in changed[0]
    assert "约稿要求有修改" in changed[0] and "联系人改为“李娜”" in changed[0]
    assert any("有变更" in text for text in notices(world.signer))
    assert any(text.startswith("新约稿") for text in notices(third_reporter))
    assert any("已不再需要本单位报送" in text for text in notices(world.other_reporter))
    solicitation = latest_solicitation()
    assert solicitation.unit_ids == {world.own.id, third.id}
    assert solicitation.deadline == shanghai(day, 12).astimezone(UTC)


def test_saving_without_changes_notifies_nobody(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id)])
    before = len(notices(world.reporter))
    editor.post(f"/solicitations/{solicitation.id}/edit", data=notice_data(units=[str(world.own.id)],
                                                                           version=solicitation.version))
    assert len(notices(world.reporter)) == before


def test_a_unit_with_an_answer_stays_a_target(app, make, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id), str(world.other.id)])
    make.item(world.reporter, "draft", solicitation_id=solicitation.id)
    response = editor.post(f"/solicitations/{solicitation.id}/edit", data=notice_data(units=[str(world.other.id)],
                                                                                      version=solicitation.version))
    assert response.status_code == 200
    assert "幸福社区已有回复（含草稿），不能移出约稿单位" in errors_of(response.get_data(as_text=True))
    assert latest_solicitation().unit_ids == {world.own.id, world.other.id}


@pytest.mark.calendar
def test_extending_the_deadline(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id)])
    old = solicitation.deadline
    page = editor.post(f"/solicitations/{solicitation.id}/extend",
                       data={"deadline_date": in_days(2), "deadline_hour": "9"}, follow_redirects=True)
    assert "新的截止时间须晚于原截止时间" in page.get_data(as_text=True)
    assert latest_solicitation().deadline == old
    garbled = editor.post(f"/solicitations/{solicitation.id}/extend", data={"deadline_date": "x", "deadline_hour": "y"})
    assert garbled.status_code == 302 and latest_solicitation().deadline == old
    later = office_today() + timedelta(days=10)
    editor.post(f"/solicitations/{solicitation.id}/extend", data={"deadline_date": later.isoformat(), "deadline_hour": "18"})
    assert latest_solicitation().deadline == shanghai(later, 18).astimezone(UTC)
    assert any(f"截止时间延长至{later.year}年{later.month}月{later.day}日 18:00" in text for text in notices(world.reporter))


@pytest.mark.calendar
def test_closing_ends_the_notice(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id)])
    assert editor.post(f"/solicitations/{solicitation.id}/close", data={"confirmed": "1"}).status_code == 302
    solicitation = latest_solicitation()
    assert solicitation.status == "closed" and solicitation.closed_at is not None
    assert any("已结束" in text for text in notices(world.reporter))
    # No longer offered as something to answer, nor editable.
    reporter = client_for(app, world.reporter)
    assert solicitation.topic not in reporter.get("/items/new").get_data(as_text=True)
    assert solicitation.topic not in reporter.get("/unit").get_data(as_text=True)
    page = editor.post(f"/solicitations/{solicitation.id}/close", data={"confirmed": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "该约稿已结束" in page
    refused = editor.post(f"/solicitations/{solicitation.id}/edit", data=notice_data(units=[str(world.own.id)]))
    assert "该约稿已结束，不能修改" in text_of(refused.get_data(as_text=True))


@pytest.mark.calendar
def test_a_closed_notice_is_reopened_by_a_later_deadline(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id)])
    editor.post(f"/solicitations/{solicitation.id}/close", data={"confirmed": "1"})
    page = editor.get(f"/solicitations/{solicitation.id}").get_data(as_text=True)
    assert "重新开放约稿" in page and "结束约稿" not in page
    later = office_today() + timedelta(days=10)
    response = editor.post(f"/solicitations/{solicitation.id}/extend",
                           data={"deadline_date": later.isoformat(), "deadline_hour": "18"}, follow_redirects=True)
    assert "约稿已重新开放，截止时间已延长" in response.get_data(as_text=True)
    solicitation = latest_solicitation()
    assert solicitation.is_open and solicitation.closed_at is None
    assert solicitation.deadline == shanghai(later, 18).astimezone(UTC)
    assert any(f"已重新开放，截止时间延长至{later.year}年{later.month}月{later.day}日 18:00" in text
               for text in notices(world.reporter))
    # offered again as something to answer
    assert solicitation.topic in client_for(app, world.reporter).get("/items/new").get_data(as_text=True)


# ---- the printable notice (seed 附件3) --------------------------------------------------------

def test_printable_notice_has_the_seed_forms_fields(app, world):
    editor = client_for(app, world.editor)
    day = office_today() + timedelta(days=5)
    solicitation = issue(editor, units=[str(world.own.id), str(world.other.id)])
    response = editor.get(f"/solicitations/{solicitation.id}/print")
    assert response.status_code == 200
    page = text_of(response.get_data(as_text=True))
    issued = office_today()
    # 附件3: heading, 部门:, the request with 于 月 日 时之前 报 …室, 电话, 邮箱, 特此通知, 联系人 电话, 年 月 日
    assert "城南街道党政办公室政务信息约稿通知" in page
    assert "幸福社区：" in page and "和平社区：" in page  # one notice per unit
    assert "请你单位认真研究，组织有关人员认真调研、及时撰稿，经单位主管领导审核后" in page
    assert f"于{day.month}月{day.day}日下午5时之前报城南街道党政办公室309室，电话：0552-3012345，邮箱：xinxi@chengnan.gov.cn。" in page
    assert "今冬明春安全生产隐患排查整治情况" in page and "约稿要求" in page
    assert "特此通知。" in page
    assert "联系人：王敏" in page and "电话：0552-3012345" in page
    assert f"{issued.year}年{issued.month}月{issued.day}日" in page
    html = response.get_data(as_text=True)
    assert html.count('<article class="notice">') == 2 and " style=" not in html and "<script" not in html


def test_two_editors_editing_one_notice(app, make, world):
    """Optimistic locking (see tests/items/test_edit_conflicts.py): the second save is refused with both versions."""
    second_editor = make.user(world.office, "editor", username="editor2")
    first, second = client_for(app, world.editor), client_for(app, second_editor)
    solicitation = issue(first, units=[str(world.own.id)])
    shown = solicitation.version
    assert first.post(f"/solicitations/{solicitation.id}/edit", data=notice_data(
        units=[str(world.own.id)], requirements="甲编辑改过的要求。", version=shown)).status_code == 302
    refused = second.post(f"/solicitations/{solicitation.id}/edit", data=notice_data(
        units=[str(world.own.id)], requirements="乙编辑改过的要求。", version=shown))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "保存未成功：您打开此页面后，该约稿已于" in html
    assert "现在保存的版本" in html and "甲编辑改过的要求。" in html and "乙编辑改过的要求。" in html
    assert latest_solicitation().requirements == "甲编辑改过的要求。"
    again = re.search(r'<input id="version" name="version" type="hidden" value="(\d+)">', html).group(1)
    assert second.post(f"/solicitations/{solicitation.id}/edit", data=notice_data(
        units=[str(world.own.id)], requirements="乙编辑改过的要求。", version=again)).status_code == 302
    assert latest_solicitation().requirements == "乙编辑改过的要求。"


def test_the_notice_reads_as_an_official_text(app, world):
    from portal.solicitations.notice import deadline_words, topic_clause

    # The topic sentence never doubles 情况; quotes inside the topic become ‘’ inside the “”.
    assert topic_clause("今冬明春安全生产隐患排查整治情况") == "“今冬明春安全生产隐患排查整治情况”"
    assert topic_clause("今冬明春安全生产隐患排查") == "“今冬明春安全生产隐患排查”有关情况"
    assert topic_clause("“两节”期间市场供应") == "“‘两节’期间市场供应”有关情况"
    # Times as 时, with 上午/下午; midnight is the day before's 24时; the year only when it differs.
    issued = shanghai(date(2026, 12, 1), 9)
    assert deadline_words(shanghai(date(2026, 12, 10), 17), issued) == "12月10日下午5时"
    assert deadline_words(shanghai(date(2026, 12, 10), 9).replace(minute=30), issued) == "12月10日上午9时30分"
    assert deadline_words(shanghai(date(2026, 12, 10), 12), issued) == "12月10日中午12时"
    assert deadline_words(shanghai(date(2026, 12, 10), 20), issued) == "12月10日20时"
    assert deadline_words(shanghai(date(2027, 1, 1), 0), issued) == "12月31日24时"
    assert deadline_words(shanghai(date(2027, 1, 2), 8), issued) == "2027年1月2日上午8时"

    editor = client_for(app, world.editor)
    issue(editor, topic="“两节”期间安全生产情况", units=[str(world.own.id)])
    page = text_of(editor.get(f"/solicitations/{latest_solicitation().id}/print").get_data(as_text=True))
    assert "需了解“‘两节’期间安全生产情况”，请你单位" in page and "有关情况" not in page and "点之前" not in page
    assert "约稿〔" not in page  # not numbered unless the office says so
    app.config["SOLICITATION_NUMBER_PREFIX"] = "城南约稿"
    second = issue(editor, topic="第二次约稿", units=[str(world.own.id)])
    page = text_of(editor.get(f"/solicitations/{second.id}/print").get_data(as_text=True))
    assert f"城南约稿〔{to_local(second.issued_at).year}〕2号" in page


def test_quotes_inside_a_quoted_topic_turn_single(app, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id)], topic="岁末年初“两节”期间安全生产情况")
    printed = editor.get(f"/solicitations/{solicitation.id}/print").get_data(as_text=True)
    assert "“岁末年初‘两节’期间安全生产情况”" in printed and "“岁末年初“" not in printed
