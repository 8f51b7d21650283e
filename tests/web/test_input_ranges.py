"""Dates and numbers a database or a date computation cannot hold are refused where they are typed, with a
Chinese message, never a 500: the outside test's cases, and the rule that closes the class (every form and
filter uses portal/web/fields.py, where the portal's year range is defined once)."""
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.editions.models import Edition
from portal.extensions import db
from portal.items.models import Item
from portal.scoring.rulesets import find_active_rule_set
from portal.web.fields import EARLIEST_YEAR, LATEST_YEAR
from tests.conftest import login

ITEM = {"title": "幸福社区开展消防安全入户宣传", "body": "组织网格员入户讲解消防知识。", "category": "work",
        "follow_up_of_id": "0", "intent": "save"}
HUGE = "9" * 20


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


@pytest.mark.parametrize("event_end", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_an_event_end_out_of_the_years_is_refused_at_the_field(app, world, event_end):
    client = client_for(app, world.reporter)
    response = client.post("/items/new", data=ITEM | {"event_end": event_end})
    assert response.status_code == 200
    assert f"事件结束时间的年份不合理（应在{EARLIEST_YEAR}年至{LATEST_YEAR}年之间）" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Item.id))) == 0


@pytest.mark.parametrize("role, url", [
    ("editor", "/inbox?date_from=0001-01-01"), ("editor", "/inbox?date_to=9999-12-31"),
    ("editor", f"/inbox?page={HUGE}"), ("reporter", "/search?q=消防&date_to=9999-12-31"),
    ("reporter", f"/search?q=消防&page={HUGE}"), ("admin", "/admin/audit?date_from=0001-01-01"),
    ("admin", f"/admin/audit?page={HUGE}"), ("reporter", f"/items?page={HUGE}"),
    ("editor", f"/editions?publication={HUGE}"), ("editor", f"/scores?tier={HUGE}&page={HUGE}"),
    ("admin", f"/admin/targets?year={HUGE}"), ("reporter", f"/items/new?follow_up_of={HUGE}&solicitation={HUGE}"),
])
def test_filters_take_dates_and_numbers_out_of_range_without_error(app, world, role, url):
    response = client_for(app, getattr(world, role)).get(url)
    assert response.status_code == 200


def test_a_filter_date_out_of_the_years_says_so_at_the_field(app, world):
    page = client_for(app, world.editor).get("/inbox?date_to=9999-12-31").get_data(as_text=True)
    assert "至的年份不合理" in page or "年份不合理" in page


def test_text_where_photos_are_expected_is_no_error(app, world, make):
    item = make.item(world.reporter)
    response = client_for(app, world.reporter).post(f"/items/{item.id}/edit",
                                                    data=ITEM | {"photos": "abc", "version": item.version,
                                                                 "caption-²": "说明", f"remove-{HUGE}": "y"})
    assert response.status_code in (200, 302)


def test_a_publication_id_beyond_any_row_is_refused_at_the_field(app, world):
    response = client_for(app, world.editor).post("/editions/new", data={"publication_id": HUGE,
                                                                         "issued_on": "2026-06-01"})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Edition.id))) == 0


@pytest.mark.parametrize("number, shown", [("9" * 5000, "过大"), ("1" + "0" * 400, "过大"), ("1e400", "过大"),
                                           ("NaN", "不能使用 NaN")])
def test_a_rule_set_with_a_huge_number_is_refused_in_words(app, world, number, shown):
    rule_set = find_active_rule_set()
    text = json.dumps(json.loads(rule_set.data), ensure_ascii=False).replace('"points": 5', f'"points": {number}', 1)
    assert number in text
    response = client_for(app, world.admin).post(f"/admin/rule-sets/{rule_set.id}/edit", data={
        "name": rule_set.name, "period_start": rule_set.period_start.isoformat(),
        "period_end": rule_set.period_end.isoformat(), "rules": text})
    assert response.status_code == 200
    assert shown in response.get_data(as_text=True)


def test_every_form_and_filter_takes_dates_and_numbers_through_web_fields():
    """The class, closed: no form imports WTForms' own date or integer fields (which know no year range
    and no column size), no select coerces with a bare int, no view reads a number from the query
    string but through query_int/query_page, and the year range is written down nowhere else."""
    portal = Path(__file__).parents[2] / "portal"
    rules = {
        "WTForms date or integer field": re.compile(r"from wtforms import[^\n]*\b(DateField|DateTimeLocalField|"
                                                    r"DateTimeField|IntegerField|DecimalField|FloatField)\b|"
                                                    r"wtforms\.(DateField|IntegerField|DateTimeLocalField)"),
        "coerce=int": re.compile(r"coerce=int\b"),
        "a number read from request.args": re.compile(r"request\.args\.get\([^)]*type=int"),
        "a year range of its own": re.compile(r"\b(19|20|21)\d\d\s*<=\s*\w+(\.year)?\s*<=|\b2100\b"),
    }
    offenders = [f"{path.relative_to(portal)}:{number}: {name}"
                 for path in sorted(portal.rglob("*.py")) if path.name != "fields.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 for name, pattern in rules.items() if pattern.search(line)]
    assert not offenders, "\n".join(offenders)
