"""Adoptions, leader instructions, feedback and verdicts through the real routes, down to the ledger
that compute_scores() stores for the unit."""
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.items.models import Item
from portal.notifications.models import Notification
from portal.scoring.models import Adoption, Instruction
from portal.scoring.periods import get_active_rule_set
from portal.scoring.runs import compute_scores
from portal.scoring.unit_ledger import list_ledger
from portal.web.filters import office_today
from tests.conftest import login

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONG_AGO = 10  # days: an instruction this old is past its default 7-day feedback due


@pytest.fixture(autouse=True)
def period_covers_today(app):
    """The seeded rule set's period is 1 Jan–30 Nov of the year the database was migrated; the rows
    these tests produce are dated from LONG_AGO days back to today, so the period must hold them."""
    rule_set = get_active_rule_set()
    today = office_today()
    rule_set.period_start = min(rule_set.period_start, today - timedelta(days=60))
    rule_set.period_end = max(rule_set.period_end, today)
    db.session.commit()


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def submitted(make, world, status="submitted", **fields):
    return make.item(world.reporter, status, signer=world.signer, editor=world.editor, **fields)


def submitted_earlier(make, world, clock, days, status="submitted"):
    """An item that reached the office `days` ago: nothing about it may be dated before that."""
    clock.shift(timedelta(days=-days))
    item = submitted(make, world, status)
    clock.shift(timedelta(days=days))
    return item


def adoptions_of(item):
    db.session.expire_all()
    return {(a.channel.key, a.adopted_on) for a in db.session.scalars(select(Adoption).where(Adoption.item_id == item.id))}


def instructions_of(item):
    db.session.expire_all()
    return db.session.scalars(select(Instruction).where(Instruction.item_id == item.id).order_by(Instruction.id)).all()


def notices(user):
    return [n.text for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]


def instruction_data(**overrides):
    return {"leader_name": "李明", "rank": "mayor", "instructed_on": office_today().isoformat(),
            "text": "此做法很好，请认真总结经验，并将落实情况报来。", "feedback_required": "y"} | overrides


