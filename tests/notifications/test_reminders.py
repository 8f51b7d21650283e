"""`flask remind`: deadline reminders through the real CLI, database and services, at fixed times."""
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import Delivery, Notification
from portal.notifications.reminders import create_reminders, reminder_window
from portal.roster.models import RosterRequest, RosterResponse
from portal.scoring.models import Instruction
from portal.solicitations.models import Solicitation, SolicitationTarget

# Date-sensitive: .ci/run runs these again at period, quarter and year ends.
pytestmark = pytest.mark.calendar

DEADLINE = datetime(2030, 6, 10, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai


@pytest.fixture(autouse=True)
def no_quota(app):
    """2030 lies in the rule set's yearly period: without quotas, only the reminder under test is sent
    (the weekly quota tests set their own)."""
    from portal.scoring.periods import get_active_rule_set

    rule_set = get_active_rule_set()
    rules = json.loads(rule_set.data)
    rules["quotas"] = []
    rule_set.data = json.dumps(rules, ensure_ascii=False)
    db.session.commit()


def solicitation(world, deadline=DEADLINE, units=None) -> Solicitation:
    notice = Solicitation(topic="防汛备汛工作开展情况", requirements="", deadline=deadline, issued_by_id=world.editor.id,
                          issued_at=deadline - timedelta(days=5),
                          targets=[SolicitationTarget(unit_id=unit.id) for unit in (units or [world.own, world.other])])
    db.session.add(notice)
    db.session.commit()
    return notice


def remind(runner, now: datetime):
    result = runner.invoke(args=["remind", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def reminders(user=None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).where(Notification.dedupe_key.is_not(None)).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.scalars(query))


def test_running_twice_reminds_once(runner, world):
    solicitation(world)
    output = remind(runner, DEADLINE - timedelta(hours=20))
    assert "reminders created: 4" in output
    texts = [n.text for n in reminders(world.reporter)]
    assert texts == ["提醒：约稿《防汛备汛工作开展情况》将于06月10日17:00截止（不足24小时），本单位尚未完成"]
    assert "reminders created: 0" in remind(runner, DEADLINE - timedelta(hours=20))
    assert "reminders created: 0" in remind(runner, DEADLINE - timedelta(hours=19, minutes=50))
    assert len(reminders()) == 4
    assert {n.user_id for n in reminders()} == {world.reporter.id, world.signer.id,
                                               world.other_reporter.id, world.other_signer.id}
    assert reminders(world.editor) == []


def test_a_met_deadline_sends_nothing(runner, make, world):
    notice = solicitation(world, units=[world.own])
    item = make.item(world.reporter, "submitted", signer=world.signer, solicitation_id=notice.id)
    item.submitted_at = DEADLINE - timedelta(days=1, hours=1)
    db.session.commit()
    for now in (DEADLINE - timedelta(hours=23), DEADLINE - timedelta(hours=1), DEADLINE + timedelta(hours=1)):
        assert "reminders created: 0" in remind(runner, now)
    assert reminders() == []


def test_a_draft_answer_does_not_meet_the_deadline(runner, make, world):
    notice = solicitation(world, units=[world.own])
    make.item(world.reporter, "draft", solicitation_id=notice.id)
    remind(runner, DEADLINE - timedelta(hours=1))
    assert len(reminders(world.reporter)) == 1


def test_windows_at_their_boundaries(app, world):
    assert reminder_window(DEADLINE, DEADLINE - timedelta(hours=24, seconds=1)) is None
    assert reminder_window(DEADLINE, DEADLINE - timedelta(hours=24)) == "24h"
    assert reminder_window(DEADLINE, DEADLINE - timedelta(hours=2, seconds=1)) == "24h"
    assert reminder_window(DEADLINE, DEADLINE - timedelta(hours=2)) == "2h"
    assert reminder_window(DEADLINE, DEADLINE) == "2h"  # an answer exactly at the deadline is on time
    assert reminder_window(DEADLINE, DEADLINE + timedelta(seconds=1)) == "missed"

    app.config["REMIND_BEFORE_HOURS"] = [48]
    assert reminder_window(DEADLINE, DEADLINE - timedelta(hours=30)) == "48h"
    assert reminder_window(DEADLINE, DEADLINE - timedelta(hours=1)) == "48h"


def test_each_window_reminds_once_then_missed_once(runner, world):
    solicitation(world, units=[world.own])
    remind(runner, DEADLINE - timedelta(hours=24, seconds=1))
    assert reminders() == []
    remind(runner, DEADLINE - timedelta(hours=24))
    remind(runner, DEADLINE - timedelta(hours=2))
    remind(runner, DEADLINE)
    remind(runner, DEADLINE + timedelta(seconds=1))
    remind(runner, DEADLINE + timedelta(days=1))
    keys = [n.dedupe_key.split(":")[3] for n in reminders(world.reporter)]
    assert keys == ["24h", "2h", "missed"]
    assert "已于06月10日17:00截止，本单位尚未完成" in reminders(world.reporter)[-1].text


def test_old_and_closed_deadlines_are_left_alone(runner, world):
    solicitation(world, deadline=DEADLINE - timedelta(days=30))
    closed = solicitation(world)
    closed.status = "closed"
    db.session.commit()
    assert "reminders created: 0" in remind(runner, DEADLINE - timedelta(hours=1))


def test_roster_request_reminds_units_that_have_not_responded(runner, world):
    request = RosterRequest(note="", deadline_at=DEADLINE, issued_by_id=world.editor.id,
                            issued_at=DEADLINE - timedelta(days=7),
                            responses=[RosterResponse(unit_id=world.own.id, responded_at=DEADLINE - timedelta(days=1),
                                                      kind="confirmed"),
                                       RosterResponse(unit_id=world.other.id)])
    db.session.add(request)
    db.session.commit()
    remind(runner, DEADLINE - timedelta(hours=2))
    remind(runner, DEADLINE + timedelta(minutes=10))
    assert reminders(world.reporter) == []
    texts = [n.text for n in reminders(world.other_signer)]
    assert len(texts) == 2 and "信息员名单确认" in texts[0] and "已于" in texts[1]
    assert all(n.url == "/roster" or n.url.startswith("/roster") for n in reminders())


def test_instruction_feedback_due(runner, make, world):
    item = make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)
    given = make.item(world.other_reporter, "adopted", signer=world.other_signer, editor=world.editor)
    for target, feedback_at in ((item, None), (given, DEADLINE - timedelta(days=1))):
        db.session.add(Instruction(item_id=target.id, leader_name="李明", rank="district", instructed_on=date(2030, 6, 1),
                                   text="请认真总结经验。", feedback_required=True, feedback_due_at=DEADLINE,
                                   feedback_at=feedback_at, recorded_by_id=world.editor.id))
    db.session.add(Instruction(item_id=item.id, leader_name="王强", rank="district", instructed_on=date(2030, 6, 1),
                               text="阅。", feedback_required=False, recorded_by_id=world.editor.id))
    db.session.commit()
    remind(runner, DEADLINE - timedelta(hours=3))
    assert [n.kind for n in reminders(world.signer)] == ["remind_instruction"]
    assert "领导批示的反馈" in reminders(world.signer)[0].text
    assert reminders(world.other_signer) == []


def test_reminders_queue_deliveries_when_a_channel_is_set(app, world):
    app.config["WEBHOOK_URL"] = "http://127.0.0.1:9/hook"  # never sent here: only queued
    solicitation(world, units=[world.own])
    summary = create_reminders(DEADLINE - timedelta(hours=1))
    assert summary.created == 2
    assert db.session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "pending")) == 2


