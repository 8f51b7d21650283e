"""Answers to a solicitation: the pre-filled item form and its mass-assignment check, the tracking board's
states, on time and late at the deadline, the editor's verdict, and the points it feeds to the score."""
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db, utcnow
from portal.items.models import Item
from portal.items.services import ItemFields, WorkflowError, create_item, update_item
from portal.scoring import engine
from portal.scoring.gather import gather_facts
from portal.scoring.periods import get_active_rule_set, parse_rules, period_of
from portal.scoring.runs import compute_scores
from portal.scoring.unit_ledger import list_ledger
from portal.solicitations.models import Solicitation
from portal.solicitations.board import build_board, is_on_time, list_inbox, list_waiting
from tests.solicitations.helpers import (
    client_for,
    errors_of,
    in_days,
    issue,
    latest_solicitation,
    notices,
    office_today,
    text_of,
)


@pytest.fixture(autouse=True)
def period_covers_today(app):
    """The seeded rule set's period is 1 Jan–30 Nov of the year of migration; these tests date their
    answers around today, so the period must hold the last weeks."""
    rule_set = get_active_rule_set()
    today = office_today()
    rule_set.period_start = min(rule_set.period_start, today - timedelta(days=60))
    rule_set.period_end = max(rule_set.period_end, today + timedelta(days=30))
    db.session.commit()


def item_form(**overrides):
    return {"title": "幸福社区安全生产隐患排查整治情况", "body": "排查出租屋、沿街门店等场所，发现隐患12处，已整改10处。",
            "category": "work", "event_end": "", "follow_up_of_id": "0", "intent": "save"} | overrides


def answer(make, world, solicitation, status="submitted", reporter=None, signer=None, **fields):
    return make.item(reporter or world.reporter, status, signer=signer or world.signer, editor=world.editor,
                     solicitation_id=solicitation.id, **fields)


def submitted_at(item, moment):
    item.submitted_at = moment
    db.session.commit()


def both_units(app, world) -> Solicitation:
    return issue(client_for(app, world.editor), units=[str(world.own.id), str(world.other.id)])


# ---- the item form --------------------------------------------------------------------------

def test_write_answer_opens_the_item_form_with_the_link(app, world):
    solicitation = both_units(app, world)
    reporter = client_for(app, world.reporter)
    detail = reporter.get(f"/solicitations/{solicitation.id}").get_data(as_text=True)
    assert f'href="/items/new?solicitation={solicitation.id}"' in detail and "写约稿信息" in detail
    form = reporter.get(f"/items/new?solicitation={solicitation.id}").get_data(as_text=True)
    assert f'<option selected value="{solicitation.id}">今冬明春安全生产隐患排查整治情况' in form
    # A link to nothing the unit may answer pre-fills nothing and is no error.
    assert reporter.get("/items/new?solicitation=999999").status_code == 200
    assert reporter.get("/items/new?solicitation=abc").status_code == 200

    response = reporter.post("/items/new", data=item_form(solicitation_id=str(solicitation.id), intent="send"),
                             content_type="multipart/form-data")
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    assert item.solicitation_id == solicitation.id and item.solicitation_verdict == "pending"
    assert item.status == "awaiting_signoff"  # the normal sign-off
    page = reporter.get(f"/items/{item.id}").get_data(as_text=True)
    assert "回复约稿" in page and f'href="/solicitations/{solicitation.id}"' in page


def test_an_item_cannot_be_linked_to_another_units_notice(app, world):
    """Mass assignment: the form refuses a forged id, and the service refuses it whatever the caller."""
    editor = client_for(app, world.editor)
    foreign = issue(editor, topic="只发给和平社区的约稿", units=[str(world.other.id)])
    reporter = client_for(app, world.reporter)
    response = reporter.post("/items/new", data=item_form(solicitation_id=str(foreign.id)),
                             content_type="multipart/form-data")
    assert response.status_code == 200
    assert errors_of(response.get_data(as_text=True))
    assert db.session.scalar(select(Item)) is None

    with pytest.raises(WorkflowError, match="只能回复发给本单位的约稿"):
        create_item(world.reporter, ItemFields("标题", "正文", "work", solicitation_id=foreign.id), "key-foreign")
    db.session.rollback()
    with pytest.raises(WorkflowError, match="只能回复发给本单位的约稿"):
        create_item(world.reporter, ItemFields("标题", "正文", "work", solicitation_id=999999), "key-missing")
    db.session.rollback()
    draft = create_item(world.reporter, ItemFields("标题", "正文", "work"), "key-draft")
    db.session.commit()
    with pytest.raises(WorkflowError, match="只能回复发给本单位的约稿"):
        update_item(draft, world.reporter, ItemFields("标题", "正文", "work", solicitation_id=foreign.id), draft.version)
    db.session.rollback()
    assert db.session.get(Item, draft.id).solicitation_id is None


