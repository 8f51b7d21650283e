"""Mass assignment (ASVS V8.2, V2.2): a unit member who adds fields to a form they may post (a verdict,
a status, another unit's or user's id, scores, roles) changes nothing beyond what the form allows.

Each case posts valid input plus EXTRAS and compares every row of every table before and after: a
changed column outside the form's allow-list, or a changed row of a table the form does not touch, fails."""
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db, utcnow
from portal.items.models import Item
from portal.notifications.models import Notification
from portal.scoring.models import Instruction
from portal.solicitations.services import SolicitationFields, issue_solicitation
from portal.web.filters import to_local
from tests.conftest import PASSWORD, login


def extras(w) -> dict:
    """What a curious user might add: each name is a column, a relation or a role somewhere in the portal."""
    return {
        "verdict": "adopted", "status": "adopted", "solicitation_verdict": "accepted", "accepted": "yes",
        "unit_id": str(w.other.id), "author_id": str(w.other_reporter.id), "user_id": str(w.other_reporter.id),
        "uploader_id": str(w.other_reporter.id), "actor_id": str(w.editor.id), "recorded_by_id": str(w.editor.id),
        "feedback_by_id": str(w.other_reporter.id), "feedback_accepted": "y", "score": "100", "points": "100",
        "total": "100", "rank": "mayor", "roles": "admin", "role": "admin", "is_admin": "y", "active": "n",
        "username": "renamed", "name": "改名", "password_hash": "x", "id": "999", "created_at": "2020-01-01",
        "submitted_at": "2020-01-01", "edited_title": "编辑的标题", "edited_body": "编辑的正文",
        "decision_note": "已采用", "form_key": "", "solicitation_id_other": str(w.other.id),
    }


# Written by the portal itself on any accepted post, never from form fields: the audit trail, sessions and
# login attempts, and indexes derived from an item's text (search words, near-duplicate signatures).
BOOKKEEPING = {"audit_events", "user_sessions", "login_attempts", "item_search", "item_features"}
# A token drawn by any change to a unit's items (items/listing.py), not a field a form may set.
BOOKKEEPING_COLUMNS = {("units", "items_version"), ("units", "office_version")}


def table_state() -> dict[str, dict]:
    """Every row of every table but the bookkeeping, keyed by primary key: what a post may have changed."""
    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in BOOKKEEPING:
            continue
        keys = [column.name for column in table.primary_key.columns]
        columns = [column for column in table.columns if (table.name, column.name) not in BOOKKEEPING_COLUMNS]
        state[table.name] = {tuple(row[k] for k in keys): dict(row)
                             for row in db.session.execute(table.select().with_only_columns(*columns)).mappings()}
    return state


def changes(before: dict, after: dict) -> dict[str, set[str]]:
    """table -> the columns that changed in existing rows, plus "+" for added and "-" for removed rows."""
    changed: dict[str, set[str]] = {}
    for name, rows in after.items():
        old = before[name]
        for key, row in rows.items():
            if key not in old:
                changed.setdefault(name, set()).add("+")
            else:
                changed.setdefault(name, set()).update(column for column, value in row.items() if old[key][column] != value)
        if set(old) - set(rows):
            changed.setdefault(name, set()).add("-")
    return {name: columns for name, columns in changed.items() if columns}


def post(app, user, url, data):
    client = app.test_client()
    login(client, user)
    before = table_state()
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return changes(before, table_state())


ITEM_FORM = {"title": "幸福社区开展消防安全入户宣传", "body": "组织网格员入户讲解消防知识。", "category": "work",
             "follow_up_of_id": "0", "intent": "save"}
ITEM_COLUMNS = {"version", "title", "body", "category", "event_end_at", "major", "follow_up_of_id", "solicitation_id",
                "updated_at", "report_due_at"}


def solicitation_for(app, w, *units):
    fields = SolicitationFields(topic="今冬明春安全生产隐患排查整治情况", requirements="请反映主要隐患和整改措施。",
                                deadline=utcnow() + timedelta(days=3), unit_ids={unit.id for unit in units})
    with app.test_request_context(method="POST"):
        solicitation = issue_solicitation(w.editor, fields)
    db.session.commit()
    return solicitation


def test_a_new_item_takes_only_its_own_fields(app, world):
    changed = post(app, world.reporter, "/items/new", ITEM_FORM | extras(world))
    assert changed == {"items": {"+"}, "item_events": {"+"}}
    item = db.session.scalar(select(Item))
    assert [event.actor_id for event in item.events] == [world.reporter.id]
    assert (item.unit_id, item.author_id, item.status) == (world.own.id, world.reporter.id, "draft")
    assert item.solicitation_verdict is None and item.submitted_at is None and item.decision_note == ""
    assert item.edited_title is None and item.edited_body is None and item.id != 999
    assert item.created_at.year != 2020


