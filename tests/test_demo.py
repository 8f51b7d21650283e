"""`flask demo`: a believable street office on an empty database, and only there."""
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.demo import DEMO_PASSWORD, load_demo
from portal.extensions import db, utcnow
from portal.items.models import STATUSES, Item, ItemEvent
from portal.items.workflow import OFFICE_VISIBLE
from portal.scoring.models import Adoption
from portal.units.models import Unit
from portal.web.filters import local_day_start
from tests.conftest import DATABASE_URL

DEMO_ACCOUNTS = {"admin": {"admin"}, "editor": {"editor"}, "reporter": {"reporter"}, "signer": {"signer"},
                 "supervisor": {"supervisor"}, "leader": {"viewer"}}
REFUSED = "数据库中已有账号，演示数据只能在空数据库中创建。"


def counts() -> tuple[int, int, int, int]:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count(model.id))) for model in (Unit, User, Item, ItemEvent))


def test_demo_builds_a_street_office(app, runner):
    # The one test that runs the command on an empty database, as `make run` does (--if-empty); the others
    # start from a copy of its result.
    assert counts()[1] == 0
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "演示数据已创建" in result.output and "baosong-demo" in result.output
    for username in DEMO_ACCOUNTS:
        assert re.search(rf"^\s+{username}\s", result.output, re.M), username

    reporting = db.session.scalars(select(Unit).where(Unit.kind != "office")).all()
    offices = db.session.scalars(select(Unit).where(Unit.kind == "office")).all()
    assert 10 <= len(reporting) <= 14
    assert len(offices) == 1
    assert all(unit.parent_id == offices[0].id for unit in reporting)
    assert {unit.kind for unit in reporting} >= {"community", "department"}
    # Every reporting unit has its own reporter, signer and 主管领导 (the rule set has 调研 signed twice);
    # the office has two editors.
    for unit in reporting:
        roles = [user.roles for user in db.session.scalars(select(User).where(User.unit_id == unit.id))]
        assert {"reporter"} in roles and {"signer"} in roles and {"supervisor"} in roles, unit.name
    editors = [u for u in db.session.scalars(select(User)) if u.has_role("editor")]
    assert len(editors) == 2 and all(u.unit_id == offices[0].id for u in editors)


@pytest.mark.calendar
def test_demo_accounts_log_in_with_the_demo_password(app, demo):
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(DEMO_ACCOUNTS)))}
    assert set(users) == set(DEMO_ACCOUNTS)
    for username, roles in DEMO_ACCOUNTS.items():
        assert users[username].roles == roles
        assert users[username].password_hash.startswith("$argon2id$")
    assert users["reporter"].unit_id == users["signer"].unit_id
    assert not users["reporter"].unit.is_office

    landing = {"admin": "/admin/units", "editor": "/inbox", "reporter": "/unit", "signer": "/unit",
               "supervisor": "/signoff", "leader": "/inbox"}
    for username, page in landing.items():
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get(page).status_code == 200, username
        wrong = app.test_client().post("/login", data={"username": username, "password": "baosong"})
        assert wrong.status_code == 200


@pytest.mark.calendar
def test_demo_items_cover_every_state_and_are_consistent(app, demo):
    items = db.session.scalars(select(Item)).all()
    assert len(items) >= 50
    by_status = {status: [i for i in items if i.status == status] for status in STATUSES}
    assert all(by_status.values()), {s: len(v) for s, v in by_status.items()}

    late = [i for i in items if i.is_late()]
    assert late
    emergencies = [i for i in items if i.category == "emergency" and i.follow_up_of_id is None]
    assert emergencies
    assert any(i.status in OFFICE_VISIBLE for i in emergencies)

    now = utcnow()
    for item in items:
        events = item.events
        assert events[0].action == "create" and events[0].from_status is None
        assert events[-1].to_status == item.status, item.id
        for before, after in zip(events, events[1:]):
            assert after.from_status == before.to_status and after.at >= before.at, item.id
        assert (item.submitted_at is not None) == (item.status in OFFICE_VISIBLE), item.id
        assert item.created_at <= now + timedelta(days=1)
        assert re.search(r"[\u4e00-\u9fff]{6}", item.title) and len(item.body) > 10
        assert item.report_due_at == Item.compute_report_due(item.event_end_at, item.major)
    adopted_ids = set(db.session.scalars(select(Adoption.item_id)))
    assert adopted_ids == {i.id for i in by_status["adopted"]}
    # Reads like real reporting: one of the unit's activities, under the unit's own name.
    assert any(re.fullmatch(r".+社区开展.+活动", i.title) for i in items)
    assert any(i.title.startswith(i.unit.name) for i in items)


