"""Hand-computed scenarios (tests/scoring/scenarios/*.json) against the engine and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from portal.scoring.cli import score_command
from portal.scoring.engine import (
    ScoringError,
    dump_ruleset,
    load_default_ruleset,
    load_ruleset,
    score_input,
    to_json_result,
)

SCENARIO_DIR = Path(__file__).with_name("scenarios")
SCENARIOS = sorted(SCENARIO_DIR.glob("*.json"))
UNIT_KEYS = ("unit", "raw", "final", "rank")


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _comparable(output: dict[str, Any]) -> list[dict[str, Any]]:
    """Only the contract's keys; ledger rows as (date, item, points, rule text)."""
    return [
        {
            **{key: unit[key] for key in UNIT_KEYS},
            "ledger": [(row["date"], row["item"], row["points"], row["rule"]) for row in unit["ledger"]],
        }
        for unit in output["units"]
    ]


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 22


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.stem for path in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = _load(path)
    assert scenario["description"]
    output = to_json_result(score_input(scenario["input"]))
    assert _comparable(output) == _comparable(scenario["expected"])


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.stem for path in SCENARIOS])
def test_ledger_rows_carry_a_rule_key(path: Path) -> None:
    output = to_json_result(score_input(_load(path)["input"]))
    keys = {row["rule_key"] for unit in output["units"] for row in unit["ledger"]}
    assert keys <= {
        "adoption",
        "instruction",
        "feedback_on_time",
        "feedback_missed",
        "solicitation_answered",
        "solicitation_missed",
        "quota_shortfall",
        "quota_bonus",
    }


def test_cli_prints_the_engine_result(tmp_path: Path) -> None:
    scenario = _load(SCENARIO_DIR / "23_default_ruleset_january.json")
    source = tmp_path / "input.json"
    source.write_text(json.dumps(scenario["input"], ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(score_command, [str(source)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == to_json_result(score_input(scenario["input"]))
    assert _comparable(printed) == _comparable(scenario["expected"])
    assert "长春信息" in result.stdout  # ensure_ascii=False keeps Chinese readable


def test_cli_reads_standard_input() -> None:
    scenario = _load(SCENARIO_DIR / "01_same_body_highest_only.json")
    result = CliRunner().invoke(score_command, ["-"], input=json.dumps(scenario["input"]))
    assert result.exit_code == 0, result.output
    assert _comparable(json.loads(result.stdout)) == _comparable(scenario["expected"])


@pytest.mark.parametrize(
    ("content", "expected_fragment"),
    [
        ("{not json", "不是有效的 JSON"),
        ("[]", "应为 JSON 对象"),
        (json.dumps({"rules": "default", "units": []}), "缺少必填字段 as_of"),
        (json.dumps({"rules": "seed", "as_of": "2012-12-01"}), "rules"),
        (json.dumps({"rules": "default", "as_of": "2012-13-01"}), "不是有效的日期"),
        (
            json.dumps(
                {
                    "rules": {"base": 80, "quotas": [{"window": "fortnight", "count": 1}]},
                    "as_of": "2012-12-01",
                    "period": {"start": "2012-01-01", "end": "2012-11-30"},
                }
            ),
            "quotas[0].window",
        ),
        (
            json.dumps(
                {
                    "rules": "default",
                    "as_of": "2012-12-01",
                    "units": [{"id": "u1"}],
                    "items": [{"id": "i1", "unit": "u9", "category": "work", "submitted_at": "2012-03-01"}],
                }
            ),
            "不存在的单位",
        ),
        (
            json.dumps(
                {
                    "rules": "default",
                    "as_of": "2012-12-01",
                    "units": [{"id": "u1"}],
                    "items": [
                        {
                            "id": "i1",
                            "unit": "u1",
                            "category": "work",
                            "submitted_at": "2012-03-01",
                            "adoptions": [{"channel": "people_daily", "date": "2012-03-02"}],
                        }
                    ],
                }
            ),
            "不是规则集中的刊物",
        ),
    ],
)
def test_cli_rejects_bad_input(tmp_path: Path, content: str, expected_fragment: str) -> None:
    source = tmp_path / "bad.json"
    source.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(score_command, [str(source)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("错误：")
    assert expected_fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_rejects_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(score_command, [str(tmp_path / "absent.json")])
    assert result.exit_code == 2
    assert "无法读取文件" in result.stderr


def test_default_period_comes_from_the_rule_set() -> None:
    scenario = _load(SCENARIO_DIR / "23_default_ruleset_january.json")
    without_period = {key: value for key, value in scenario["input"].items() if key != "period"}
    without_period["as_of"] = "2013-01-01"  # the day before lies in 2012: period 2012-01-01..2012-11-30
    with_period = {**without_period, "period": {"start": "2012-01-01", "end": "2012-11-30"}}
    assert to_json_result(score_input(without_period)) == to_json_result(score_input(with_period))


def test_default_ruleset_round_trips_through_export() -> None:
    ruleset = load_default_ruleset()
    assert load_ruleset(dump_ruleset(ruleset)) == ruleset
    assert ruleset.base == 80
    assert ruleset.channels["internal"].points_for("brief") == 1
    assert ruleset.channels["internal"].points_for("work") == 2
    assert ruleset.period == ((1, 1), (11, 30))


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ({"quota": []}, "未知字段"),
        ({"normalize": "top_10"}, "normalize"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"channels": {"x": {"points": 5}}}, "缺少必填字段 body"),
        ({"channels": {"x": {"body": "b", "points": -1}}}, "不能为负数"),
        ({"feedback": {"missed": 10}}, "扣分"),
        ({"quotas": [{"window": "week", "count": 1.5}]}, "非负整数"),
        ({"quotas": [{"window": "week", "count": 1, "partial": "cut"}]}, "partial"),
        ({"quotas": [{"window": "week", "count": 1, "category": "news"}]}, "category"),
        ({"base": "80"}, "应为数字"),
        ({"period": {"start": "02-30", "end": "11-30"}}, "月-日"),
    ],
)
def test_bad_rule_sets_are_rejected_with_a_clear_message(rules: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match="规则集") as raised:
        load_ruleset(rules)
    assert isinstance(raised.value, ScoringError)
    assert fragment in str(raised.value)


def test_missing_tier_count_is_reported() -> None:
    facts = {
        "rules": {"quotas": [{"window": "period", "count": {"A": 1}}]},
        "period": {"start": "2012-01-01", "end": "2012-01-31"},
        "as_of": "2012-02-01",
        "units": [{"id": "u1", "tier": "B"}],
    }
    with pytest.raises(ScoringError, match="B"):
        score_input(facts)
