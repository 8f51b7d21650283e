"""What every unit's pages show alike of the office is kept under the office's version (units/office.py):
every write to a table or column an office-wide part may read draws it again, however it was written, and the
pages read exactly as they do with nothing kept, at any moment."""
import re
from datetime import timedelta

from sqlalchemy import select, text, update

from portal.auth.models import User
from portal.checks.models import SensitiveWord
from portal.extensions import db, keep_login_read, utcnow, written_by
from portal.notifications.models import Notification
from portal.roster.services import issue_roster_request, save_roster
from portal.scoring.adoptions import INTERNAL_CHANNEL
from portal.scoring.models import AnnualTarget, Channel
from portal.scoring.periods import get_active_rule_set
from portal.units.models import Unit
from portal.units.office import OFFICE_VERSION, NEVER_SHOWN_OFFICE_WIDE, changes_office_wide, read_office_version
from portal.web import memo
from tests.conftest import login
from tests.roster.test_requests import roster_data
from tests.solicitations.helpers import client_for, issue

# drawn anew for each view of a form: the CSRF token (signed with the moment), the item form's key
PER_VIEW = re.compile(r'(name="(?:csrf_token|form_key)"[^>]*value=")[^"]+')


def _office_version(world) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Unit.office_version).where(Unit.id == world.office.id))


def test_the_exemptions_name_real_tables_and_columns(app):
    for table, columns in NEVER_SHOWN_OFFICE_WIDE.items():
        assert table in db.metadata.tables, table
        assert columns is None or columns <= set(db.metadata.tables[table].c.keys()), table


def test_what_a_statement_writes_is_read_from_its_text():
    assert written_by('UPDATE units SET items_version=? WHERE units.id IN (?, ?)') == ("units", {"items_version"})
    assert written_by('UPDATE users SET last_login_at=%(last_login_at)s::TIMESTAMP WHERE users.id = %(id)s') == (
        "users", {"last_login_at"})
    # a SET with a subquery may name more columns than it seems to: any column
    assert written_by("UPDATE units SET items_version=(SELECT 'x' WHERE 1=1), name=?") == ("units", None)
    assert written_by("INSERT OR REPLACE INTO item_features VALUES (?)") == ("item_features", None)
    assert written_by("DELETE FROM notifications WHERE id=?") == ("notifications", None)
    assert written_by("CREATE TABLE later (id integer)") == (None, None)
    assert changes_office_wide({(None, None)})  # what it cannot read counts as a change
    assert changes_office_wide({("tables_not_yet_made", None)})  # deny by default
    assert changes_office_wide({("units", frozenset({"items_version", "contact_name"}))})
    assert not changes_office_wide({("units", frozenset({"items_version"})), ("items", None)})


def test_writes_draw_the_office_version_unless_they_touch_only_what_no_office_wide_part_reads(app, world, make):
    def draws(step) -> bool:
        before = _office_version(world)
        step()
        db.session.commit()
        return _office_version(world) != before

    assert _office_version(world)
    # the busy hour's writes: items, logins, notices
    assert not draws(lambda: make.item(world.reporter, "submitted", signer=world.signer))
    assert not draws(lambda: db.session.execute(update(User).where(User.id == world.reporter.id)
                                                .values(last_login_at=utcnow())))
    assert not draws(lambda: db.session.add(Notification(user_id=world.reporter.id, kind="test", text="测试", url="/")))
    # the office's: through the ORM, a bulk statement, SQL text
    assert draws(lambda: setattr(db.session.get(Unit, world.office.id), "contact_name", "王敏"))
    assert draws(lambda: db.session.execute(update(User).where(User.id == world.signer.id).values(active=False)))
    assert draws(lambda: db.session.execute(text("UPDATE rule_sets SET name = name || '（修订）'")))
    # a GET that writes what a part reads (a unit opening a notice) draws it at its commit
    solicitation = issue(client_for(app, world.editor), units=[str(world.own.id)])
    reporter = client_for(app, world.reporter)
    before = _office_version(world)
    assert reporter.get(f"/solicitations/{solicitation.id}").status_code == 200
    assert _office_version(world) != before


def _pages(clients: dict) -> dict:
    """Each page's text, what a form draws for each view left out."""
    pages = {}
    for (url, who), client in clients.items():
        response = client.get(url)
        assert response.status_code == 200, (url, who)
        pages[url, who] = PER_VIEW.sub(r"\1", response.get_data(as_text=True))
    return pages