@pytest.mark.calendar
def test_demo_has_locked_editions_and_a_draft(app, demo):
    from portal.editions.models import Edition

    editions = db.session.scalars(select(Edition).order_by(Edition.issued_on, Edition.id)).all()
    locked = [e for e in editions if e.is_locked]
    assert len(locked) >= 4 and [e for e in editions if not e.is_locked]
    assert [e.number for e in locked] == list(range(1, len(locked) + 1))
    internal = {a.item_id: a for a in db.session.scalars(select(Adoption)) if a.channel.key == "internal"}
    for edition in locked:  # each adoption names its edition and keeps its own, earlier date
        assert all(internal[entry.item_id].edition_id == edition.id for entry in edition.entries)
        assert all(internal[entry.item_id].adopted_on <= edition.issued_on for entry in edition.entries)
        assert all(entry.body and entry.unit_name for entry in edition.entries)
    # this week's adopted items are still there for the editor to compile
    client = app.test_client()
    client.post("/login", data={"username": "editor", "password": DEMO_PASSWORD})
    draft = next(e for e in editions if not e.is_locked)
    assert "编入本期" in client.get(f"/editions/{draft.id}").get_data(as_text=True)


@pytest.mark.calendar
def test_demo_late_items_are_flagged_for_the_editor(app, demo):
    client = app.test_client()
    client.post("/login", data={"username": "editor", "password": DEMO_PASSWORD})
    late_visible = [i for i in db.session.scalars(select(Item).where(Item.status.in_(OFFICE_VISIBLE))) if i.is_late()]
    assert late_visible
    pages = "".join(client.get(f"/inbox?page={n}").get_data(as_text=True) for n in range(1, 12))
    assert "逾时" in pages
    assert client.get(f"/items/{late_visible[0].id}").status_code == 200


def test_a_second_run_is_refused(runner, demo):
    before = counts()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert REFUSED in result.output
    assert counts() == before


def test_if_empty_is_a_no_op_on_a_non_empty_database(runner, demo):
    before = counts()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and result.output == ""
    assert counts() == before


def test_if_empty_leaves_an_existing_office_alone(runner, world):
    before = counts()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert counts() == before
    assert runner.invoke(args=["demo"]).exit_code != 0
    assert db.session.scalar(select(User).where(User.username == "editor2")) is None


