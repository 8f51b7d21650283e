"""The stored scores behind the ranking and the unit pages, and their agreement with the CLI."""
import json
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from portal.extensions import db, utcnow
from portal.items.models import Item
from portal.scoring.adoptions import record_adoption
from portal.scoring.cli import score_command
from portal.scoring.models import Adoption, AnnualTarget, RuleSet, ScoreRun, UnitScore
from portal.scoring.periods import get_active_rule_set, period_of
from portal.scoring.runs import current_run, ensure_fresh_scores
from portal.scoring.unit_ledger import list_ledger
from portal.units.models import Tier
from portal.web.filters import office_today, to_local
from tests.conftest import examples, login

MID_PERIOD = "2026-06-10T10:00+08:00"
CHANNELS = ["internal", "cpc_main", "cpc_research", "gov_dynamic", "gov_special", "province"]


def period_day(offset: int) -> date:
    """A day inside the period in force today and not in the future."""
    period = period_of(get_active_rule_set())
    last = min(period.end, office_today() - timedelta(days=1))
    return max(period.start, last - timedelta(days=offset))


def submitted_item(make, world, submitted_on: date, category: str = "work", reporter=None, signer=None):
    item = make.item(reporter or world.reporter, "submitted", signer=signer or world.signer, category=category)
    item.submitted_at = datetime.combine(submitted_on, time(2), timezone.utc)  # 10:00 in Shanghai
    db.session.commit()
    return item


