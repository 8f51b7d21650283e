"""A year in the life of an office, through the services on the travelled clock: from 1 January to the
following February, three units file weekly with misses; items are signed, returned, re-classified,
adopted by the office and by upper offices, combined, marked duplicate; editions are locked every
Friday; adoptions are recorded late (补录) for the month before; instructions get feedback on time and
late; every four weeks a solicitation (约稿) goes to all three units, one answers on time, one late and
one not at all; a channel's points change in July (a correction); the monthly bulletin is published at
the start of each month, the quarterly at quarter ends, the yearly in January.

At every month's checkpoint: every published bulletin is unchanged (its stored figures and its
spreadsheet's values; the PDF's text at two checkpoints), every row of every bulletin adds up from its
printed parts, each unit's ledger adds up to its stored raw score, and the ranking and the score page
show the same year's figures as count_filings and the yearly bulletin. At the end: each year's
monthly bulletins plus their 补录 add up to the quarterly and yearly ones and to the ledger, and each
solicitation earned its points (on time and accepted) or cost them (late, or no answer) as the rule set says."""
import json
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.bulletins.models import Bulletin
from portal.bulletins.services import build_bulletin_figures, create_bulletin, freeze_bulletin, resolve_window
from portal.checks.services import combine_items, mark_duplicate
from portal.editions.models import Publication
from portal.editions.services import add_items, create_edition, lock_edition
from portal.extensions import db, utcnow
from portal.items.models import Item
from portal.items.services import correct_item_category, transition_item
from portal.scoring.filings import count_filings
from portal.scoring.models import Adoption, RuleSet, ScoreRun, UnitScore
from portal.scoring.periods import get_active_rule_set
from portal.scoring.records import decide_feedback, record_adoption_by, record_instruction, submit_feedback
from portal.scoring.rulesets import save_rule_set
from portal.scoring.runs import compute_scores
from portal.scoring.unit_ledger import list_ledger
from portal.solicitations.board import build_board
from portal.solicitations.services import SolicitationFields, deadline_at, decide_answer, issue_solicitation
from portal.web.filters import to_local
from tests.conftest import login

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2026
BASE = Decimal(80)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


