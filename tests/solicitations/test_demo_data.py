"""The demo office has open, overdue (one by telephone) and closed solicitations with receipts, answers
on time and late, verdicts, and a reporting-priorities note."""
import pytest
from sqlalchemy import select

from portal.extensions import db, utcnow
from portal.items.models import Item
from portal.solicitations.models import ReportingPriority, Solicitation
from portal.solicitations.board import build_board


@pytest.mark.calendar
def test_demo_has_solicitations_in_every_state(demo):
    now = utcnow()
    solicitations = db.session.scalars(select(Solicitation)).all()
    open_ = [s for s in solicitations if s.is_open and s.deadline > now]
    overdue = [s for s in solicitations if s.is_open and s.deadline < now]
    closed = [s for s in solicitations if not s.is_open]
    assert open_ and overdue and closed
    assert any(s.by_phone for s in solicitations)
    states = {line.state for s in solicitations for line in build_board(s).lines}
    assert states == {"unopened", "opened", "acknowledged", "on_time", "late", "missing"}
    answers = db.session.scalars(select(Item).where(Item.solicitation_id.is_not(None))).all()
    assert {item.solicitation_verdict for item in answers} == {"pending", "accepted", "rejected"}
    assert all(item.submitted_at is not None for item in answers)
    assert db.session.scalar(select(ReportingPriority)) is not None