def test_editing_a_draft_changes_only_the_form_fields(app, world, make):
    item = make.item(world.reporter)
    changed = post(app, world.reporter, f"/items/{item.id}/edit",
                   ITEM_FORM | extras(world) | {"version": str(item.version)})
    assert changed.pop("items") <= ITEM_COLUMNS
    assert changed == {"item_events": {"+"}}  # the edit, on the item's record
    db.session.expire_all()
    assert (item.unit_id, item.author_id, item.status, item.title) == (
        world.own.id, world.reporter.id, "draft", ITEM_FORM["title"])


def test_sending_an_item_cannot_choose_its_status(app, world, make):
    item = make.item(world.reporter)
    post(app, world.reporter, f"/items/{item.id}/act/send", {"comment": ""} | extras(world))
    db.session.expire_all()
    assert item.status == "awaiting_signoff" and item.solicitation_verdict is None


def test_an_answer_to_a_solicitation_cannot_judge_itself(app, world):
    solicitation = solicitation_for(app, world, world.own)
    data = ITEM_FORM | {"solicitation_id": str(solicitation.id), "intent": "send"} | {
        k: v for k, v in extras(world).items() if k != "solicitation_id"}
    post(app, world.reporter, "/items/new", data)
    item = db.session.scalar(select(Item))
    assert item.solicitation_id == solicitation.id and item.solicitation_verdict == "pending"  # the office decides
    assert item.status == "awaiting_signoff" and item.unit_id == world.own.id


def test_an_answer_cannot_be_linked_to_a_solicitation_sent_elsewhere(app, world):
    foreign = solicitation_for(app, world, world.other)
    client = app.test_client()
    login(client, world.reporter)
    response = client.post("/items/new", data=ITEM_FORM | {"solicitation_id": str(foreign.id)})
    assert response.status_code == 200
    assert db.session.scalar(select(Item)) is None


def test_acknowledging_a_solicitation_records_only_the_own_unit(app, world):
    solicitation = solicitation_for(app, world, world.own, world.other)
    changed = post(app, world.signer, f"/solicitations/{solicitation.id}/acknowledge", extras(world))
    assert changed.pop("solicitation_targets") <= {"acknowledged_at", "acknowledged_by_id", "opened_at"}
    assert set(changed) <= {"notifications", "deliveries"}
    targets = {row["unit_id"]: row for row in db.session.execute(db.metadata.tables["solicitation_targets"].select()
                                                                  ).mappings()}
    assert targets[world.own.id]["acknowledged_by_id"] == world.signer.id
    assert targets[world.other.id]["acknowledged_at"] is None and targets[world.other.id]["acknowledged_by_id"] is None


def test_feedback_on_an_instruction_cannot_decide_it(app, world, make):
    item = make.item(world.reporter, "submitted", signer=world.signer, editor=world.editor)
    instruction = Instruction(item_id=item.id, leader_name="李明", rank="district", instructed_on=to_local(utcnow()).date(),
                              text="请抓好落实。", feedback_required=True, feedback_due_at=utcnow() + timedelta(days=7),
                              recorded_by_id=world.editor.id)
    db.session.add(instruction)
    db.session.commit()
    changed = post(app, world.reporter, f"/instructions/{instruction.id}/feedback",
                   {"text": "已组织专题会议落实。"} | extras(world))
    assert changed.pop("instructions") == {"feedback_text", "feedback_at", "feedback_by_id"}
    assert set(changed) <= {"notifications", "deliveries"}
    db.session.expire_all()
    assert instruction.feedback_by_id == world.reporter.id and instruction.rank == "district"


def test_the_roster_form_writes_only_the_own_units_roster(app, world):
    data = {"leader_name": "张建国", "leader_position": "党委副书记", "officers-0-name": "李晓燕",
            "officers-0-employment": "full_time", "officers-0-mobile": "13804311234",
            "officers-0-unit_id": str(world.other.id), "officers-0-roster_id": "1", "roster_id": "1"} | extras(world)
    post(app, world.reporter, f"/roster/units/{world.own.id}/edit", data)
    rosters = db.session.execute(db.metadata.tables["rosters"].select()).mappings().all()
    assert [row["unit_id"] for row in rosters] == [world.own.id]


def test_changing_the_own_password_changes_no_role_unit_or_name(app, world):
    data = {"current": PASSWORD, "new": "a-new-password-42", "confirm": "a-new-password-42"} | extras(world)
    changed = post(app, world.reporter, "/account/password", data)
    assert changed.pop("users") <= {"password_hash", "last_login_at", "password_changed_at", "must_change_password",
                                    "session_version", "session_epoch"}
    assert "user_roles" not in changed and "units" not in changed
    db.session.expire_all()
    assert (world.reporter.username, world.reporter.unit_id, sorted(world.reporter.roles), world.reporter.active) == (
        "reporter", world.own.id, ["reporter"], True)


def test_marking_notifications_read_touches_only_the_own(app, world):
    db.session.add(Notification(user_id=world.other_reporter.id, kind="test", text="别人的通知", url="/notifications"))
    db.session.commit()
    changed = post(app, world.reporter, "/notifications/read-all", extras(world))
    assert "notifications" not in changed