class Office:
    """The world of the year and what it has published."""

    def __init__(self, app, make, world, clock):
        self.app, self.make, self.world, self.clock = app, make, world, clock
        third = make.unit("建设社区", parent=world.office)
        self.units = [world.own, world.other, third]
        self.staff = [(world.reporter, world.signer), (world.other_reporter, world.other_signer),
                      (make.user(third, "reporter"), make.user(third, "signer"))]
        self.editor = world.editor
        self.published: dict[int, tuple[str, dict]] = {}  # bulletin id -> (frozen figures, spreadsheet values)
        self.adopted_this_week: list[int] = []
        self.late_candidates: dict[tuple[int, int], list[int]] = defaultdict(list)  # (year, month) -> item ids
        self.feedback_due: list[tuple[date, object, bool]] = []  # (day to answer, instruction, accepted)
        self.printed: dict[int, str] = {}  # bulletin id -> its PDF's text when first read
        # (deadline's day, unit index) -> the solicitation rows the unit's ledger must hold for it
        self.solicited: dict[tuple[date, int], str] = {}

    @property
    def client(self):
        """A fresh sign-in: weeks pass between checkpoints, and sessions expire."""
        client = self.app.test_client()
        login(client, self.editor)
        return client

    def act(self, function, *args, **kwargs):
        with self.app.test_request_context(method="POST"):
            result = function(*args, **kwargs)
        db.session.commit()
        return result

    # ---- the week's work -------------------------------------------------------------------

    def file_week(self, week: int, monday: date) -> list:
        self.clock.move_to(at(monday, 10))
        filed = []
        for index, (reporter, signer) in enumerate(self.staff):
            if (week + index) % (4 + index) == 0:
                continue  # a missed week: its shortfall is assessed when the week ends
            category = "research" if week % 6 == index else "brief" if week % 4 == index else "work"
            item = self.make.item(reporter, "submitted", signer=signer, category=category,
                                  title=f"{self.units[index].name}第{week}周工作信息")
            filed.append((index, item))
        return filed

    def decide_week(self, week: int, wednesday: date, filed: list) -> None:
        self.clock.move_to(at(wednesday, 15))
        by_unit = dict(filed)
        if week % 8 == 2 and 0 in by_unit and 1 in by_unit:  # 综合: two units' items become one
            target, source = by_unit.pop(0), by_unit.pop(1)
            self.act(combine_items, target, self.editor, [source], f"第{week}周综合信息", target.body, wednesday)
            self.adopted_this_week += [target.id, source.id]
        if week % 8 == 5 and 0 in by_unit and 2 in by_unit:  # 重复报送
            self.act(mark_duplicate, by_unit.pop(2), self.editor, by_unit[0], "同一活动重复报送")
        for index, item in by_unit.items():
            choice = (week + index) % 7
            if choice == 4:  # returned, revised, signed again
                self.act(transition_item, item, self.editor, "return", "请补充数据")
                reporter, signer = self.staff[index]
                self.act(transition_item, item, reporter, "send")
                self.make.sign_off(item, signer)
                choice = 0
            if choice == 5:  # filed as 工作动态, really a 简讯
                if item.category != "brief":
                    self.act(correct_item_category, item, self.editor, "brief", "内容为简讯")
                choice = 0
            if choice in (0, 1):
                self.act(transition_item, item, self.editor, "adopt", "", wednesday)
                self.adopted_this_week.append(item.id)
                self.late_candidates[(wednesday.year, wednesday.month)].append(item.id)
                if choice == 1:
                    self.act(record_adoption_by, self.editor, item, "cpc_main", wednesday)
                if index == 0 and week % 5 == 1:
                    self.instruct(item, wednesday, on_time=week % 10 == 1)
            elif choice == 2:
                self.act(transition_item, item, self.editor, "reject", "内容较泛")
            elif choice == 3:
                self.act(transition_item, item, self.editor, "invalidate", "时效性差")
        for day, instruction, accepted in [entry for entry in self.feedback_due if entry[0] <= wednesday]:
            reporter = self.staff[0][0]
            self.act(submit_feedback, reporter, instruction, "已按批示要求落实。")
            self.act(decide_feedback, self.editor, instruction, accepted)
            self.feedback_due.remove((day, instruction, accepted))

    def solicit(self, week: int, monday: date) -> None:
        """约稿: issued on Monday, due Tuesday 17:00, to every unit. One answers on Tuesday (on time, the
        editor accepts it), one on Wednesday morning (late: accepted or not, it earns nothing), one never."""
        tuesday, wednesday = monday + timedelta(days=1), monday + timedelta(days=2)
        self.clock.move_to(at(monday, 11))
        fields = SolicitationFields(topic=f"第{week}周重点工作推进情况", requirements="请突出数据和成效，1000字以内。",
                                    deadline=deadline_at(tuesday, 17), contact_name="王敏", phone="0552-3012345",
                                    unit_ids={unit.id for unit in self.units})
        solicitation = self.act(issue_solicitation, self.editor, fields)
        on_time, late, silent = week % 3, (week + 1) % 3, (week + 2) % 3
        answers = {}
        for index, day in ((on_time, tuesday), (late, wednesday)):
            self.clock.move_to(at(day, 10))
            reporter, signer = self.staff[index]
            answers[index] = self.make.item(reporter, "submitted", signer=signer, category="research",
                                            solicitation_id=solicitation.id,
                                            title=f"{self.units[index].name}关于第{week}周重点工作的报告")
        self.clock.move_to(at(wednesday, 11))
        self.act(decide_answer, self.editor, answers[on_time], "accepted")
        self.act(decide_answer, self.editor, answers[late], "accepted" if week % 2 else "rejected")
        board = {line.unit.id: line.state for line in build_board(solicitation).lines}
        assert board == {self.units[on_time].id: "on_time", self.units[late].id: "late",
                         self.units[silent].id: "missing"}
        self.solicited.update({(tuesday, on_time): "solicitation_answered", (tuesday, late): "solicitation_missed",
                               (tuesday, silent): "solicitation_missed"})

    def check_solicitations(self, run: ScoreRun, year: int) -> None:
        """Each unit's ledger holds one solicitation row per notice of the year: +5 for the answer on time
        and accepted, −2 for the late one and the one never sent."""
        points = {"solicitation_answered": Decimal(5), "solicitation_missed": Decimal(-2)}
        for index, unit in enumerate(self.units):
            rows = [(row.day, row.rule_key, row.points) for row in list_ledger(run, unit.id)
                    if row.rule_key.startswith("solicitation")]
            expected = [(day, rule, points[rule]) for (day, unit_index), rule in sorted(self.solicited.items())
                        if unit_index == index and day.year == year]
            assert sorted(rows) == expected, unit.name

    def instruct(self, item, day: date, on_time: bool) -> None:
        instruction = self.act(record_instruction, self.editor, item, "李明", "vice_mayor", day, "请总结推广。", True)
        # On time: next Wednesday (the seventh day); late: two weeks on.
        self.feedback_due.append((day + timedelta(days=7 if on_time else 14), instruction, True))

    def lock_friday(self, friday: date) -> None:
        if not self.adopted_this_week:
            return
        self.clock.move_to(at(friday, 16))
        publication = db.session.scalar(select(Publication).order_by(Publication.id))
        edition = self.act(create_edition, self.editor, publication, friday)
        self.act(add_items, self.editor, edition, self.adopted_this_week)
        self.act(lock_edition, self.editor, edition)
        self.adopted_this_week = []

    def record_late(self, wednesday: date) -> None:
        """补录: an upper office adopted one of last month's items on the 20th, learnt only now."""
        last_month = wednesday.replace(day=1) - timedelta(days=1)
        for item_id in self.late_candidates.get((last_month.year, last_month.month), []):
            item = db.session.get(Item, item_id)
            day = last_month.replace(day=20)
            submitted = item.submitted_at.astimezone(SHANGHAI).date()
            known = {a.channel.key for a in db.session.scalars(select(Adoption).where(Adoption.item_id == item_id))}
            if submitted <= day and "cpc_research" not in known and item.status == "adopted":
                self.clock.move_to(at(wednesday, 17))
                self.act(record_adoption_by, self.editor, item, "cpc_research", day)
                return

    # ---- publishing --------------------------------------------------------------------------

    def publish(self, kind: str, year: int, part: int) -> Bulletin:
        bulletin = self.act(create_bulletin, self.editor, resolve_window(kind, year, part))
        self.act(freeze_bulletin, self.editor, bulletin)
        self.published[bulletin.id] = (bulletin.figures_json, self.sheet(bulletin))
        return bulletin

    def sheet(self, bulletin: Bulletin, client=None) -> list:
        data = (client or self.client).get(f"/bulletins/{bulletin.id}.xlsx").data
        return [list(row) for sheet in load_workbook(BytesIO(data)).worksheets for row in sheet.iter_rows(values_only=True)]

    # ---- what must hold after every step ------------------------------------------------------

    def check(self, pdfs: bool = False, sheets: bool = False) -> None:
        """The stored figures every month; the spreadsheets (0.2 s each) at quarter ends and the PDFs
        (2 s each) at two checkpoints, which keeps the year under two minutes."""
        db.session.expire_all()
        client = self.client
        for bulletin_id, (figures_json, sheet) in self.published.items():
            bulletin = db.session.get(Bulletin, bulletin_id)
            assert bulletin.figures_json == figures_json
            if sheets:
                assert self.sheet(bulletin, client) == sheet
            check_rows(bulletin.frozen)
        if pdfs:
            from tests.pdf_tools import pdf_text

            first = min(self.published)
            if first not in self.printed:
                self.printed[first] = pdf_text(client.get(f"/bulletins/{first}.pdf").data)
            printed = self.printed[first]
            assert pdf_text(client.get(f"/bulletins/{first}.pdf").data) == printed
            assert db.session.get(Bulletin, first).frozen["title"] in printed.replace(" ", "").replace("\n", "")
        run = compute_scores()
        db.session.commit()
        rules_base = BASE
        for unit in self.units:
            rows = list_ledger(run, unit.id)
            stored = db.session.get(UnitScore, (run.id, unit.id))
            assert rules_base + sum((row.points for row in rows), Decimal(0)) == stored.raw
        self.check_pages(run, client)

    def check_pages(self, run: ScoreRun, client) -> None:
        today = run.as_of.astimezone(SHANGHAI).date()
        ranking = client.get("/scores").get_data(as_text=True)
        rule_set = get_active_rule_set()
        first, last = (rule_set.period_start, rule_set.period_end) if rule_set.period_end.year == today.year else (
            date(today.year, 1, 1), date(today.year, 11, 30))
        filed = count_filings(first, last)
        for unit in self.units:
            counts = filed.get(unit.id)
            if counts is None:
                continue
            label = f"报送 {counts.submitted} 篇（其中不计分 {counts.invalid} 篇）· 采用 {counts.adopted} 篇次"
            assert label in ranking
            assert label in client.get(f"/scores/units/{unit.id}").get_data(as_text=True)


