"""Reporting priorities (信息工作要点, 长春 seed: 要点通报制度): the newest note shows on every unit's
dashboard until a newer one supersedes it."""
from sqlalchemy import func, select

from portal.extensions import db
from portal.solicitations.models import ReportingPriority
from tests.solicitations.helpers import client_for, errors_of, notices


def publish(editor, title, body="一、冬季安全生产；\n二、民生实事推进情况。"):
    response = editor.post("/priorities/new", data={"title": title, "body": body})
    assert response.status_code == 302, errors_of(response.get_data(as_text=True))


def test_newest_priorities_show_on_every_units_dashboard_until_superseded(app, world):
    editor = client_for(app, world.editor)
    publish(editor, "2026年11月政务信息工作要点")
    for user in (world.reporter, world.signer, world.other_reporter):
        page = client_for(app, user).get("/unit").get_data(as_text=True)
        assert "信息工作要点：2026年11月政务信息工作要点" in page and "民生实事推进情况" in page
    publish(editor, "2026年12月政务信息工作要点", "一、岁末年初安全稳定。")
    page = client_for(app, world.reporter).get("/unit").get_data(as_text=True)
    assert "2026年12月政务信息工作要点" in page and "2026年11月政务信息工作要点" not in page
    # Every unit's reporters and signers are told; the office is not.
    for user in (world.reporter, world.signer, world.other_reporter, world.other_signer):
        assert notices(user) == ["办公室发布信息工作要点：2026年11月政务信息工作要点",
                                 "办公室发布信息工作要点：2026年12月政务信息工作要点"]
    assert notices(world.editor) == [] and notices(world.viewer) == []
    # The list keeps the history, newest first.
    listing = client_for(app, world.reporter).get("/priorities").get_data(as_text=True)
    assert listing.index("2026年12月") < listing.index("2026年11月")


def test_only_editors_publish_and_bad_input_keeps_the_form(app, world):
    for user in (world.reporter, world.signer, world.viewer, world.admin):
        client = client_for(app, user)
        assert client.post("/priorities/new", data={"title": "要点", "body": "内容"}).status_code == 403
    assert client_for(app, world.admin).get("/priorities").status_code == 403
    editor = client_for(app, world.editor)
    response = editor.post("/priorities/new", data={"title": "没有内容的要点", "body": "  "})
    assert response.status_code == 200
    assert "请填写要点内容" in errors_of(response.get_data(as_text=True))
    assert 'value="没有内容的要点"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ReportingPriority.id))) == 0


def test_a_retried_publish_is_stored_once(app, world):
    editor = client_for(app, world.editor)
    publish(editor, "2026年11月政务信息工作要点")
    publish(editor, "2026年11月政务信息工作要点")
    assert db.session.scalar(select(func.count(ReportingPriority.id))) == 1


def test_dashboard_without_priorities_or_notices_shows_neither_panel(app, world):
    page = client_for(app, world.reporter).get("/unit").get_data(as_text=True)
    assert "信息工作要点" not in page and "待报送的约稿" not in page
