"""Periods roll over: a rule set's period is a yearly pattern resolved for each year, its stored dates
an admin's period for the days they cover; outside the period pages and bulletins say so plainly."""
from datetime import date

import pytest

from portal.bulletins.services import build_bulletin_figures, create_bulletin, resolve_window
from portal.extensions import db
from portal.scoring.periods import get_active_rule_set
from portal.scoring.runs import compute_scores
from portal.scoring.unit_ledger import list_ledger
from tests.conftest import login

NOTICE = "本月不在考核期内，不计分、不考核报送任务"


@pytest.fixture
def period_2026(app):
    """The seed's period as migration 0002 stores it: absolute dates of one year, 1 Jan to 30 Nov."""
    rule_set = get_active_rule_set()
    rule_set.period_start, rule_set.period_end = date(2026, 1, 1), date(2026, 11, 30)
    db.session.commit()


@pytest.mark.now("2027-01-20T10:00+08:00")
def test_the_new_year_is_assessed_without_editing_dates(app, client, make, world, clock, period_2026):
    clock.move_to("2027-01-12T10:00+08:00")
    make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)
    clock.move_to("2027-01-20T10:00+08:00")
    run = compute_scores()
    db.session.commit()
    rows = list_ledger(run, world.own.id)
    assert [(row.rule_key, row.points) for row in rows if row.rule_key == "adoption"] == [("adoption", 2)]
    assert all(row.day.year == 2027 for row in rows)
    login(client, world.editor)
    page = client.get("/scores").get_data(as_text=True)
    assert "考核期 2027年1月1日 至 2027年11月30日" in page and NOTICE not in page


@pytest.mark.now("2027-01-05T10:00+08:00")
def test_december_is_outside_the_period_and_the_bulletin_says_so(app, client, make, world, clock, period_2026):
    clock.move_to("2026-12-08T10:00+08:00")
    make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)  # the other unit files nothing
    clock.move_to("2027-01-05T10:00+08:00")
    bulletin = create_bulletin(world.editor, resolve_window("month", 2026, 12))
    db.session.commit()
    doc = build_bulletin_figures(bulletin)
    assert doc["out_of_period"] == NOTICE and doc["missed"] == []
    own = next(line for line in doc["units"] if line["unit_id"] == world.own.id)
    assert (own["submitted"], own["adopted_total"], own["points"]) == (1, 1, "0")  # reported, not scored
    login(client, world.editor)
    page = client.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert NOTICE in page and "各单位均完成报送任务" not in page


@pytest.mark.now("2026-12-10T10:00+08:00")
def test_the_ranking_says_december_is_not_assessed(app, client, world, period_2026):
    login(client, world.editor)
    page = client.get("/scores").get_data(as_text=True)
    assert NOTICE in page and "考核期 2026年1月1日 至 2026年11月30日" in page