# Its facts lie on past days of the period in force: a day with such days behind it (1 January has none).
@pytest.mark.now(MID_PERIOD)
def test_ranking_orders_units_and_filters_by_tier(client, world, make):
    tier = Tier(key="A", name="重点单位")
    db.session.add(tier)
    world.own.tier = tier
    db.session.commit()
    item = submitted_item(make, world, period_day(3))
    record_adoption(item.id, "cpc_main", period_day(2), world.editor.id)
    db.session.commit()
    login(client, world.editor)

    page = client.get("/scores").get_data(as_text=True)
    assert page.index("幸福社区") < page.index("和平社区")
    assert "采用 +5" in page
    fragment = client.get(f"/scores?tier={tier.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="ranking"') and "幸福社区" in fragment and "和平社区" not in fragment


@pytest.mark.now(MID_PERIOD)
def test_units_with_tiers_are_ranked_tier_by_tier_on_the_ranking_page(client, world, make):
    # The ranking page ranked all units together; the seed ranks each class of units (分类排位) on its own.
    key, normal = Tier(key="A", name="重点单位", sort_order=1), Tier(key="B", name="一般单位", sort_order=2)
    db.session.add_all([key, normal])
    third = make.unit("建设社区", parent=world.office)
    make.unit("花园社区", parent=world.office)
    world.own.tier, world.other.tier, third.tier = key, normal, normal  # 花园社区 has no tier
    reporter, signer = make.user(third, "reporter"), make.user(third, "signer")
    for item, channel in ((submitted_item(make, world, period_day(3)), "province"),
                          (submitted_item(make, world, period_day(3), reporter=reporter, signer=signer), "cpc_main")):
        record_adoption(item.id, channel, period_day(2), world.editor.id)
    db.session.commit()
    login(client, world.editor)

    page = client.get("/scores").get_data(as_text=True)
    sections = re.findall(r"<h2>(.+?)（分类排位）</h2>\s*<ol[^>]*>(.*?)</ol>", page, re.S)
    ranked = [(name, re.findall(r'<span class="rank">(\d+)</span>.*?<b>(.+?)</b>', rows, re.S))
              for name, rows in sections]
    assert ranked == [("重点单位", [("1", "幸福社区")]), ("一般单位", [("1", "建设社区"), ("2", "和平社区")]),
                      ("其他单位", [("1", "花园社区")])]
    assert "分类排位" in page
    unit_page = client.get(f"/scores/units/{world.other.id}").get_data(as_text=True)
    assert re.search(r"<b>2</b><span>一般单位中排名</span>", unit_page)
    # The leader's overview names the office's overall ends, not a tier's.
    leader = client.application.test_client()
    login(leader, world.viewer)
    overview = leader.get("/overview").get_data(as_text=True)
    assert "第1名 幸福社区" in overview and "第2名 建设社区" in overview


# Its facts lie on past days of the period in force: a day with such days behind it (1 January has none).
@pytest.mark.now(MID_PERIOD)
def test_every_point_on_the_unit_page_is_a_ledger_row(client, world, make):
    item = submitted_item(make, world, period_day(10), category="research")
    record_adoption(item.id, "cpc_main", period_day(8), world.editor.id)
    record_adoption(item.id, "cpc_research", period_day(6), world.editor.id)
    db.session.commit()
    login(client, world.reporter)
    page = client.get("/scores/mine").get_data(as_text=True)

    run = current_run()
    score = db.session.get(UnitScore, (run.id, world.own.id))
    rows = list_ledger(run, world.own.id)
    assert Decimal(80) + sum(row.points for row in rows) == score.raw
    # The page draws one month's rows, the newest; every month shows its subtotal, which add up to the score.
    months = sorted({f"{row.day:%Y-%m}" for row in rows}, reverse=True)
    assert len(months) >= 2  # the adoptions' month and the missed weeks' before it
    subtotals = [Decimal(value) for value in re.findall(r"小计 ([+−-]?[\d.]+)", page.replace("−", "-"))]
    assert Decimal(80) + sum(subtotals) == score.raw and len(subtotals) == len(months)
    drawn = {}
    for key in months:  # each month's rows one link away (no scripts), or fetched alone (HTMX)
        assert f'href="/scores/mine?month={key}#m-{key}"' in page or f'id="m-{key}" open' in page
        drawn[key] = client.get(f"/scores/mine?month={key}").get_data(as_text=True)
        fragment = client.get(f"/scores/mine?month={key}", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert fragment.lstrip().startswith(f'<details class="card ledger-month" id="m-{key}" open>')
        for row in rows:
            if f"{row.day:%Y-%m}" == key:  # each printed once: the clause, its points in their own column
                assert row.what in drawn[key] and f"{row.what} {row.rule.rpartition(' ')[2]}" not in drawn[key]
                assert row.what in fragment
    assert f'id="m-{months[0]}" open' in page
    assert client.get("/scores/mine?month=2026-13").status_code == 200  # a month it has not: the newest
    assert "被《长春信息》采用" in page and "基础分" in page and f"{score.raw}" in page
    # the later, higher adoption of the same body adds only the difference
    assert [r.points for r in rows if r.rule_key == "adoption"] == [Decimal(5), Decimal(3)]


# Its facts lie on past days of the period in force: a day with such days behind it (1 January has none).
@pytest.mark.now(MID_PERIOD)
def test_an_adoption_updates_the_stored_scores_at_once(client, world, make):
    login(client, world.editor)
    client.get("/scores")
    first = current_run()
    assert first is not None and not first.stale
    item = submitted_item(make, world, period_day(4))
    record_adoption(item.id, "province", period_day(3), world.editor.id)
    db.session.commit()
    db.session.refresh(first)
    assert not first.stale
    assert json.loads(db.session.get(UnitScore, (first.id, world.own.id)).breakdown)["adoption"] == "30"
    assert "采用 +30" in client.get("/scores").get_data(as_text=True)
    db.session.expire_all()
    assert current_run().id == first.id


def test_units_see_only_their_own_score_page(client, world):
    login(client, world.reporter)
    assert client.get("/scores/mine").status_code == 200
    assert client.get(f"/scores/units/{world.other.id}").status_code == 403
    assert client.get("/scores").status_code == 403


# The page shows this calendar year's targets: a day with days of the year (and of the period) behind it.
@pytest.mark.now("2026-06-10T10:00+08:00")
def test_annual_targets_show_completion(client, world, make):
    rule_set = get_active_rule_set()  # migrated on the suite's day, whose year may be another
    rule_set.period_start, rule_set.period_end = date(2026, 1, 1), date(2026, 11, 30)
    db.session.add(AnnualTarget(year=office_today().year, tier_id=None, submitted_target=4, adopted_target=2))
    db.session.commit()
    for offset in (5, 6):
        submitted_item(make, world, period_day(offset))
    login(client, world.editor)
    page = client.get(f"/scores/units/{world.own.id}").get_data(as_text=True)
    assert "报送 2/4 篇（50.0%）" in page and "采用 0/2 篇次（0.0%）" in page


@pytest.mark.now("2026-06-10T10:00+08:00")
def test_the_ranking_the_score_page_the_dashboard_and_the_yearly_bulletin_count_alike(app, client, world, make):
    # The ranking said 报送 76 / 采用 44 (calendar year, 不计分 out, items) where the yearly bulletin said
    # 74 / 43 (the period, 不计分 in, adoptions): one definition now, and the labels say which.
    from portal.bulletins.services import build_bulletin_figures, create_bulletin, resolve_window

    rule_set = get_active_rule_set()
    rule_set.period_start, rule_set.period_end = date(2026, 1, 1), date(2026, 11, 30)
    db.session.commit()
    twice = submitted_item(make, world, date(2026, 3, 2))
    record_adoption(twice.id, "internal", date(2026, 3, 3), world.editor.id)
    record_adoption(twice.id, "cpc_main", date(2026, 3, 9), world.editor.id)
    submitted_item(make, world, date(2026, 4, 6)).status = "invalid"
    submitted_item(make, world, date(2025, 12, 30))  # before the year's window
    db.session.commit()
    label = "2026年1月1日至2026年11月30日：报送 2 篇（其中不计分 1 篇）· 采用 2 篇次"
    login(client, world.editor)
    assert label in client.get("/scores").get_data(as_text=True)
    assert label in client.get(f"/scores/units/{world.own.id}").get_data(as_text=True)
    reporter = app.test_client()
    login(reporter, world.reporter)
    assert label in reporter.get("/unit").get_data(as_text=True)
    with app.test_request_context():
        doc = build_bulletin_figures(create_bulletin(world.editor, resolve_window("year", 2026, 0)))
    line = next(line for line in doc["units"] if line["unit_id"] == world.own.id)
    assert (line["submitted"], line["invalid"], line["adopted_total"]) == (2, 1, 2)


def test_a_rule_set_that_cannot_score_is_reported_not_a_500(client, world, make):
    rule_set = get_active_rule_set()
    data = json.loads(rule_set.data)
    data["quotas"][0]["count"] = {"A": 2}  # no "default": an untiered unit cannot be scored
    rule_set.data = json.dumps(data, ensure_ascii=False)
    db.session.commit()
    login(client, world.editor)
    response = client.get("/scores")
    assert response.status_code == 200 and "计分提示" in response.get_data(as_text=True)


# ---- the pages and the CLI agree -------------------------------------------------------------

def cli_input(world, rule_set: RuleSet, as_of: datetime) -> dict:
    period = period_of(rule_set, as_of)  # the period in force, as the portal scores it (not the stored dates)
    items = []
    for item in db.session.scalars(select(Item).where(Item.submitted_at.is_not(None))):
        items.append({
            "id": f"i{item.id}", "unit": f"u{item.unit_id}", "category": item.category,
            "submitted_at": item.submitted_at.isoformat(), "verdict": item.status,
            "adoptions": [{"channel": a.channel.key, "date": a.adopted_on.isoformat()} for a in item_adoptions(item)],
        })
    return {
        "rules": json.loads(rule_set.data),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "as_of": as_of.isoformat(),
        "units": [{"id": f"u{unit.id}"} for unit in (world.own, world.other)],
        "items": items,
    }


def item_adoptions(item):
    return db.session.scalars(select(Adoption).where(Adoption.item_id == item.id).order_by(Adoption.adopted_on)).all()


facts = st.lists(
    st.tuples(st.booleans(), st.integers(1, 40), st.sampled_from(["work", "brief", "research"]),
              st.lists(st.tuples(st.sampled_from(CHANNELS), st.integers(0, 10)), max_size=3, unique_by=lambda a: a[0])),
    max_size=6,
)


@pytest.mark.now(MID_PERIOD)  # its facts lie on past days of the period (1 January has none)
@settings(max_examples=examples(12), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=facts)
def test_web_scores_and_cli_agree(client, world, make, facts):
    db.session.execute(delete(ScoreRun))
    db.session.execute(delete(Item))
    db.session.commit()
    for own, offset, category, adoptions in facts:
        reporter, signer = (world.reporter, world.signer) if own else (world.other_reporter, world.other_signer)
        item = submitted_item(make, world, period_day(offset + 10), category, reporter, signer)
        for channel, delay in adoptions:
            record_adoption(item.id, channel, period_day(offset + 10 - min(delay, offset + 10)), world.editor.id)
        db.session.commit()
    run = ensure_fresh_scores()
    result = CliRunner().invoke(score_command, ["-"], input=json.dumps(cli_input(world, get_active_rule_set(), run.as_of)))
    assert result.exit_code == 0, result.output
    expected = {u["unit"]: u for u in json.loads(result.output)["units"]}
    login(client, world.editor)
    page = client.get("/scores").get_data(as_text=True)
    for unit in (world.own, world.other):
        stored = db.session.get(UnitScore, (run.id, unit.id))
        cli = expected[f"u{unit.id}"]
        assert (float(stored.raw), float(stored.final), stored.rank) == (cli["raw"], cli["final"], cli["rank"])
        assert re.search(rf"{unit.name}</b></a>\s*<span class=\"score\"><b>{stored.final}</b>", page)


def test_engine_and_portal_know_the_same_categories_and_verdicts():
    """The engine keeps its own copy (it imports nothing of the app): the two must not drift apart."""
    from portal.items.models import CATEGORIES, STATUSES
    from portal.items.workflow import OFFICE_VISIBLE
    from portal.scoring import engine

    assert set(engine.CATEGORIES) == set(CATEGORIES)
    assert set(engine.VERDICTS) == set(OFFICE_VISIBLE) and OFFICE_VISIBLE <= set(STATUSES)


# Its facts lie on past days of the period in force: a day with such days behind it (1 January has none).
@pytest.mark.now(MID_PERIOD)
def test_unit_page_shows_quota_progress_current_and_missed_windows(client, world, make):
    day = period_day(0)  # yesterday (or the period's last day)
    submitted_item(make, world, day)
    login(client, world.reporter)
    page = client.get("/scores/mine").get_data(as_text=True)
    current = period_of(get_active_rule_set()).end >= office_today()
    if current:
        assert "进行中" in page or "已完成" in page
    assert re.search(r"第\d+周：信息 0/1 篇\s*<span class=\"badge late\">未完成</span>", page)
    assert "个任务周期" in page


# Its facts lie on past days of the period in force: a day with such days behind it (1 January has none).
@pytest.mark.now(MID_PERIOD)
def test_dashboard_shows_the_quota_windows_under_way(client, world, make):
    rule_set = get_active_rule_set()
    login(client, world.reporter)
    today = to_local(utcnow()).date()
    period = period_of(rule_set, today)  # the period in force (the stored dates may be another year's)
    if not period.start <= today <= period.end:
        assert "不在考核期内" in client.get("/unit").get_data(as_text=True)
        return
    before = client.get("/unit").get_data(as_text=True)
    monday = today - timedelta(days=today.weekday())
    if not (period.start <= monday and monday + timedelta(days=6) <= period.end):
        # A week counts only when it lies wholly inside the period (domain.md): none is under way.
        assert not re.search(r"第\d+周：信息", before)
        return
    assert re.search(r"第\d+周：信息 <b class=\"big\">0</b> / 1 篇", before)
    make.item(world.reporter, "submitted", signer=world.signer)  # signed now: counts this week
    after = client.get("/unit").get_data(as_text=True)
    assert re.search(r"第\d+周：信息 <b class=\"big\">1</b> / 1 篇\s*<span class=\"badge s-adopted\">已完成", after)


# ---- the unit page's chart ---------------------------------------------------------------------

@pytest.mark.now(MID_PERIOD)
def test_the_unit_pages_chart_shows_the_monthly_bulletins_points_and_ranks_and_ends_at_the_ranking(app, client, world, make):
    from portal.bulletins.services import build_bulletin_figures, create_bulletin, resolve_window

    rule_set = get_active_rule_set()
    rule_set.period_start, rule_set.period_end = date(2026, 1, 1), date(2026, 11, 30)
    db.session.commit()
    # The lead changes hands: the other unit ahead in March, the own unit from May on.
    for unit_world, submitted_on, channel, adopted_on in (
        ("other", date(2026, 3, 2), "province", date(2026, 3, 4)),
        ("own", date(2026, 4, 7), "cpc_main", date(2026, 4, 9)),
        ("own", date(2026, 5, 11), "province", date(2026, 5, 12)),
        ("own", date(2026, 6, 1), "internal", date(2026, 6, 2)),
    ):
        reporter, signer = ((world.reporter, world.signer) if unit_world == "own"
                            else (world.other_reporter, world.other_signer))
        item = submitted_item(make, world, submitted_on, reporter=reporter, signer=signer)
        record_adoption(item.id, channel, adopted_on, world.editor.id)
    db.session.commit()
    login(client, world.editor)
    ranking = client.get("/scores").get_data(as_text=True)
    page = client.get(f"/scores/units/{world.own.id}").get_data(as_text=True)
    chart = page[page.index("<svg"):page.index("</svg>")]
    bars = re.findall(r"<title>(\d+)月：([+\u2212]?[\d.]+)分</title>", chart)
    ranks = [int(rank) for rank in re.findall(r"<title>第(\d+)名</title>", chart)]
    assert [int(month) for month, _ in bars] == [1, 2, 3, 4, 5, 6] and len(ranks) == 6
    points = [Decimal(value.replace("\u2212", "-")) for _, value in bars]

    with app.test_request_context():
        for month, (figure, rank) in enumerate(zip(points, ranks), start=1):
            doc = build_bulletin_figures(create_bulletin(world.editor, resolve_window("month", 2026, month)))
            line = next(line for line in doc["units"] if line["unit_id"] == world.own.id)
            assert (figure, rank) == (Decimal(line["points"]), line["rank"]), month
    assert ranks[2] == 2 and ranks[-1] == 1  # behind in March, ahead now

    # The month under way ends where the ranking stands: its rank, and base + every month's points = raw.
    run = current_run()
    score = db.session.get(UnitScore, (run.id, world.own.id))
    own_row = ranking[ranking.index('<span class="rank">'):].split("</li>")[0]
    assert "幸福社区" in own_row and f'<span class="rank">{ranks[-1]}</span>' in own_row
    assert f"（原始分 {score.raw}）" in own_row
    assert Decimal(80) + sum(points) == score.raw
    assert f"原始分 {score.raw} = 基础分 80 + 本期积分 {sum(points):g}；" in page
    assert f"÷ 本期最高原始分 {score.raw} = {score.final}。" in page  # the top unit divides by its own raw
    # The ranking's count of units (kept under the run's version) is the one the unit page ranks among.
    ranked = len(re.findall(r'<span class="rank">', ranking))
    assert f"共 {ranked} 条" in ranking and f"<b>{ranks[-1]}/{ranked}</b>" in page
