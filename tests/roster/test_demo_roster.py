"""The demo office's rosters and its open roster request."""
from sqlalchemy import select

from portal.demo import DEMO_PASSWORD
from portal.extensions import db, utcnow
from portal.roster.models import Roster, RosterRequest
from portal.roster.services import (
    normalize_email,
    normalize_landline,
    normalize_mobile,
    roster_is_complete,
    track_roster_request,
)
from portal.units.services import list_reporting_units


def test_every_demo_unit_has_a_filled_roster_and_one_request_is_open(demo):
    rosters = {r.unit_id: r for r in db.session.scalars(select(Roster))}
    units = list_reporting_units()
    assert {unit.id for unit in units} == set(rosters)
    for roster in rosters.values():
        assert roster_is_complete(roster), roster.unit.name
        # The demo's numbers pass the same checks as typed ones, unchanged.
        assert normalize_mobile(roster.leader_mobile) == roster.leader_mobile
        assert normalize_landline(roster.leader_phone) == roster.leader_phone
        for officer in roster.officers:
            assert normalize_mobile(officer.mobile) == officer.mobile
            assert normalize_landline(officer.office_phone) == officer.office_phone
            assert normalize_email(officer.email) == officer.email
    assert any(len(r.officers) > 1 for r in rosters.values())

    (request,) = db.session.scalars(select(RosterRequest)).all()
    assert request.deadline_at > utcnow()
    tracking = track_roster_request(request)
    assert tracking.counts["on_time"] >= 3 and tracking.counts["waiting"] >= 3
    assert tracking.counts["late"] == tracking.counts["missed"] == 0

    for username, page, expected in (("reporter", "/roster", "确认无变化"), ("editor", f"/roster/requests/{request.id}", "按时完成"),
                                     ("editor", "/roster", "导出统计表")):
        client = demo.test_client()
        client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert expected in client.get(page, follow_redirects=True).get_data(as_text=True), (username, page)
