"""Published means final: a published bulletin never changes, a point is counted by one published
bulletin of a kind only, and a point recorded after its month's bulletin was published is shown by the
next one as 补录 naming that month; so the monthly bulletins plus their 补录 add up to the quarter's."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.bulletins.models import Bulletin, PublishedBulletinError
from portal.bulletins.services import build_bulletin_figures, create_bulletin, freeze_bulletin, resolve_window
from portal.editions.models import Publication
from portal.editions.services import add_items, create_edition, lock_edition
from portal.extensions import db
from portal.scoring.models import Adoption
from portal.scoring.periods import get_active_rule_set
from portal.scoring.records import record_adoption_by

YEAR = 2026


@pytest.fixture
def calendar_year(app):
    rule_set = get_active_rule_set()
    rule_set.period_start, rule_set.period_end = date(YEAR, 1, 1), date(YEAR, 12, 31)
    db.session.commit()


def publish(app, world, kind, part, clock_at, clock) -> Bulletin:
    clock.move_to(clock_at)
    with app.test_request_context(method="POST"):
        bulletin = create_bulletin(world.editor, resolve_window(kind, YEAR, part))
        freeze_bulletin(world.editor, bulletin)
    db.session.commit()
    return bulletin


def draft(world, kind, part) -> dict:
    bulletin = create_bulletin(world.editor, resolve_window(kind, YEAR, part))
    db.session.commit()
    return build_bulletin_figures(bulletin)


def points(doc: dict) -> dict[int, Decimal]:
    return {line["unit_id"]: Decimal(line["points"]) for line in doc["units"]}


def backfill(doc: dict) -> list[tuple[str, str, str]]:
    return [(entry["label"], entry["unit"], entry["points"]) for entry in doc["backfill"]]


@pytest.mark.now(f"{YEAR}-02-10T10:00+08:00")
def test_late_points_go_to_the_next_bulletin_once_and_months_add_up_to_the_quarter(
        app, make, world, clock, calendar_year):
    item = make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)  # 《高新信息》 +2 in February
    january = publish(app, world, "month", 1, f"{YEAR}-02-11T09:00+08:00", clock)
    february = publish(app, world, "month", 2, f"{YEAR}-03-02T09:00+08:00", clock)
    frozen = {bulletin.id: bulletin.figures_json for bulletin in (january, february)}
    own = next(line for line in february.frozen["units"] if line["unit_id"] == world.own.id)
    assert own["parts"]["adoption"] == "2"

    # After February's bulletin: 《长春信息》 adopted the item on 20 February (+5), recorded late.
    with app.test_request_context(method="POST"):
        record_adoption_by(world.editor, item, "cpc_main", date(YEAR, 2, 20))
        # An edition locked in March carries the item: its February adoption keeps its date.
        publication = db.session.scalar(select(Publication).order_by(Publication.id))
        edition = create_edition(world.editor, publication, date(YEAR, 3, 2))
        add_items(world.editor, edition, [item.id])
        lock_edition(world.editor, edition)
    db.session.commit()
    assert {a.adopted_on for a in db.session.scalars(select(Adoption).where(Adoption.item_id == item.id))} == {
        date(YEAR, 2, 10), date(YEAR, 2, 20)}

    march = draft(world, "month", 3)
    assert backfill(march) == [(f"{YEAR}年2月", world.own.name, "5")]
    line = next(line for line in march["units"] if line["unit_id"] == world.own.id)
    assert line["backfill"] == "5"
    march = publish(app, world, "month", 3, f"{YEAR}-04-01T09:00+08:00", clock).frozen
    assert backfill(draft(world, "month", 4)) == []  # counted once, by March's bulletin
    quarter = publish(app, world, "quarter", 1, f"{YEAR}-04-01T10:00+08:00", clock).frozen
    assert backfill(quarter) == []

    monthly = [january.frozen, february.frozen, march]
    for unit in (world.own, world.other):
        late = sum((Decimal(entry["points"]) for doc in monthly for entry in doc["backfill"]
                    if entry["unit_id"] == unit.id and entry["first_day"] >= f"{YEAR}-01-01"), Decimal(0))
        assert sum(points(doc)[unit.id] for doc in monthly) + late == points(quarter)[unit.id]
    for bulletin_id, figures_json in frozen.items():
        db.session.expire_all()
        assert db.session.get(Bulletin, bulletin_id).figures_json == figures_json


@pytest.mark.now(f"{YEAR}-02-10T10:00+08:00")
def test_every_bulletin_row_adds_up_from_its_printed_parts(app, make, world, clock, calendar_year):
    make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)
    clock.move_to(f"{YEAR}-03-02T09:00+08:00")
    doc = draft(world, "month", 2)
    for line in [*doc["units"], doc["totals"]]:
        assert sum(Decimal(value) for value in line["parts"].values()) == Decimal(line["points"])
    other = next(line for line in doc["units"] if line["unit_id"] == world.other.id)
    assert Decimal(other["parts"]["quota_shortfall"]) < 0  # it filed nothing: weekly shortfalls


@pytest.mark.now(f"{YEAR}-03-02T10:00+08:00")
def test_a_published_bulletin_cannot_be_changed_or_deleted(app, world, clock, calendar_year):
    bulletin = publish(app, world, "month", 2, f"{YEAR}-03-02T10:00+08:00", clock)
    bulletin.figures_json = bulletin.figures_json.replace('"points"', '"pts"')
    with pytest.raises(PublishedBulletinError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(Bulletin, bulletin.id))
    with pytest.raises(PublishedBulletinError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Bulletin, bulletin.id).is_published


@pytest.mark.now(f"{YEAR}-03-02T10:00+08:00")
def test_units_with_tiers_are_ranked_tier_by_tier(app, client, make, world, calendar_year):
    # Bulletins ranked all units together; the seed ranks each class of units (分类排位评比) on its own:
    # one table per tier, each with its own ranks and 小计, in the page, the PDF, the spreadsheet and Word.
    from portal.units.models import Tier
    from tests.bulletins.test_publishing import workbook_values
    from tests.conftest import login
    from tests.docx_tools import docx_text, read_docx
    from tests.pdf_tools import pdf_text

    streets, communities = Tier(key="street", name="街道部门", sort_order=1), Tier(key="community", name="社区",
                                                                               sort_order=2)
    db.session.add_all([streets, communities])
    world.own.tier, world.other.tier = communities, streets
    third = make.unit("建设社区", parent=world.office)
    third.tier = communities
    make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)  # 幸福社区 leads 社区
    db.session.commit()
    doc = draft(world, "month", 3)
    assert [(tier["name"], len(tier["unit_ids"])) for tier in doc["tiers"]] == [("街道部门", 1), ("社区", 2)]
    lines = {line["unit_id"]: line for line in doc["units"]}
    assert lines[world.other.id]["tier_rank"] == 1 and lines[world.own.id]["tier_rank"] == 1
    assert lines[third.id]["tier_rank"] == 2
    for tier in doc["tiers"]:
        assert Decimal(tier["totals"]["points"]) == sum(Decimal(lines[unit]["points"]) for unit in tier["unit_ids"])
    bulletin = db.session.scalar(select(Bulletin).order_by(Bulletin.id.desc()))
    login(client, world.editor)
    page = client.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert page.index("街道部门（分类排位）") < page.index("社区（分类排位）") < page.index("社区小计：")

    # The spreadsheet: a heading, the header and the rows of each tier, ranked within it, then its 小计.
    sheet = workbook_values(client.get(f"/bulletins/{bulletin.id}.xlsx").data)["排名"]
    blocks = [row for row in sheet[2:] if any(value is not None for value in row)]
    assert blocks[0][0] == "（一）街道部门" and blocks[1][:2] == ("排名", "单位")
    assert [row[:2] for row in blocks[2:4]] == [(1, "和平社区"), (None, "小计")]
    assert blocks[4][0] == "（二）社区" and blocks[5][:2] == ("排名", "单位")
    assert [row[:2] for row in blocks[6:]] == [(1, "幸福社区"), (2, "建设社区"), (None, "小计"), (None, "合计")]
    points = blocks[5].index("本期得分")
    assert blocks[8][points] == sum(Decimal(lines[unit]["points"]) for unit in (world.own.id, third.id))
    assert blocks[9][points] == Decimal(doc["totals"]["points"])

    # The PDF read back: each tier's heading, then its rows with their own ranks.
    flat = "".join(pdf_text(client.get(f"/bulletins/{bulletin.id}.pdf").data).split())
    assert "分类排位" in flat and flat.count("小计") == 1 + 2  # the note, then each tier's row
    assert flat.index("（一）街道部门") < flat.index("1和平社区") < flat.index("（二）社区") \
        < flat.index("1幸福社区") < flat.index("2建设社区") < flat.rindex("小计") < flat.rindex("合计")
    # The Word file: the same headings and one table per tier.
    word = read_docx(client.get(f"/bulletins/{bulletin.id}.docx").data)
    paragraphs, _ = docx_text(word)
    assert "（一）街道部门" in paragraphs and "（二）社区" in paragraphs
    tables = [[[cell.text for cell in row.cells[:2]] for row in table.rows[2:]] for table in word.tables[:2]]
    assert tables == [[["1", "和平社区"], ["", "小计"]], [["1", "幸福社区"], ["2", "建设社区"], ["", "小计"], ["", "合计"]]]
