"""A bulletin's figures are the scoring ledger's: points in the window are the sum of each unit's ledger
rows dated in it, cumulative scores and ranks are the engine's as of the window's end."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from portal.bulletins.services import build_bulletin_figures, create_bulletin, resolve_window
from portal.extensions import db
from portal.scoring.models import ScoreRun, UnitScore
from portal.scoring.periods import get_active_rule_set
from portal.scoring.runs import compute_scores
from portal.scoring.unit_ledger import list_ledger
from tests.bulletins.conftest import shanghai

# Date-sensitive: .ci/run runs these again at period, quarter and year ends.
pytestmark = pytest.mark.calendar


def draft_for(world, scenario):
    window = resolve_window("month", scenario.first.year, scenario.first.month)
    bulletin = create_bulletin(world.editor, window)
    db.session.commit()
    return bulletin


def test_points_and_scores_equal_the_ledger(app, world, scenario):
    doc = build_bulletin_figures(draft_for(world, scenario))
    end = shanghai(scenario.last + timedelta(days=1), 0)
    run = compute_scores(as_of=end)  # the stored scores as the ranking would show them on that day
    db.session.commit()
    lines = {line["unit_id"]: line for line in doc["units"]}
    assert set(lines) == {world.own.id, world.other.id}
    for unit in (world.own, world.other):
        rows = list_ledger(ScoreRun(rule_set_id=get_active_rule_set().id, as_of=end), unit.id)
        in_window = [row for row in rows if scenario.first <= row.day <= scenario.last]
        line = lines[unit.id]
        assert Decimal(line["points"]) == sum((row.points for row in in_window), Decimal(0))
        stored = db.session.get(UnitScore, (run.id, unit.id))
        assert (Decimal(line["raw"]), Decimal(line["final"]), line["rank"]) == (stored.raw, stored.final, stored.rank)
        assert Decimal(line["raw"]) == Decimal(80) + sum((row.points for row in rows), Decimal(0))
        assert line["instructions"] == sum(row.rule_key == "instruction" for row in in_window)
        shortfalls = [row for row in in_window if row.rule_key == "quota_shortfall"]
        assert line["shortfalls"] == len(shortfalls)
        assert Decimal(line["shortfall_points"]) == sum((row.points for row in shortfalls), Decimal(0))
    assert Decimal(doc["totals"]["points"]) == sum(Decimal(line["points"]) for line in doc["units"])
    assert [line["rank"] for line in doc["units"]] == sorted(line["rank"] for line in doc["units"])


def test_counts_adoptions_and_missed_quotas(app, world, scenario):
    doc = build_bulletin_figures(draft_for(world, scenario))
    own = next(line for line in doc["units"] if line["unit_id"] == world.own.id)
    other = next(line for line in doc["units"] if line["unit_id"] == world.other.id)
    # The older item was submitted the month before: not counted here, though its adoption is.
    assert (own["submitted"], own["late"], own["invalid"]) == (3, 1, 1)
    assert (other["submitted"], other["late"], other["invalid"]) == (1, 0, 0)
    assert own["adopted"] == {"office": 1, "city_cpc": 1, "city_gov": 1} and own["adopted_total"] == 3
    assert own["instructions"] == 1 and other["adopted_total"] == 0
    assert [body["key"] for body in doc["bodies"]] == ["office", "city_cpc", "city_gov"]
    listed = [(entry["title"], entry["channel"]) for entry in doc["adoptions"]]
    campaign, census = "幸福社区开展垃圾分类入户宣传", "幸福社区完成人口信息季度核查"
    assert listed == [(census, "《动态信息》"), (campaign, "《高新信息》"), (campaign, "《长春信息》")]
    assert "省办" not in str(doc["adoptions"])  # adopted the day after the window
    # The other unit filed one item in the month: its other weeks fell short of the weekly quota.
    assert [entry["unit"] for entry in doc["missed"]][-1] == "和平社区"
    missed = next(entry for entry in doc["missed"] if entry["unit"] == "和平社区")
    # Its weeks fell short, and in a quarter's last month its quarterly 调研 quota too.
    assert any("周未完成报送任务" in text for text in missed["windows"])
    assert all(re.search("未完成(调研信息)?报送任务", text) for text in missed["windows"]), missed["windows"]
    assert doc["complete"] and doc["label"] == f"{scenario.first.year}年{scenario.first.month}月"
    assert doc["title"] == f"关于{scenario.first.year}年{scenario.first.month}月份政务信息报送情况的通报"


def test_quarter_and_year_windows(app):
    quarter = resolve_window("quarter", 2026, 4)
    assert (quarter.first.isoformat(), quarter.last.isoformat()) == ("2026-10-01", "2026-12-31")
    assert quarter.default_title == "关于2026年第四季度政务信息报送情况的通报"
    rule_set = get_active_rule_set()
    year = resolve_window("year", rule_set.period_end.year, None)
    # A yearly bulletin covers the scoring period that ends in its year (seed: 1 Jan to 30 Nov).
    assert (year.first, year.last) == (rule_set.period_start, rule_set.period_end)
    assert year.default_title == f"关于{rule_set.period_end.year}年度政务信息报送情况的通报"