def record_instruction(editor, item, **overrides):
    response = editor.post(f"/items/{item.id}/instructions/new", data=instruction_data(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    return instructions_of(item)[-1]


def end_of_day_utc(day: date) -> datetime:
    return datetime.combine(day, time.max, SHANGHAI).astimezone(UTC)


# ---- adoptions ------------------------------------------------------------------------------

@pytest.mark.calendar
def test_editor_records_adoptions_by_several_channels_with_dates(app, make, world, clock):
    item = submitted_earlier(make, world, clock, 1)
    editor = client_for(app, world.editor)
    today = office_today()
    yesterday = today - timedelta(days=1)

    page = editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert 'id="records"' in page and 'optgroup label="市委办公厅"' in page and "《长春信息》" in page
    assert 'value="internal"' not in page  # the office's own adoption is the 采用 transition
    assert editor.post(f"/items/{item.id}/adoptions",
                       data={"channel": "cpc_main", "adopted_on": yesterday.isoformat()}).status_code == 302
    editor.post(f"/items/{item.id}/adoptions", data={"channel": "gov_dynamic", "adopted_on": today.isoformat()})
    assert adoptions_of(item) == {("cpc_main", yesterday), ("gov_dynamic", today)}

    again = editor.post(f"/items/{item.id}/adoptions", data={"channel": "cpc_main", "adopted_on": today.isoformat()},
                        follow_redirects=True).get_data(as_text=True)
    assert "已记录被《长春信息》采用" in again and "不能重复记录" in again
    assert adoptions_of(item) == {("cpc_main", yesterday), ("gov_dynamic", today)}

    page = editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert f"《长春信息》，{yesterday.year}年{yesterday.month}月{yesterday.day}日" in page
    assert f"《动态信息》，{today.year}年{today.month}月{today.day}日" in page
    assert f"《{item.title}》被《长春信息》采用" in notices(world.reporter)
    assert f"《{item.title}》被《动态信息》采用" in notices(world.reporter)
    # the unit sees the adoptions too, without the editor's forms
    unit_page = client_for(app, world.reporter).get(f"/items/{item.id}").get_data(as_text=True)
    assert "《长春信息》" in unit_page and "记录采用" not in unit_page and "记录领导批示" not in unit_page


@pytest.mark.calendar
def test_an_upper_adoption_of_a_not_adopted_item_is_recorded_as_bulu(app, make, world, clock):
    item = submitted_earlier(make, world, clock, 2, "not_adopted")
    editor = client_for(app, world.editor)
    assert "（补录）" in editor.get(f"/items/{item.id}").get_data(as_text=True)
    day = office_today() - timedelta(days=2)
    editor.post(f"/items/{item.id}/adoptions", data={"channel": "province", "adopted_on": day.isoformat()})
    assert adoptions_of(item) == {("province", day)}
    db.session.expire_all()
    adopted = db.session.get(Item, item.id)
    assert adopted.status == "adopted"
    assert (adopted.events[-1].action, adopted.events[-1].comment) == ("adopt", "补录：被省办采用")
    assert adoptions_of(item) == {("province", day)}  # no internal adoption: the office did not adopt it
    # one notice of the adoption, a correction of the earlier 未被采用 (which stays), naming the channel
    assert [n for n in notices(world.reporter) if "采用" in n and "未被采用" not in n] == [
        f"更正：《{item.title}》的处理结果由“未采用”改为“已采用”（补录：被省办采用）"]


@pytest.mark.parametrize("data, message", [
    ({"channel": "cpc_main", "adopted_on": "FUTURE"}, "采用日期不能晚于今天"),
    ({"channel": "internal", "adopted_on": "TODAY"}, "不是有效的选择"),
    ({"channel": "no_such_channel", "adopted_on": "TODAY"}, "不是有效的选择"),
    ({"channel": "cpc_main", "adopted_on": "2026-02-31"}, "不是有效的日期值"),
    ({"channel": "cpc_main", "adopted_on": "0001-01-01"}, "采用日期的年份不合理"),
    ({"channel": "cpc_main"}, "请填写采用日期"),
    ({}, "请选择采用刊物"),
])
def test_bad_adoptions_are_refused_in_chinese(app, make, world, data, message):
    item = submitted(make, world)
    today = office_today()
    values = {"FUTURE": (today + timedelta(days=1)).isoformat(), "TODAY": today.isoformat()}
    data = {k: values.get(v, v) for k, v in data.items()}
    response = client_for(app, world.editor).post(f"/items/{item.id}/adoptions", data=data, follow_redirects=True)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert adoptions_of(item) == set()


def test_nothing_is_recorded_on_an_invalid_item(app, make, world):
    item = submitted(make, world, "invalid")
    editor = client_for(app, world.editor)
    page = editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert "记录采用" not in page and "记录领导批示" not in page
    response = editor.post(f"/items/{item.id}/adoptions",
                           data={"channel": "cpc_main", "adopted_on": office_today().isoformat()}, follow_redirects=True)
    assert "不计分" in response.get_data(as_text=True) and adoptions_of(item) == set()
    form = editor.post(f"/items/{item.id}/instructions/new", data=instruction_data())
    assert form.status_code == 200 and "不计分" in form.get_data(as_text=True) and instructions_of(item) == []


def test_units_and_other_users_cannot_record(app, make, world):
    item = submitted(make, world)
    draft = make.item(world.other_reporter)
    data = {"channel": "cpc_main", "adopted_on": office_today().isoformat()}
    for user in (world.reporter, world.signer, world.other_reporter, world.viewer, world.admin):
        client = client_for(app, user)
        assert client.post(f"/items/{item.id}/adoptions", data=data).status_code == 403
        assert client.get(f"/items/{item.id}/instructions/new").status_code == 403
        assert client.post(f"/items/{item.id}/instructions/new", data=instruction_data()).status_code == 403
    editor = client_for(app, world.editor)
    assert editor.post(f"/items/{draft.id}/adoptions", data=data).status_code == 404  # a draft the office never saw
    assert editor.get(f"/items/{draft.id}/instructions/new").status_code == 404
    assert editor.post("/items/999999/adoptions", data=data).status_code == 404
    assert adoptions_of(item) == set() and instructions_of(item) == []


def test_a_mistaken_adoption_can_be_deleted_but_not_the_internal_one(app, make, world):
    item = submitted(make, world, "adopted")
    editor = client_for(app, world.editor)
    editor.post(f"/items/{item.id}/adoptions", data={"channel": "cpc_main", "adopted_on": office_today().isoformat()})
    rows = {a.channel.key: a.id for a in db.session.scalars(select(Adoption).where(Adoption.item_id == item.id))}
    assert set(rows) == {"internal", "cpc_main"}

    for user in (world.reporter, world.other_signer, world.viewer):
        assert client_for(app, user).post(f"/adoptions/{rows['cpc_main']}/delete").status_code == 403
    refused = editor.post(f"/adoptions/{rows['internal']}/delete", follow_redirects=True).get_data(as_text=True)
    assert "不能在此删除" in refused
    assert editor.post(f"/adoptions/{rows['cpc_main']}/delete").status_code == 302
    assert {key for key, _ in adoptions_of(item)} == {"internal"}
    assert editor.post(f"/adoptions/{rows['cpc_main']}/delete").status_code == 404


# ---- instructions ---------------------------------------------------------------------------

@pytest.mark.calendar
def test_an_instruction_is_due_at_the_end_of_the_seventh_day_in_office_time(app, make, world):
    item = submitted(make, world)
    editor = client_for(app, world.editor)
    page = editor.get(f"/items/{item.id}/instructions/new").get_data(as_text=True)
    assert ">市长<" in page and ">国务院领导<" in page and "后第7天24时前" in page

    instruction = record_instruction(editor, item)
    today = office_today()
    due_day = today + timedelta(days=7)
    # 23:59:59.999999 in Shanghai is 15:59:59.999999 UTC the same day
    assert instruction.feedback_due_at == datetime.combine(due_day, time(15, 59, 59, 999999), UTC)
    assert instruction.feedback_due_at == end_of_day_utc(due_day)
    assert (instruction.leader_name, instruction.rank, instruction.instructed_on) == ("李明", "mayor", today)
    assert instruction.feedback_required and instruction.feedback_verdict == "pending"
    expected = f"《{item.title}》获市长批示，请于{due_day.month}月{due_day.day}日23:59前反馈"
    assert expected in notices(world.reporter) and expected in notices(world.signer)
    assert expected not in notices(world.other_reporter)

    # a retried submit of the same instruction does not record it twice
    editor.post(f"/items/{item.id}/instructions/new", data=instruction_data())
    assert len(instructions_of(item)) == 1


def test_an_instruction_with_an_explicit_due_or_none_required(app, make, world):
    item = submitted(make, world)
    editor = client_for(app, world.editor)
    due_day = office_today() + timedelta(days=3)
    explicit = record_instruction(editor, item, feedback_due=f"{due_day.isoformat()}T18:00")
    assert explicit.feedback_due_at == datetime.combine(due_day, time(10, 0), UTC)
    assert f"《{item.title}》获市长批示，请于{due_day.month}月{due_day.day}日18:00前反馈" in notices(world.reporter)

    data = instruction_data(leader_name="王建华", rank="vice_mayor", text="已阅。")
    del data["feedback_required"]
    editor.post(f"/items/{item.id}/instructions/new", data=data)
    unrequired = instructions_of(item)[-1]
    assert not unrequired.feedback_required and unrequired.feedback_due_at is None
    assert f"《{item.title}》获副市长批示" in notices(world.reporter)
    page = client_for(app, world.reporter).get(f"/items/{item.id}").get_data(as_text=True)
    assert "无需反馈" in page and "副市长 王建华" in page


@pytest.mark.parametrize("overrides, message", [
    ({"leader_name": ""}, "请填写批示领导姓名"),
    ({"leader_name": "李" * 41}, "不超过40个字"),
    ({"rank": "emperor"}, "不是有效的选择"),
    ({"rank": ""}, "请选择领导职务"),
    ({"instructed_on": "FUTURE"}, "批示日期不能晚于今天"),
    ({"instructed_on": "昨天"}, "不是有效的日期值"),
    ({"text": "   "}, "请填写批示内容"),
    ({"feedback_due": "PAST"}, "反馈期限不能早于批示日期"),
    ({"feedback_due": "下周五"}, "不是有效的日期与时间值"),
    ({"feedback_due": "0001-01-01T00:00"}, "反馈期限的年份不合理"),
])
def test_bad_instructions_are_refused_and_nothing_typed_is_lost(app, make, world, overrides, message):
    item = submitted(make, world)
    today = office_today()
    values = {"FUTURE": (today + timedelta(days=1)).isoformat(),
              "PAST": f"{(today - timedelta(days=1)).isoformat()}T09:00"}
    overrides = {k: values.get(v, v) for k, v in overrides.items()}
    response = client_for(app, world.editor).post(f"/items/{item.id}/instructions/new",
                                                   data=instruction_data(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert "此做法很好" in page or overrides.get("text")  # the typed text comes back
    assert instructions_of(item) == []


@pytest.mark.calendar
def test_the_unit_sees_the_countdown_and_submits_feedback(app, make, world, clock):
    item = submitted(make, world)
    editor = client_for(app, world.editor)
    instruction = record_instruction(editor, item)
    overdue_item = submitted_earlier(make, world, clock, LONG_AGO)
    record_instruction(editor, overdue_item, rank="vice_mayor",
                       instructed_on=(office_today() - timedelta(days=LONG_AGO)).isoformat())

    reporter = client_for(app, world.reporter)
    listing = reporter.get("/instructions").get_data(as_text=True)
    assert "还剩 7 天" in listing and "已逾期" in listing and 'class="countdown past"' in listing
    assert listing.count('name="text"') == 2  # a feedback form for each
    assert "还剩 7 天" in reporter.get(f"/items/{item.id}").get_data(as_text=True)

    empty = reporter.post(f"/instructions/{instruction.id}/feedback", data={"text": "  "})
    assert empty.status_code == 200 and "请填写反馈内容" in empty.get_data(as_text=True)
    too_long = reporter.post(f"/instructions/{instruction.id}/feedback", data={"text": "长" * 2001})
    assert too_long.status_code == 200 and "不超过2000字" in too_long.get_data(as_text=True)
    assert instructions_of(item)[0].feedback_at is None

    response = reporter.post(f"/instructions/{instruction.id}/feedback",
                             data={"text": "已组织专题会议，逐项落实。", "next": "list"})
    assert response.status_code == 302 and response.location.startswith("/instructions")
    stored = instructions_of(item)[0]
    assert stored.feedback_text == "已组织专题会议，逐项落实。" and stored.feedback_by_id == world.reporter.id
    assert stored.feedback_at is not None and stored.feedback_verdict == "pending"
    assert f"幸福社区提交了《{item.title}》的批示落实情况反馈" in notices(world.editor)
    # the signer may write it too (here: revise it while it awaits the verdict)
    signer = client_for(app, world.signer)
    assert signer.post(f"/instructions/{instruction.id}/feedback", data={"text": "已落实，并建立长效机制。"}).status_code == 302
    assert instructions_of(item)[0].feedback_text == "已落实，并建立长效机制。"


def test_another_unit_never_sees_the_instruction(app, make, world):
    item = submitted(make, world)
    editor = client_for(app, world.editor)
    instruction = record_instruction(editor, item, text="请幸福社区专门报告落实情况。")
    for user in (world.other_reporter, world.other_signer):
        client = client_for(app, user)
        assert client.get(f"/items/{item.id}").status_code == 404
        assert client.post(f"/instructions/{instruction.id}/feedback", data={"text": "冒充反馈"}).status_code == 404
        page = client.get("/instructions").get_data(as_text=True)
        assert "请幸福社区专门报告落实情况" not in page and "本单位信息暂无领导批示" in page
    assert client_for(app, world.reporter).post(f"/instructions/{instruction.id}/verdict",
                                                data={"accepted": "yes"}).status_code == 403
    assert editor.post(f"/instructions/{instruction.id}/feedback", data={"text": "编辑代写"}).status_code == 403
    leader = client_for(app, world.viewer)  # a leader reads the instructions and the feedback, acts on none
    assert leader.get("/instructions").status_code == 200
    assert leader.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "yes"}).status_code == 403
    assert editor.post("/instructions/999999/verdict", data={"accepted": "yes"}).status_code == 404
    assert instructions_of(item)[0].feedback_at is None


def test_the_editor_accepts_feedback(app, make, world):
    item = submitted(make, world)
    editor = client_for(app, world.editor)
    instruction = record_instruction(editor, item)
    early = editor.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "yes"}, follow_redirects=True)
    assert "单位尚未提交反馈" in early.get_data(as_text=True)
    client_for(app, world.reporter).post(f"/instructions/{instruction.id}/feedback", data={"text": "已落实。"})

    listing = editor.get("/instructions").get_data(as_text=True)
    assert item.title in listing and "采纳反馈" in listing and "退回反馈" in listing and "反馈待审核" in listing
    junk = editor.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "maybe"}, follow_redirects=True)
    assert "不是有效的选择" in junk.get_data(as_text=True)
    response = editor.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "yes", "next": "list"})
    assert response.status_code == 302 and response.location.startswith("/instructions")
    stored = instructions_of(item)[0]
    assert stored.feedback_verdict == "accepted" and stored.feedback_decided_at is not None
    assert f"《{item.title}》的批示反馈已被采纳" in notices(world.reporter)
    assert f"《{item.title}》的批示反馈已被采纳" in notices(world.signer)
    assert item.title not in editor.get("/instructions").get_data(as_text=True)  # nothing left to decide

    late = client_for(app, world.reporter).post(f"/instructions/{instruction.id}/feedback",
                                                data={"text": "再补充一点。"}, follow_redirects=True)
    assert "反馈已被采纳，不能再修改" in late.get_data(as_text=True)
    assert instructions_of(item)[0].feedback_text == "已落实。"
    twice = editor.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "no"}, follow_redirects=True)
    assert "该反馈已处理" in twice.get_data(as_text=True) and instructions_of(item)[0].feedback_verdict == "accepted"