def test_office_wide_parts_read_as_computed_anew_after_every_change_and_as_time_passes(app, world, make, clock):
    reporter, signer, editor = app.test_client(), app.test_client(), app.test_client()
    login(reporter, world.reporter)
    login(signer, world.signer)
    login(editor, world.editor)
    in_review = make.item(world.reporter, "in_review", signer=world.signer, editor=world.editor)
    make.item(world.reporter, "awaiting_signoff", title="幸福社区开展防汛演练")
    clients = {("/unit", "reporter"): reporter, ("/items", "reporter"): reporter, ("/items/new", "reporter"): reporter,
               ("/scores/mine", "reporter"): reporter, ("/unit", "signer"): signer, ("/signoff", "signer"): signer,
               ("/scores", "editor"): editor, (f"/items/{in_review.id}", "editor"): editor, ("/inbox", "editor"): editor}

    def settled(step=None, draws=True) -> dict:
        """Runs a change and shows the pages after it, having checked that they read as computed anew, and that
        the change drew the office a new version or, moving only the clock, none."""
        before = _office_version(world)
        if step is not None:
            step()
            db.session.commit()
        assert (_office_version(world) != before) == draws
        _pages(clients)  # the change's flashed message shown once, and the parts kept
        kept = _pages(clients)
        assert any(getattr(key[0], "__module__", "").startswith(("portal.units", "portal.solicitations",
                                                                 "portal.roster", "portal.items.signoff"))
                   for key in memo._kept), "nothing was kept"
        memo._kept.clear()
        assert _pages(clients) == kept
        return kept

    settled(draws=False)
    shown = settled(lambda: editor.post("/priorities/new", data={"title": "12月信息工作要点", "body": "冬季安全生产"}))
    assert "信息工作要点：12月信息工作要点" in shown["/unit", "reporter"]
    shown = settled(lambda: setattr(db.session.get(Unit, world.office.id), "contact_name", "王敏"))
    assert "王敏" in shown["/unit", "reporter"]

    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    solicitation = issue(editor, units=[str(world.own.id)], deadline_date=tomorrow)
    shown = settled(draws=False)  # issued above: its commit drew the version
    assert "待报送的约稿（1）" in shown["/unit", "reporter"] and "未查看" in shown["/unit", "reporter"]
    shown = settled(lambda: reporter.get(f"/solicitations/{solicitation.id}"))
    assert "已查看" in shown["/unit", "reporter"]
    # past the deadline with no answer, nothing written: the state and countdown move with the clock
    clock.shift(timedelta(days=2))
    for client in (reporter, signer, editor):
        login(client, {reporter: world.reporter, signer: world.signer, editor: world.editor}[client])
    shown = settled(draws=False)
    assert "未报送" in shown["/unit", "reporter"]

    def request_roster():
        with app.test_request_context():
            issue_roster_request(world.editor, utcnow() + timedelta(days=3), "请核对本单位名单")
    shown = settled(request_roster)
    assert "名单确认通知" in shown["/unit", "reporter"] and "待确认" in shown["/items", "reporter"]
    shown = settled(lambda: save_roster(world.reporter, world.own, roster_data()))  # updated: the answer
    assert "名单确认通知" not in shown["/unit", "reporter"] and "待确认" not in shown["/items", "reporter"]

    warned = re.compile(r"防汛演练</b></a>(?:(?!</li>).)*?(\d+)项提醒", re.S)  # within the item's row
    before = warned.search(_pages(clients)["/signoff", "signer"])
    shown = settled(lambda: db.session.add(SensitiveWord(word="防汛演练", note="", created_by_id=world.admin.id)))
    assert int(warned.search(shown["/signoff", "signer"]).group(1)) == (int(before.group(1)) if before else 0) + 1
    for key in [key for key in clients if key[1] == "signer"]:
        del clients[key]  # the signer's account is closed next
    shown = settled(lambda: setattr(db.session.get(User, world.signer.id), "active", False))
    assert "还没有可用的审签人" in shown["/unit", "reporter"]
    rule_set = get_active_rule_set()
    settled(lambda: setattr(rule_set, "period_end", rule_set.period_end - timedelta(days=1)))
    year = utcnow().year
    shown = settled(lambda: db.session.add_all(
        AnnualTarget(year=y, tier_id=None, submitted_target=40, adopted_target=12) for y in (year - 1, year, year + 1)))
    assert "/40 篇" in shown["/scores/mine", "reporter"] and "/12 篇次" in shown["/scores", "editor"]
    channel = db.session.scalar(select(Channel).where(Channel.key == INTERNAL_CHANNEL))
    shown = settled(lambda: setattr(channel, "name", "区委办《每日要情》"))
    assert "采用到区委办《每日要情》的日期" in shown[f"/items/{in_review.id}", "editor"]
    shown = settled(lambda: setattr(db.session.get(Unit, world.other.id), "name", "和谐社区"))
    assert "和谐社区" in shown["/inbox", "editor"] and "和平社区" not in shown["/inbox", "editor"]


def test_a_request_that_writes_reads_the_version_its_commit_drew(app, world):
    client = app.test_client()
    login(client, world.reporter)
    with app.test_request_context("/unit"):
        keep_login_read(OFFICE_VERSION, _office_version(world))  # as the login check does
        before = read_office_version()
        db.session.get(Unit, world.office.id).contact_name = "王敏"
        db.session.commit()
        assert read_office_version() == _office_version(world) != before