# The weekday moves the demo's dates, not its SQL: the PostgreSQL pass builds the demo for its own day (the demo
# fixture) and leaves the seven builds, a minute of the suite, to the SQLite pass.
@pytest.mark.skipif(bool(DATABASE_URL), reason="dates, not SQL: run in the SQLite pass")
@pytest.mark.parametrize("weekday", range(7), ids=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
def test_every_state_and_no_future_history_whatever_the_weekday(app, weekday):
    """`make run` loads the demo on whatever day it is run: the walk-through needs every state every day
    (a signer must find an item in the sign-off queue), and no history may lie after the day it is run.
    A week of January: the shortest history the demo writes (eight weeks, reaching back over the new year),
    the same last weeks as any other day's."""
    today = date(2027, 1, 11) + timedelta(days=weekday)
    load_demo(today)
    db.session.commit()
    problems = []
    present = set(db.session.scalars(select(Item.status).distinct()))
    if present != set(STATUSES):
        problems.append(f"no item in {sorted(set(STATUSES) - present)}")
    end_of_today = local_day_start(today + timedelta(days=1))
    future = [(e.action, e.at) for e in db.session.scalars(select(ItemEvent)) if e.at >= end_of_today]
    if future:
        problems.append(f"{len(future)} events after {today}: {future[:3]}")
    assert not problems, f"{today:%A}: " + "; ".join(problems)


@pytest.mark.calendar
def test_the_demo_office_runs_a_rule_set_of_its_own(app, demo):
    """The demo street office scored by 长春高新区's 2012 rule set (《高新信息》, 市长批示, 《长春信息》) and
    mixed two area codes. Now it runs its own method: a calendar year, 《城南信息》 and the street's 公众号
    (both adopt items), the district's 区委办/区政府办 publications and leaders; one area code throughout."""
    from portal.editions.models import Publication
    from portal.roster.models import Roster, RosterOfficer
    from portal.scoring.models import Instruction
    from portal.scoring.periods import get_active_rule_set, period_of
    from portal.scoring.rulesets import load_rules
    from portal.solicitations.models import Solicitation
    from portal.web.filters import office_today

    rule_set = get_active_rule_set()
    rules = load_rules(json.loads(rule_set.data))
    assert rule_set.name.startswith("城南街道") and rules.period == ((1, 1), (12, 31))
    period = period_of(rule_set, office_today())
    assert (period.start, period.end) == (date(office_today().year, 1, 1), date(office_today().year, 12, 31))
    names = {channel.name for channel in rules.channels.values()}
    assert {"《城南信息》", "城南街道公众号"} <= names
    assert any(name.startswith("区委办") for name in names) and any(name.startswith("区政府办") for name in names)
    assert {rules.rank_name(rank) for rank in rules.instruction_bonus} >= {"区委书记", "区长", "副区长"}
    assert not any("长春" in name or "高新" in name for name in names)
    assert [p.name for p in db.session.scalars(select(Publication))] == ["《城南信息》"]

    # The street notice: items adopted by both 《城南信息》 and the 公众号, and by the district's offices.
    adopted_by = {key: set() for key in ("internal", "wechat")}
    upper = set()
    for adoption in db.session.scalars(select(Adoption)):
        adopted_by.setdefault(adoption.channel.key, set()).add(adoption.item_id)
        assert adoption.channel.key in rules.channels
        if adoption.channel.key.startswith("district_"):
            upper.add(adoption.item_id)
    assert adopted_by["internal"] & adopted_by["wechat"] and upper
    assert all(instruction.rank in rules.instruction_bonus for instruction in db.session.scalars(select(Instruction)))

    # One area code: every landline the demo office shows.
    landlines = [unit.contact_phone for unit in db.session.scalars(select(Unit)) if unit.contact_phone]
    landlines += [s.phone for s in db.session.scalars(select(Solicitation))]
    landlines += [r.leader_phone for r in db.session.scalars(select(Roster)) if r.leader_phone]
    landlines += [o.office_phone for o in db.session.scalars(select(RosterOfficer)) if o.office_phone]
    assert landlines and {phone.split("-")[0] for phone in landlines} == {"0552"}

    client = app.test_client()
    client.post("/login", data={"username": "editor", "password": DEMO_PASSWORD})
    item = db.session.get(Item, min(upper))
    for page in ("/scores", f"/items/{item.id}", "/editions", "/bulletins", "/solicitations"):
        text = client.get(page).get_data(as_text=True)
        assert not re.search("长春|高新|0431", text), page


@pytest.mark.calendar
def test_the_demo_ranks_its_two_tiers_on_their_own(app, demo):
    """分类排位 on the demo: 重点单位 and 一般单位 each ranked from 1, on the ranking page and in the bulletins."""
    editor = app.test_client()
    editor.post("/login", data={"username": "editor", "password": DEMO_PASSWORD})
    ranking = editor.get("/scores").get_data(as_text=True)
    assert ranking.index("重点单位（分类排位）") < ranking.index("一般单位（分类排位）")
    assert len(re.findall(r'<span class="rank">1</span>', ranking)) >= 2
    reporter = app.test_client()
    reporter.post("/login", data={"username": "reporter", "password": DEMO_PASSWORD})
    assert re.search(r"本单位：重点单位第\d名", reporter.get("/bulletins").get_data(as_text=True))
