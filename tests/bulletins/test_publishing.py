"""Draft → preview → publish: numbering, the frozen figures, corrections, the notice to every unit."""
import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.bulletins.models import Bulletin
from portal.bulletins.services import BulletinError, create_bulletin, publish_bulletin, resolve_window
from portal.extensions import db
from portal.items.services import transition_item
from portal.notifications.models import Notification
from portal.scoring.adoptions import record_adoption
from portal.scoring.periods import get_active_rule_set
from tests.conftest import login
from tests.pdf_tools import pdf_text


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def new_draft(editor_client, scenario, **form) -> Bulletin:
    data = {"kind": "month", "year": str(scenario.first.year), "month": str(scenario.first.month)} | form
    response = editor_client.post("/bulletins/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.get(Bulletin, int(response.location.rsplit("/", 1)[1]))


def publish(editor_client, bulletin: Bulletin) -> Bulletin:
    response = editor_client.post(f"/bulletins/{bulletin.id}/publish", data={"confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    published = db.session.get(Bulletin, bulletin.id)
    assert published.is_published, editor_client.get(response.location).get_data(as_text=True)
    return published


def article(html: str) -> str:
    return re.search(r'<article class="bulletin">.*?</article>', html, re.S).group(0)


def workbook_values(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(BytesIO(data))
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


@pytest.mark.calendar
def test_draft_preview_edit_and_publish(app, world, scenario):
    editor = client_for(app, world.editor)
    form = editor.get("/bulletins/new").get_data(as_text=True)
    # A new bulletin starts with last month.
    assert f'value="{scenario.first.year}"' in form
    month = scenario.first.month
    assert re.search(rf'<option selected value="{month}">|<option value="{month}" selected>', form)
    bulletin = new_draft(editor, scenario)
    preview = editor.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "草稿预览" in preview and "发文字号（发布时编号）" in preview and "幸福社区" in preview

    response = editor.post(f"/bulletins/{bulletin.id}/edit", data={
        "title": "关于上月政务信息工作情况的通报", "addressee": "各社区", "preamble": "现将有关情况通报如下。",
        "closing": "请各单位认真对照。"})
    assert response.status_code == 302
    published = publish(editor, bulletin)
    year = published.published_at.astimezone(timezone(timedelta(hours=8))).year
    assert published.doc_number == f"城南街办通〔{year}〕1号"
    page = editor.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "草稿预览" not in page and published.doc_number in page and "关于上月政务信息工作情况的通报" in page
    assert "各社区：" in page and "现将有关情况通报如下。" in page
    # Published: no more editing, nor deleting; a second publish (a retried submit) changes nothing.
    assert editor.get(f"/bulletins/{bulletin.id}/edit").status_code == 403
    assert editor.post(f"/bulletins/{bulletin.id}/delete", data={"confirmed": "1"}).status_code == 403
    figures_json = published.figures_json
    assert editor.post(f"/bulletins/{bulletin.id}/publish", data={"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Bulletin, bulletin.id).figures_json == figures_json


def test_a_published_bulletin_does_not_change_when_the_data_does(app, world, make, scenario):
    editor = client_for(app, world.editor)
    reporter = client_for(app, world.reporter)
    bulletin = publish(editor, new_draft(editor, scenario))
    figures_json = bulletin.figures_json
    page = article(reporter.get(f"/bulletins/{bulletin.id}").get_data(as_text=True))
    sheet = workbook_values(reporter.get(f"/bulletins/{bulletin.id}.xlsx").data)
    printed = pdf_text(reporter.get(f"/bulletins/{bulletin.id}.pdf").data)

    # Corrections under it: an item turns invalid, another gains an adoption dated in the window, a unit is renamed.
    with app.test_request_context(method="POST"):
        transition_item(scenario.late, world.editor, "invalidate", comment="与前期信息重复")
    record_adoption(scenario.other.id, "cpc_main", scenario.first + timedelta(days=20), world.editor.id)
    world.other.name = "和平新村社区"
    db.session.commit()

    db.session.expire_all()
    assert db.session.get(Bulletin, bulletin.id).figures_json == figures_json
    assert article(reporter.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)) == page
    assert workbook_values(reporter.get(f"/bulletins/{bulletin.id}.xlsx").data) == sheet
    assert pdf_text(reporter.get(f"/bulletins/{bulletin.id}.pdf").data) == printed
    assert "和平新村社区" not in page

    # A correction is figured anew and says what it corrects.
    response = editor.post(f"/bulletins/{bulletin.id}/correct")
    correction = db.session.get(Bulletin, int(response.location.rsplit("/", 1)[1]))
    assert correction.corrects_id == bulletin.id and not correction.is_published
    preview = editor.get(f"/bulletins/{correction.id}").get_data(as_text=True)
    assert "和平新村社区" in preview and "《长春信息》" in article(preview).split("二、信息采用情况")[1]
    corrected = publish(editor, correction)
    assert corrected.number == bulletin.number + 1
    text = article(reporter.get(f"/bulletins/{corrected.id}").get_data(as_text=True))
    assert "本通报更正" in text and bulletin.doc_number in text and bulletin.title in text
    assert corrected.title == bulletin.title + "（更正）"
    original = reporter.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert article(original) == page and "本通报已被更正" in original and corrected.doc_number in original


@pytest.mark.calendar
def test_numbers_run_per_year_of_publication(app, world, scenario):
    month = resolve_window("month", scenario.first.year, scenario.first.month)
    quarter = resolve_window("quarter", 2025, 1)
    year = resolve_window("year", 2025, None)
    published = []
    # Published in the year after last month's, and in the one after that, whatever day the test lives on.
    next_year = scenario.last.year + 1
    with app.test_request_context(method="POST"):
        for window, at in ((month, datetime(next_year, 1, 5, 2, tzinfo=timezone.utc)),
                           (quarter, datetime(next_year, 3, 1, 2, tzinfo=timezone.utc)),
                           (year, datetime(next_year + 1, 1, 2, 2, tzinfo=timezone.utc))):
            published.append(publish_bulletin(world.editor, create_bulletin(world.editor, window), now=at))
            db.session.commit()
    assert [b.doc_number for b in published] == [
        f"城南街办通〔{next_year}〕1号", f"城南街办通〔{next_year}〕2号", f"城南街办通〔{next_year + 1}〕1号"]


@pytest.mark.calendar
def test_publishing_before_the_window_ends_is_refused(app, world, scenario):
    editor = client_for(app, world.editor)
    response = editor.post("/bulletins/new", data={"kind": "year", "year": "2100"})
    assert "2100年度尚未开始" in response.get_data(as_text=True)
    with app.test_request_context(method="POST"):
        bulletin = create_bulletin(world.editor, resolve_window("month", scenario.first.year, scenario.first.month))
        db.session.commit()
        try:
            publish_bulletin(world.editor, bulletin, now=datetime.combine(scenario.last, datetime.min.time(),
                                                                         timezone.utc))
        except BulletinError as error:
            assert "结束后才能发布" in str(error)
        else:
            raise AssertionError("published before the window ended")
    db.session.rollback()
    assert not db.session.get(Bulletin, bulletin.id).is_published


def test_publishing_tells_every_unit_and_the_leaders(app, world, scenario):
    editor = client_for(app, world.editor)
    bulletin = publish(editor, new_draft(editor, scenario))
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "bulletin_published")))
    assert told == {world.reporter.id, world.signer.id, world.other_reporter.id, world.other_signer.id, world.viewer.id}
    notice = db.session.scalar(select(Notification).where(Notification.user_id == world.reporter.id,
                                                          Notification.kind == "bulletin_published"))
    assert bulletin.doc_number in notice.text and notice.url == f"/bulletins/{bulletin.id}"


@pytest.mark.calendar
def test_a_window_already_published_asks_for_a_correction(app, world, scenario):
    editor = client_for(app, world.editor)
    first = new_draft(editor, scenario)
    assert new_draft(editor, scenario).id == first.id  # a retried submit finds the draft
    bulletin = publish(editor, first)
    page = editor.post("/bulletins/new", data={"kind": "month", "year": str(scenario.first.year),
                                               "month": str(scenario.first.month)}).get_data(as_text=True)
    assert f"的通报已发布（{bulletin.doc_number}）；如需更正" in page


def test_the_spreadsheet_has_the_ranking_and_the_adopted_items(app, world, scenario):
    editor = client_for(app, world.editor)
    bulletin = publish(editor, new_draft(editor, scenario))
    response = client_for(app, world.other_reporter).get(f"/bulletins/{bulletin.id}.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheets = workbook_values(response.data)
    assert list(sheets) == ["排名", "采用信息"]
    ranking, adopted = sheets["排名"], sheets["采用信息"]
    assert ranking[0][0] == bulletin.title and bulletin.doc_number in ranking[1][0]
    header = ranking[2]
    assert header[:5] == ("排名", "单位", "报送", "逾时", "不计分")
    parts = ("采用得分", "批示得分", "批示反馈得分", "约稿得分", "超额报送得分", "未完成任务扣分")
    assert header[-10:] == (*parts, "本期得分", "补录前期得分", "累计原始分", "最终得分") and "市委办公厅采用" in header
    doc = bulletin.frozen
    units = {row[1]: row for row in ranking[3:-1]}
    for line in doc["units"]:
        row = units[line["name"]]
        assert (row[0], row[2], row[3], row[4]) == (line["rank"], line["submitted"], line["late"], line["invalid"])
        assert (Decimal(str(row[-4])), Decimal(str(row[-1]))) == (Decimal(line["points"]), Decimal(line["final"]))
    for row in ranking[3:]:  # every row adds up, the total's too: its parts are its 本期得分
        assert sum(Decimal(str(value)) for value in row[-10:-4]) == Decimal(str(row[-4]))
    assert load_workbook(BytesIO(response.data))["排名"].cell(4, len(header)).number_format == "0.00"
    assert ranking[-1][1] == "合计" and ranking[-1][2] == doc["totals"]["submitted"]
    assert adopted[2] == ("序号", "采用日期", "单位", "信息标题", "刊物", "采用机关")
    assert [(row[3], row[4]) for row in adopted[3:]] == [(e["title"], e["channel"]) for e in doc["adoptions"]]


def test_a_rule_set_that_cannot_score_is_shown_and_stops_publishing(app, world, scenario):
    rule_set = get_active_rule_set()
    data = json.loads(rule_set.data)
    data["quotas"][0]["count"] = {"A": 2}  # no "default": an untiered unit cannot be scored
    rule_set.data = json.dumps(data, ensure_ascii=False)
    db.session.commit()
    editor = client_for(app, world.editor)
    bulletin = new_draft(editor, scenario)
    page = editor.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "计分提示" in page and "幸福社区" in page
    response = editor.post(f"/bulletins/{bulletin.id}/publish", data={"confirmed": "1"}, follow_redirects=True)
    assert "计分规则无法计算，暂不能发布" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Bulletin, bulletin.id).is_published and bulletin.number is None


def test_a_publish_failing_at_its_last_step_stores_nothing(app, world, scenario, monkeypatch):
    """All-or-nothing: the number, the frozen figures and the notices go together (see tests/test_all_or_nothing.py)."""
    editor = client_for(app, world.editor)
    bulletin = new_draft(editor, scenario)

    def explode(*args, **kwargs):
        raise RuntimeError("forced failure at the last step")

    monkeypatch.setattr("portal.bulletins.services.notify_users", explode)
    with pytest.raises(RuntimeError):
        editor.post(f"/bulletins/{bulletin.id}/publish", data={"confirmed": "1"})
    db.session.rollback()  # what the request's teardown does on a real server
    db.session.expire_all()
    stored = db.session.get(Bulletin, bulletin.id)
    assert not stored.is_published and (stored.number, stored.doc_number, stored.figures_json) == (None, None, None)
    assert db.session.scalar(select(Notification).where(Notification.kind == "bulletin_published")) is None
