"""Stored scores follow one unit's changed facts without a full run, and agree with a full run."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from portal.extensions import db
from portal.items.services import ItemFields, create_item, transition_item
from portal.scoring.adoptions import record_adoption
from portal.scoring.models import Adoption, ScoreRun, UnitScore
from portal.scoring.periods import get_active_rule_set
from portal.scoring.records import decide_feedback, record_instruction, submit_feedback
from portal.scoring.runs import compute_scores, current_run, ensure_fresh_scores
from portal.units.models import Tier
from portal.web.filters import office_today
from tests.conftest import login
from tests.scoring.test_standings import MID_PERIOD, period_day, submitted_item

# Date-sensitive: .ci/run runs these again at period, quarter and year ends.
pytestmark = pytest.mark.calendar


def stored(run_id: int) -> dict:
    return {score.unit_id: (score.raw, score.final, score.rank, score.breakdown)
            for score in db.session.scalars(select(UnitScore).where(UnitScore.run_id == run_id))}


def run_key() -> tuple:
    # SQLite may give a new run the id of the one it replaced: the time it was computed tells them apart
    run = current_run()
    return run.id, run.computed_at


def assert_incremental_equals_full(key: tuple) -> dict:
    """The run was updated in place (not recomputed) and holds what a full run would."""
    db.session.expire_all()
    run = current_run()
    assert (run.id, run.computed_at, run.stale) == (*key, False)
    incremental = stored(run.id)
    full = compute_scores(as_of=run.as_of)
    db.session.commit()
    assert stored(full.id) == incremental
    return incremental


def ranks(scores: dict, world) -> tuple[int, int, int]:
    return tuple(scores[unit.id][2] for unit in (world.own, world.other, world.third))


def test_changes_update_one_unit_and_ranks_follow_as_a_full_run_would(app, world, make):
    """The services notify by e-mail links, hence the request context."""
    with app.test_request_context(method="POST"):
        _run_changes(world, make)


def _run_changes(world, make):
    # without quotas the raws stay positive, so finals and ranks tell the units apart; the period
    # starts 25 days ago, so items from before it are facts too (a full run reads only those that count),
    # and ends today, whatever day the test lives on
    rule_set = get_active_rule_set()
    rule_set.data = json.dumps(json.loads(rule_set.data) | {"quotas": []}, ensure_ascii=False)
    rule_set.period_start, rule_set.period_end = office_today() - timedelta(days=25), office_today()
    db.session.commit()
    before = submitted_item(make, world, office_today() - timedelta(days=40))
    record_adoption(before.id, "cpc_main", office_today() - timedelta(days=35), world.editor.id)
    world.third = make.unit("团结社区", parent=world.office)
    third_reporter, third_signer = make.user(world.third, "reporter"), make.user(world.third, "signer")
    own = submitted_item(make, world, period_day(20))
    other = submitted_item(make, world, period_day(20), reporter=world.other_reporter, signer=world.other_signer)
    third = submitted_item(make, world, period_day(20), reporter=third_reporter, signer=third_signer)
    record_adoption(own.id, "cpc_main", period_day(18), world.editor.id)
    db.session.commit()
    ensure_fresh_scores()
    key = run_key()
    assert ranks(stored(key[0]), world) == (1, 2, 2)

    # an upper office's adoption puts the other unit on top: every final changes, ranks move
    record_adoption(other.id, "province", period_day(15), world.editor.id)
    db.session.commit()
    scores = assert_incremental_equals_full(key)
    assert ranks(scores, world) == (2, 1, 3)
    key = run_key()

    # an item from before the period: its earlier adoption by the same body counts against the new one
    record_adoption(before.id, "cpc_research", period_day(12), world.editor.id)
    db.session.commit()
    assert json.loads(assert_incremental_equals_full(key)[world.own.id][3])["adoption"] == "8"
    key = run_key()

    # a leader's instruction, the unit's late feedback, the editor's rejection of it
    instruction = record_instruction(world.editor, third, "张三", "mayor", period_day(14), "请推广。",
                                     feedback_required=True)
    db.session.commit()
    assert ranks(assert_incremental_equals_full(key), world) == (3, 1, 2)
    key = run_key()
    submit_feedback(third_signer, instruction, "已落实。", now=instruction.feedback_due_at + timedelta(days=1))
    db.session.commit()
    assert_incremental_equals_full(key)
    key = run_key()
    decide_feedback(world.editor, instruction, accepted=False)
    db.session.commit()
    assert_incremental_equals_full(key)
    key = run_key()

    # an item reaching the office, then its verdict; then an adoption taken back
    late = make.item(world.reporter, "awaiting_signoff")
    transition_item(late, world.signer, "sign")
    db.session.commit()
    assert_incremental_equals_full(key)
    key = run_key()
    transition_item(late, world.editor, "invalidate", comment="内容空泛")
    db.session.commit()
    assert_incremental_equals_full(key)
    key = run_key()
    for adoption in db.session.scalars(select(Adoption).where(Adoption.item_id.in_([own.id, other.id]))):
        db.session.delete(adoption)
    db.session.commit()
    assert ranks(assert_incremental_equals_full(key), world) == (2, 3, 1)


def test_a_change_reaching_every_unit_marks_the_scores_stale(world, make):
    submitted_item(make, world, period_day(5))
    run = ensure_fresh_scores()
    world.own.tier = Tier(key="A", name="重点单位")
    db.session.commit()
    db.session.refresh(run)
    assert run.stale
    fresh = ensure_fresh_scores()
    assert not fresh.stale and fresh.computed_at > run.computed_at


def test_a_draft_leaves_the_stored_run_untouched(world, make):
    run = ensure_fresh_scores()
    before = stored(run.id)
    make.item(world.reporter, "draft")
    db.session.expire_all()
    kept = db.session.scalars(select(ScoreRun)).one()
    assert (kept.id, kept.computed_at) == (run.id, run.computed_at) and stored(run.id) == before


def test_only_a_change_to_a_counted_item_re_scores_its_unit(app, world, make):
    """The engine reads submitted items with one of the office's verdicts. Saving a draft, sending it for
    sign-off, withdrawing it and sending it again change none of those facts, so the stored run is not
    re-scored (a tenth of a filing's CPU, inside the write lock); signing it, returning it and correcting
    a verdict do, and the stored run stays what a full run gives."""
    run = ensure_fresh_scores()
    key, before = run_key(), stored(run.id)
    rescored = []

    def note(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE UNIT_SCORES"):
            rescored.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        item = make.item(world.reporter, "draft")
        for action in ("send", "withdraw", "send"):
            make.act(item, world.reporter, action)
        with app.test_request_context(method="POST"):  # the item form's 保存并送审签: one transaction
            sent = create_item(world.reporter, ItemFields("街道开展消防演练", "组织居民疏散演练。", "work"), "one-go")
            transition_item(sent, world.reporter, "send")
            db.session.commit()
        assert rescored == [] and stored(run.id) == before and run_key() == key
        make.sign_off(item, world.signer)
        assert rescored
        assert_incremental_equals_full(key)
        for action in ("return", "send"):  # the office returns it: it no longer counts, then not again
            rescored.clear()
            make.act(item, world.editor if action == "return" else world.reporter, action)
            assert bool(rescored) == (action == "return")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@pytest.mark.now(MID_PERIOD)
def test_the_dashboards_quota_windows_are_stored_and_follow_each_filing(app, world, make):
    """The dashboard reads the windows scoring stored (no engine run per view); a filing updates them
    in its own commit, and they agree with a live count."""
    from portal.extensions import utcnow
    from portal.scoring.quota_windows import list_open_quotas, measure_unit_quotas

    def live():
        return [window for window in measure_unit_quotas(world.own.id, utcnow()) if not window.assessed]

    compute_scores()
    db.session.commit()
    assert json.loads(db.session.get(UnitScore, (current_run().id, world.own.id)).quotas)["windows"]
    before = list_open_quotas(world.own.id, utcnow())
    assert before == live()
    key = run_key()
    with app.test_request_context(method="POST"):
        make.item(world.reporter, "submitted", signer=world.signer)
    db.session.expire_all()
    assert run_key() == key  # updated in place, not recomputed
    after = list_open_quotas(world.own.id, utcnow())
    assert after == live()
    assert sum(window.submitted for window in after) > sum(window.submitted for window in before)


@pytest.mark.now(MID_PERIOD)
def test_the_score_pages_quota_windows_are_the_live_count_from_the_ledgers_facts(world, make):
    """The unit's score page counts its windows from the facts its ledger read (one reading of them);
    they are what a live count over all of the unit's facts gives, assessed windows included."""
    from portal.scoring.quota_windows import measure_unit_quotas
    from portal.scoring.unit_ledger import account_unit

    for day in (2, 9, 10, 30, 61):
        submitted_item(make, world, period_day(day))
    run = compute_scores()
    db.session.commit()
    account = account_unit(run, world.own.id)
    assert account.ledger and any(window.assessed for window in account.quotas)
    assert account.quotas == measure_unit_quotas(world.own.id, run.as_of)


CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+')


def _pages(clients: dict) -> dict:
    """Each page's text, the forms' CSRF tokens left out (signed with the moment they are made)."""
    pages = {}
    for url, client in clients.items():
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = CSRF.sub(r"\1", response.get_data(as_text=True))
    return pages


@pytest.mark.now(MID_PERIOD)
def test_pages_kept_under_score_versions_read_as_computed_anew_after_every_change(app, world, make):
    """What the score pages derive from the stored run alone (every unit's months, the tiers' ranks, the top
    raw) is kept in the process under the run's version, and what they and the dashboard derive from one
    unit's facts (its ledger rows and quota windows, the year's 报送 and 采用) under its score's version. After each kind of change — one unit's facts (re-scored in place), a change reaching every
    unit (the run goes stale), an editor's title (no fact) — the pages read exactly as they do with
    nothing kept."""
    from portal.web import memo

    reporter, editor = app.test_client(), app.test_client()
    login(reporter, world.reporter)
    login(editor, world.editor)
    clients = {"/scores/mine": reporter, f"/scores/units/{world.other.id}": editor, "/scores": editor,
               f"/scores/units/{world.own.id}": editor, "/unit": reporter}
    own = submitted_item(make, world, period_day(20))
    theirs = submitted_item(make, world, period_day(10), reporter=world.other_reporter, signer=world.other_signer)

    def assert_kept_pages_read_as_anew():
        kept = _pages(clients)
        assert memo._kept, "nothing was kept: the pages computed everything anew"
        memo._kept.clear()
        assert _pages(clients) == kept

    def unit_versions() -> dict:
        db.session.expire_all()
        return {score.unit_id: score.version
                for score in db.session.scalars(select(UnitScore).where(UnitScore.run_id == current_run().id))}

    _pages(clients)  # computes the run and keeps what it derives
    versions = [current_run().version]
    assert_kept_pages_read_as_anew()
    before = unit_versions()
    with app.test_request_context(method="POST"):
        record_adoption(own.id, "cpc_main", period_day(8), world.editor.id)
        db.session.commit()
    after = unit_versions()  # only the unit whose facts changed has a new ledger; every unit's rank may move
    assert after[world.own.id] != before[world.own.id] and after[world.other.id] == before[world.other.id]
    _pages(clients)
    assert_kept_pages_read_as_anew()
    # A filing signed earns no points by itself: the run keeps its version (the ranking's kept figures with
    # it), the unit draws a new one (its 报送 moved).
    moved = current_run().version
    assert moved != versions[0]
    make.item(world.reporter, "submitted", signer=world.signer)
    assert current_run().version == moved and unit_versions()[world.own.id] != after[world.own.id]
    assert_kept_pages_read_as_anew()
    with app.test_request_context(method="POST"):
        record_instruction(world.editor, theirs, "张三", "mayor", period_day(6), "请推广。", feedback_required=False)
        db.session.commit()
    assert_kept_pages_read_as_anew()
    make.act(own, world.editor, "invalidate")
    assert_kept_pages_read_as_anew()
    theirs.edited_title = "编辑改过的标题"
    db.session.commit()
    assert "编辑改过的标题" in _pages(clients)[f"/scores/units/{world.other.id}"]
    assert_kept_pages_read_as_anew()
    versions.append(current_run().version)
    world.own.tier = Tier(key="A", name="重点单位")  # every unit's ranks within tiers
    db.session.commit()
    assert current_run().version is None  # stale: nothing is kept for it
    assert_kept_pages_read_as_anew()
    versions.append(current_run().version)
    assert len(set(versions)) == len(versions) and None not in versions