def test_rejected_feedback_is_resubmitted_as_pending(app, make, world):
    item = submitted(make, world)
    editor = client_for(app, world.editor)
    instruction = record_instruction(editor, item)
    reporter = client_for(app, world.reporter)
    reporter.post(f"/instructions/{instruction.id}/feedback", data={"text": "已落实。"})
    first_at = instructions_of(item)[0].feedback_at

    editor.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "no", "comment": "请写明具体措施和成效"})
    assert instructions_of(item)[0].feedback_verdict == "rejected"
    assert f"《{item.title}》的批示反馈被退回，请修改后重新反馈：请写明具体措施和成效" in notices(world.reporter)
    page = reporter.get(f"/items/{item.id}").get_data(as_text=True)
    assert "反馈被退回" in page and "修改后重新反馈" in page and "还剩 7 天" in page

    reporter.post(f"/instructions/{instruction.id}/feedback", data={"text": "已召开专题会议，整改三项问题。"})
    stored = instructions_of(item)[0]
    assert stored.feedback_verdict == "pending" and stored.feedback_decided_at is None
    assert stored.feedback_text == "已召开专题会议，整改三项问题。" and stored.feedback_at >= first_at
    assert f"幸福社区重新提交了《{item.title}》的批示落实情况反馈" in notices(world.editor)