# ---- weekly quota -----------------------------------------------------------------------------

MONDAY = datetime(2030, 6, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai; the week runs to Sunday 16 June


def weekly_quota_rules(count: int = 1):
    """The active rule set, moved to 2030, with only a weekly quota of `count` items."""
    from portal.scoring.periods import get_active_rule_set

    rule_set = get_active_rule_set()
    rules = json.loads(rule_set.data)
    rules["quotas"] = [{"category": "any", "window": "week", "count": count, "penalty": 2, "partial": "skip"}]
    rule_set.data = json.dumps(rules, ensure_ascii=False)
    rule_set.period_start, rule_set.period_end = date(2030, 1, 1), date(2030, 12, 31)
    db.session.commit()


def test_weekly_quota_not_met_by_thursday_reminds_once_a_week(runner, make, world):
    weekly_quota_rules()
    item = make.item(world.reporter, "submitted", signer=world.signer)
    item.submitted_at = MONDAY + timedelta(days=1)  # own unit files on Tuesday
    db.session.commit()
    assert "reminders created: 0" in remind(runner, MONDAY + timedelta(days=2, hours=3))  # Wednesday noon
    assert "reminders created: 0" in remind(runner, MONDAY + timedelta(days=3, seconds=-1))  # Thursday 08:59:59
    output = remind(runner, MONDAY + timedelta(days=3))  # Thursday 09:00
    assert "reminders created: 2（quota 2）" in output
    assert {n.user_id for n in reminders()} == {world.other_reporter.id, world.other_signer.id}
    note = reminders(world.other_reporter)[0]
    assert note.text == "提醒：本周（6月10日至6月16日）本单位已报送信息0条，还差1条（每周至少1条），请抓紧报送"
    assert note.url == "/items/new"
    assert "reminders created: 0" in remind(runner, MONDAY + timedelta(days=4))  # Friday: once a week
    assert "reminders created: 4" in remind(runner, MONDAY + timedelta(days=10))  # next Thursday: both units


def test_weekly_quota_weekday_and_count_are_configurable(app, runner, make, world):
    weekly_quota_rules(count=2)
    app.config.update(REMIND_QUOTA_WEEKDAY=1, REMIND_QUOTA_HOUR=8)
    item = make.item(world.reporter, "submitted", signer=world.signer)
    item.submitted_at = MONDAY - timedelta(hours=1)  # Monday 08:00, this week
    db.session.commit()
    assert "reminders created: 4" in remind(runner, MONDAY)
    assert reminders(world.reporter)[0].text.startswith("提醒：本周（6月10日至6月16日）本单位已报送信息1条，还差1条（每周至少2条）")


def test_no_weekly_quota_reminder_outside_the_rule_sets_period(runner, world):
    weekly_quota_rules()
    # A Thursday in December 2031: after the stored 2030 period and after 2031's 01-01 to 11-30.
    assert "reminders created: 0" in remind(runner, datetime(2031, 12, 11, 2, 0, tzinfo=UTC))
    # January 2031 lies in the yearly pattern's period: the new year is assessed without editing dates.
    assert "reminders created: 4（quota 4）" in remind(runner, datetime(2031, 1, 9, 2, 0, tzinfo=UTC))