def check_rows(doc: dict) -> None:
    """Every row adds up from its printed parts; the totals are the sum of the rows."""
    for line in [*doc["units"], doc["totals"]]:
        assert sum(Decimal(value) for value in line["parts"].values()) == Decimal(line["points"])
    assert Decimal(doc["totals"]["points"]) == sum(Decimal(line["points"]) for line in doc["units"])
    assert Decimal(doc["totals"]["backfill"]) == sum(Decimal(entry["points"]) for entry in doc["backfill"])


def reconcile(office: Office, year: int) -> None:
    """Monthly bulletins plus their 补录 add up to the quarterly ones, those plus theirs to the yearly
    one, and every kind to the ledger of the year. A point recorded late after the last bulletin of a
    kind was published is pending: the next bulletin of that kind (a draft today) shows it as 补录."""
    published = [b for b in db.session.scalars(select(Bulletin).where(Bulletin.status == "published"))]
    today = to_local(utcnow()).date()
    pending = {kind: build_bulletin_figures(create_bulletin(office.editor, resolve_window(kind, today.year, part)))
               for kind, part in (("month", today.month), ("quarter", (today.month + 2) // 3), ("year", 0))}
    for draft in pending.values():
        check_rows(draft)

    def account(kind: str, first: date, last: date) -> dict[int, Decimal]:
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for bulletin in published:
            if bulletin.kind == kind and first <= bulletin.first_day and bulletin.last_day <= last:
                for line in bulletin.frozen["units"]:
                    totals[line["unit_id"]] += Decimal(line["points"])
        for doc in [bulletin.frozen for bulletin in published if bulletin.kind == kind] + [pending[kind]]:
            for entry in doc["backfill"]:
                if first.isoformat() <= entry["first_day"] and entry["last_day"] <= last.isoformat():
                    totals[entry["unit_id"]] += Decimal(entry["points"])
        return totals

    rule_set = get_active_rule_set()
    end = at(date(year, 12, 31), 23)
    for quarter in range(1, 5):
        first, last = date(year, 3 * quarter - 2, 1), resolve_window("quarter", year, quarter).last
        months, quarters = account("month", first, last), account("quarter", first, last)
        assert {u: p for u, p in months.items() if p} == {u: p for u, p in quarters.items() if p}, quarter
    first, last = date(year, 1, 1), date(year, 12, 31)
    months, quarters, years = account("month", first, last), account("quarter", first, last), account("year", first, last)
    ledger = {}
    for unit in office.units:
        rows = list_ledger(ScoreRun(rule_set_id=rule_set.id, as_of=end), unit.id)
        ledger[unit.id] = sum((row.points for row in rows if first <= row.day <= last), Decimal(0))
    nonzero = lambda totals: {u: p for u, p in totals.items() if p}  # noqa: E731
    assert nonzero(months) == nonzero(quarters) == nonzero(years) == nonzero(ledger)


def check_export(app, tmp_path) -> None:
    """`flask score` on `flask export-facts` gives the stored scores."""
    run = compute_scores()
    db.session.commit()
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["export-facts"])
    assert exported.exit_code == 0, exported.output
    facts = tmp_path / "facts.json"
    facts.write_text(exported.output, encoding="utf-8")
    scored = runner.invoke(args=["score", str(facts)])
    assert scored.exit_code == 0, scored.output
    stored = {score.unit_id: (score.raw, score.final, score.rank)
              for score in db.session.scalars(select(UnitScore).where(UnitScore.run_id == run.id))}
    assert {unit["unit"]: (Decimal(str(unit["raw"])), Decimal(str(unit["final"])), unit["rank"])
            for unit in json.loads(scored.output)["units"]} == stored


@pytest.mark.now(f"{YEAR}-01-01T09:00+08:00")
def test_a_year_in_the_life_of_an_office(app, make, world, clock, tmp_path):
    rule_set = get_active_rule_set()
    data = json.loads(rule_set.data)
    data["solicitation"]["missed"] = -2  # a solicitation left unanswered costs points too
    save_rule_set(rule_set, rule_set.name, json.dumps(data, ensure_ascii=False), date(YEAR, 1, 1),
                  date(YEAR, 12, 31))  # 城南's calendar year
    db.session.commit()
    office = Office(app, make, world, clock)

    monday, week, month_seen = date(YEAR, 1, 5), 1, (YEAR, 1)
    while monday <= date(YEAR + 1, 2, 22):
        if (monday.year, monday.month) != month_seen:  # a new month: last month's bulletins first
            clock.move_to(at(monday, 9))
            last = monday.replace(day=1) - timedelta(days=1)
            office.publish("month", last.year, last.month)
            if last.month % 3 == 0:
                office.publish("quarter", last.year, last.month // 3)
            if last.month == 12:
                office.publish("year", last.year, 0)
            office.check(pdfs=last.month in (1, 12), sheets=last.month % 3 == 0)
            month_seen = (monday.year, monday.month)
        filed = office.file_week(week, monday)
        if week % 4 == 2:
            office.solicit(week, monday)
        wednesday = monday + timedelta(days=2)
        office.decide_week(week, wednesday, filed)
        if wednesday.day <= 7:
            office.record_late(wednesday)
        if monday == date(YEAR, 7, 6):  # a correction of the rule set: 《长春信息》 is worth 6, not 5
            stored = db.session.get(RuleSet, rule_set.id)
            data = json.loads(stored.data)
            data["channels"]["cpc_main"]["points"] = 6
            save_rule_set(stored, stored.name, json.dumps(data, ensure_ascii=False), stored.period_start,
                          stored.period_end)
            db.session.commit()
        office.lock_friday(monday + timedelta(days=4))
        monday, week = monday + timedelta(days=7), week + 1

    clock.move_to(at(date(YEAR + 1, 3, 2), 9))
    office.publish("month", YEAR + 1, 2)
    office.check(sheets=True)
    reconcile(office, YEAR)
    office.check_solicitations(ScoreRun(rule_set_id=rule_set.id, as_of=at(date(YEAR, 12, 31), 23)), YEAR)
    check_export(app, tmp_path)
    assert len(office.published) == 12 + 4 + 1 + 2