@pytest.mark.calendar
def test_the_editor_sees_overdue_instructions(app, make, world, clock):
    item = submitted_earlier(make, world, clock, LONG_AGO)
    editor = client_for(app, world.editor)
    record_instruction(editor, item, instructed_on=(office_today() - timedelta(days=LONG_AGO)).isoformat(),
                       text="逾期未反馈的批示。")
    record_instruction(editor, submitted(make, world), text="刚刚作出的批示。")
    listing = editor.get("/instructions").get_data(as_text=True)
    assert "逾期未反馈的批示" in listing and "已逾期" in listing
    assert "刚刚作出的批示" not in listing  # neither overdue nor awaiting a verdict


# ---- down to the ledger ---------------------------------------------------------------------

@pytest.mark.calendar
def test_recorded_facts_reach_the_units_ledger(app, make, world):
    today = office_today()
    editor = client_for(app, world.editor)
    reporter = client_for(app, world.reporter)

    item = submitted(make, world)
    editor.post(f"/items/{item.id}/adoptions", data={"channel": "cpc_main", "adopted_on": today.isoformat()})
    editor.post(f"/items/{item.id}/adoptions", data={"channel": "gov_dynamic", "adopted_on": today.isoformat()})
    instruction = record_instruction(editor, item)
    reporter.post(f"/instructions/{instruction.id}/feedback", data={"text": "已落实。"})
    editor.post(f"/instructions/{instruction.id}/verdict", data={"accepted": "yes"})

    # an older item: an instruction whose feedback never came, and a 补录 by the province
    old = submitted(make, world, "not_adopted")
    old.submitted_at = datetime.combine(today - timedelta(days=20), time(2), UTC)
    db.session.commit()
    issued = today - timedelta(days=LONG_AGO)
    record_instruction(editor, old, rank="vice_mayor", instructed_on=issued.isoformat())
    editor.post(f"/items/{old.id}/adoptions", data={"channel": "province", "adopted_on": issued.isoformat()})

    run = compute_scores()
    db.session.commit()
    assert not run.error
    rows = {(r.item_id, r.day, r.rule, r.points) for r in list_ledger(run, world.own.id)}
    assert {
        (item.id, today, "被《长春信息》采用 +5", Decimal(5)),
        (item.id, today, "被《动态信息》采用 +5", Decimal(5)),
        (item.id, today, "获市长批示 +20", Decimal(20)),
        (item.id, today, "按期反馈市长批示落实情况 +10", Decimal(10)),
        (old.id, issued, "被省办采用 +30", Decimal(30)),
        (old.id, issued, "获副市长批示 +15", Decimal(15)),
        (old.id, issued + timedelta(days=7), "副市长批示逾期未反馈 \u221210", Decimal(-10)),
    } <= rows
    assert not [r for r in rows if r[0] in (item.id, old.id) and r[2].startswith("被《高新信息》")]
    other = list_ledger(run, world.other.id)
    assert not [r for r in other if r.item_id in (item.id, old.id)]
