"""A month of reporting for the bulletin tests: last month, inside a scoring period stretched around it
(so the tests do not depend on the day they run), with adoptions, an instruction, a late and an
invalid item, and facts just outside the window on both sides."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db, utcnow
from portal.items.models import Item
from portal.scoring.adoptions import record_adoption
from portal.scoring.periods import get_active_rule_set
from portal.scoring.records import record_instruction
from portal.web.filters import to_local

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def last_month() -> tuple[date, date]:
    first_of_this = to_local(utcnow()).date().replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


@dataclass
class Scenario:
    first: date
    last: date
    adopted: Item
    late: Item
    invalid: Item
    older: Item
    other: Item


def submit(make, world, day: date, own: bool = True, status: str = "submitted", **fields) -> Item:
    reporter, signer = (world.reporter, world.signer) if own else (world.other_reporter, world.other_signer)
    item = make.item(reporter, status, signer=signer, editor=world.editor, **fields)
    item.submitted_at = shanghai(day)
    db.session.commit()
    return item


@pytest.fixture
def scenario(app, make, world) -> Scenario:
    first, last = last_month()
    rule_set = get_active_rule_set()
    rule_set.period_start, rule_set.period_end = first - timedelta(days=60), last + timedelta(days=60)
    db.session.commit()

    adopted = submit(make, world, first + timedelta(days=4), title="幸福社区开展垃圾分类入户宣传")
    record_adoption(adopted.id, "internal", first + timedelta(days=5), world.editor.id)
    record_adoption(adopted.id, "cpc_main", first + timedelta(days=6), world.editor.id)
    with app.test_request_context(method="POST"):
        record_instruction(world.editor, adopted, "李明", "mayor", first + timedelta(days=7), "请总结推广。",
                           feedback_required=False)
    # Signed an hour after it was due: 逾时.
    late = submit(make, world, first + timedelta(days=11), category="research", title="幸福社区居家养老需求调研")
    late.event_end_at = shanghai(first + timedelta(days=11), 7)
    late.report_due_at = Item.compute_report_due(late.event_end_at, False)
    invalid = submit(make, world, first + timedelta(days=14), status="invalid")
    # Submitted the month before, adopted in this one: its adoption belongs to this bulletin.
    older = submit(make, world, first - timedelta(days=3), title="幸福社区完成人口信息季度核查", category="brief")
    record_adoption(older.id, "gov_dynamic", first + timedelta(days=2), world.editor.id)
    other = submit(make, world, first + timedelta(days=19), own=False, title="和平社区召开老旧小区改造议事会")
    # After the window: neither in its points nor in the cumulative score as of its end.
    record_adoption(other.id, "province", last + timedelta(days=1), world.editor.id)
    db.session.commit()
    return Scenario(first, last, adopted, late, invalid, older, other)