@pytest.mark.calendar
def test_a_closed_notice_takes_no_new_answers_but_keeps_its_own(app, make, world):
    editor = client_for(app, world.editor)
    solicitation = issue(editor, units=[str(world.own.id)])
    kept = answer(make, world, solicitation, "draft")
    editor.post(f"/solicitations/{solicitation.id}/close", data={"confirmed": "1"})
    with pytest.raises(WorkflowError, match="该约稿已结束，不能再回复"):
        create_item(world.reporter, ItemFields("标题", "正文", "work", solicitation_id=solicitation.id), "key-late")
    db.session.rollback()
    # The draft linked before closing can still be revised and keeps its link.
    reporter = client_for(app, world.reporter)
    form = reporter.get(f"/items/{kept.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{solicitation.id}">' in form
    response = reporter.post(f"/items/{kept.id}/edit", data=item_form(solicitation_id=str(solicitation.id), version=kept.version),
                             content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.get(Item, kept.id).solicitation_id == solicitation.id


def test_unlinking_an_answer_clears_its_verdict(app, make, world):
    solicitation = both_units(app, world)
    draft = answer(make, world, solicitation, "draft")
    assert draft.solicitation_verdict == "pending"
    update_item(draft, world.reporter, ItemFields("标题", "正文", "work"), draft.version)
    db.session.commit()
    assert draft.solicitation_id is None and draft.solicitation_verdict is None


def test_a_unit_never_sees_another_units_answers(app, make, world):
    solicitation = both_units(app, world)
    mine = answer(make, world, solicitation, title="幸福社区隐患排查整治情况报告")
    other = client_for(app, world.other_reporter)
    page = other.get(f"/solicitations/{solicitation.id}").get_data(as_text=True)
    assert "幸福社区隐患排查整治情况报告" not in page and "还没有回复" in page
    assert other.get(f"/items/{mine.id}").status_code == 404
    assert other.get(f"/solicitations/{solicitation.id}/board").status_code == 403
    own = client_for(app, world.reporter).get(f"/solicitations/{solicitation.id}").get_data(as_text=True)
    assert "幸福社区隐患排查整治情况报告" in own


# ---- the tracking board ---------------------------------------------------------------------

def test_board_shows_every_target_units_state(app, make, world):
    units = {name: make.unit(name, parent=world.office) for name in ("光明社区", "新华社区", "东湖社区")}
    staff = {name: (make.user(unit, "reporter"), make.user(unit, "signer")) for name, unit in units.items()}
    editor = client_for(app, world.editor)
    solicitation = issue(editor, groups=["all"])
    deadline = solicitation.deadline
    # 幸福: on time; 和平: late; 光明: acknowledged; 新华: opened; 东湖: nothing.
    answer(make, world, solicitation)
    late = answer(make, world, solicitation, reporter=world.other_reporter, signer=world.other_signer)
    submitted_at(late, deadline + timedelta(seconds=1))
    client_for(app, staff["光明社区"][1]).post(f"/solicitations/{solicitation.id}/acknowledge")
    client_for(app, staff["新华社区"][0]).get(f"/solicitations/{solicitation.id}")
    expected = {"幸福社区": "按时报送", "和平社区": "逾期报送", "光明社区": "已签收", "新华社区": "已查看", "东湖社区": "未查看"}

    db.session.expire_all()
    board = build_board(db.session.get(Solicitation, solicitation.id))
    assert {line.unit.name: line.state_name for line in board.lines} == expected
    page = text_of(editor.get(f"/solicitations/{solicitation.id}/board").get_data(as_text=True))
    for name, state in expected.items():
        assert f"{name} {state}" in page
    # Once the deadline has passed, the units without an answer have 未报送.
    after = build_board(db.session.get(Solicitation, solicitation.id), now=deadline + timedelta(seconds=1))
    states = {line.unit.name: line.state for line in after.lines}
    assert states == {"幸福社区": "on_time", "和平社区": "late", "光明社区": "missing", "新华社区": "missing",
                      "东湖社区": "missing"}
    assert after.counts["missing"] == 3


def test_the_waiting_notices_are_the_inbox_lines_still_owed_at_any_moment(app, make, world):
    """The menu's count and the dashboard's panel read open notices only; they are the unit inbox's
    waiting lines, whatever the notices' states and however late it is."""
    editor = client_for(app, world.editor)
    own = [str(world.own.id)]
    unanswered = issue(editor, units=own, deadline_date=in_days(3))
    answered = issue(editor, units=own, deadline_date=in_days(4))
    answer(make, world, answered)
    acknowledged = issue(editor, units=own, deadline_date=in_days(2))
    client_for(app, world.signer).post(f"/solicitations/{acknowledged.id}/acknowledge")
    closed = issue(editor, units=own, deadline_date=in_days(6))
    editor.post(f"/solicitations/{closed.id}/close", data={"confirmed": "1"})
    answered_late = issue(editor, units=own, deadline_date=in_days(1))
    submitted_at(answer(make, world, answered_late), answered_late.deadline + timedelta(hours=1))
    db.session.expire_all()
    for moment in (utcnow(), unanswered.deadline + timedelta(seconds=1), utcnow() + timedelta(days=30)):
        inbox = [line.solicitation.id for line in list_inbox(world.own.id, moment) if line.waiting]
        assert [line.solicitation.id for line in list_waiting(world.own, moment)] == inbox
    assert inbox == [acknowledged.id, unanswered.id]  # still owed once past the deadline (未报送), soonest first
    reporter = client_for(app, world.reporter)
    menu = re.search(r'约稿 <b class="count">(\d+)</b>', reporter.get("/unit").get_data(as_text=True))
    assert menu and int(menu.group(1)) == 2


def test_drafts_and_answers_awaiting_sign_off_are_not_answers_yet(app, make, world):
    solicitation = both_units(app, world)
    answer(make, world, solicitation, "awaiting_signoff")
    db.session.expire_all()
    board = build_board(db.session.get(Solicitation, solicitation.id))
    assert {line.unit.id: line.state for line in board.lines}[world.own.id] == "unopened"
    page = client_for(app, world.editor).get(f"/solicitations/{solicitation.id}/board").get_data(as_text=True)
    assert "待审签" not in page  # the office never sees an unsigned item


def test_board_refreshes_in_place_with_htmx_and_by_a_plain_link(app, world):
    solicitation = both_units(app, world)
    editor = client_for(app, world.editor)
    url = f"/solicitations/{solicitation.id}/board"
    page = editor.get(url).get_data(as_text=True)
    assert f'href="{url}"' in page and f'hx-get="{url}"' in page and 'hx-trigger="click, every 30s"' in page
    assert 'hx-target="#board"' in page and '<section id="board"' in page
    fragment = editor.get(url, headers={"HX-Request": "true"})
    part = fragment.get_data(as_text=True)
    assert part.lstrip().startswith('<section id="board"') and "<html" not in part
    assert "和平社区" in part and "HX-Request" in fragment.headers["Vary"]
    # The leader reads the board but cannot judge answers.
    assert client_for(app, world.viewer).get(url).status_code == 200


# ---- on time and late at the boundary -------------------------------------------------------

@pytest.mark.calendar
def test_exactly_at_the_deadline_is_on_time_one_second_after_is_late(app, make, world):
    solicitation = both_units(app, world)
    deadline = solicitation.deadline
    assert is_on_time(deadline, deadline) and not is_on_time(deadline + timedelta(seconds=1), deadline)
    on_time = answer(make, world, solicitation)
    late = answer(make, world, solicitation, reporter=world.other_reporter, signer=world.other_signer)
    submitted_at(on_time, deadline)
    submitted_at(late, deadline + timedelta(seconds=1))
    db.session.expire_all()
    states = {line.unit.id: line.state for line in build_board(db.session.get(Solicitation, solicitation.id)).lines}
    assert states == {world.own.id: "on_time", world.other.id: "late"}
    editor = client_for(app, world.editor)
    assert "按时报送" in editor.get(f"/items/{on_time.id}").get_data(as_text=True)
    assert "逾期报送" in editor.get(f"/items/{late.id}").get_data(as_text=True)


@pytest.mark.calendar
def test_times_are_stored_in_utc_and_shown_in_shanghai(app, make, world):
    solicitation = both_units(app, world)  # entered as 17:00 office time
    assert solicitation.deadline.utcoffset() == timedelta(0) and solicitation.deadline.hour == 9
    item = answer(make, world, solicitation)
    submitted_at(item, datetime(2026, 12, 1, 8, 59, 59, tzinfo=UTC))  # 16:59:59 in Shanghai
    page = client_for(app, world.reporter).get(f"/solicitations/{solicitation.id}").get_data(as_text=True)
    assert "报送于 2026年12月1日 16:59" in page
    assert "17:00" in page


# ---- verdicts and the score -----------------------------------------------------------------

def ledger_rows(unit_id):
    run = compute_scores()
    db.session.commit()
    return [row for row in list_ledger(run, unit_id) if row.rule_key.startswith("solicitation")]


@pytest.mark.calendar
def test_an_accepted_on_time_answer_earns_the_solicitation_points(app, make, world):
    solicitation = both_units(app, world)
    item = answer(make, world, solicitation)
    editor = client_for(app, world.editor)
    assert ledger_rows(world.own.id) == []  # pending: nothing yet

    response = editor.post(f"/solicitation-answers/{item.id}/verdict", data={"verdict": "accepted"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/solicitations/{solicitation.id}/board")
    db.session.expire_all()
    assert db.session.get(Item, item.id).solicitation_verdict == "accepted"
    assert any("已被采纳" in text for text in notices(world.reporter))
    rows = ledger_rows(world.own.id)
    assert [(row.rule_key, row.points, row.item_id) for row in rows] == [("solicitation_answered", Decimal(5), item.id)]
    assert "今冬明春安全生产隐患排查整治情况" in rows[0].rule
    # The unit's own score page lists the row.
    page = client_for(app, world.reporter).get("/scores/mine").get_data(as_text=True)
    assert "按时回复约稿" in page

    editor.post(f"/solicitation-answers/{item.id}/verdict", data={"verdict": "rejected", "next": "item"})
    assert ledger_rows(world.own.id) == []


@pytest.mark.calendar
def test_a_late_answer_earns_nothing_even_when_accepted(app, make, world):
    solicitation = both_units(app, world)
    on_time = answer(make, world, solicitation)
    late = answer(make, world, solicitation, reporter=world.other_reporter, signer=world.other_signer)
    # Both deadline and submissions in the past, inside the period, so the run scores them.
    deadline = utcnow() - timedelta(days=2)
    solicitation = db.session.get(Solicitation, solicitation.id)
    solicitation.deadline = deadline
    submitted_at(on_time, deadline)
    submitted_at(late, deadline + timedelta(seconds=1))
    editor = client_for(app, world.editor)
    for item in (on_time, late):
        editor.post(f"/solicitation-answers/{item.id}/verdict", data={"verdict": "accepted", "next": "item"})
    assert [row.points for row in ledger_rows(world.own.id)] == [Decimal(5)]
    assert ledger_rows(world.other.id) == []


@pytest.mark.calendar
def test_gather_facts_passes_solicitations_in_the_period_and_answers(app, make, world):
    inside = both_units(app, world)
    outside = issue(client_for(app, world.editor), topic="期外的约稿", units=[str(world.own.id)])
    outside = db.session.get(Solicitation, outside.id)
    rule_set = get_active_rule_set()
    outside.deadline = datetime.combine(rule_set.period_end + timedelta(days=2), datetime.min.time(), UTC)
    item = answer(make, world, inside)
    rules = parse_rules(rule_set)
    facts = gather_facts(rules, period=period_of(rule_set))
    assert [(s.id, set(s.units), s.title) for s in facts.solicitations] == [
        (inside.id, {world.own.id, world.other.id}, inside.topic)]
    fact = next(i for i in facts.items if i.id == item.id)
    assert fact.solicitation == engine.SolicitationAnswer(inside.id, inside.deadline, None)
    # One unit's facts carry only that unit as a target.
    one = gather_facts(rules, world.other.id, period_of(rule_set))
    assert [s.units for s in one.solicitations] == [(world.other.id,)]


def test_verdicts_need_a_submitted_answer_and_a_real_choice(app, make, world):
    solicitation = both_units(app, world)
    item = answer(make, world, solicitation)
    editor = client_for(app, world.editor)
    page = editor.post(f"/solicitation-answers/{item.id}/verdict", data={"verdict": "maybe"},
                       follow_redirects=True).get_data(as_text=True)
    assert "flash error" in page
    db.session.expire_all()
    assert db.session.get(Item, item.id).solicitation_verdict == "pending"
    # A draft answer is not the office's to see; an item answering nothing has no verdict route.
    draft = answer(make, world, solicitation, "draft")
    assert editor.post(f"/solicitation-answers/{draft.id}/verdict", data={"verdict": "accepted"}).status_code == 404
    plain = make.item(world.reporter, "submitted", signer=world.signer)
    assert editor.post(f"/solicitation-answers/{plain.id}/verdict", data={"verdict": "accepted"}).status_code == 404
    for user in (world.reporter, world.viewer):
        assert client_for(app, user).post(f"/solicitation-answers/{item.id}/verdict",
                                          data={"verdict": "accepted"}).status_code == 403


def test_verdict_from_the_item_page_returns_there(app, make, world):
    solicitation = both_units(app, world)
    item = answer(make, world, solicitation)
    editor = client_for(app, world.editor)
    page = editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert f'action="/solicitation-answers/{item.id}/verdict"' in page and 'name="next" value="item"' in page
    response = editor.post(f"/solicitation-answers/{item.id}/verdict", data={"verdict": "accepted", "next": "item"})
    assert response.headers["Location"].endswith(f"/items/{item.id}")
    assert "已采纳" in editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert latest_solicitation().id == solicitation.id
