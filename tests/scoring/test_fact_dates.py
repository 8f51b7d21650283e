"""No fact before its cause or after today: an adoption or instruction is never dated before the item
reached the office nor after today, whichever path records it (adopt, 综合, upper-office adoption,
补录), and an adoption's date, once recorded, is never moved."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.items.models import Item
from portal.scoring.models import Adoption, Instruction
from portal.web.filters import office_today
from tests.checks.test_duplicates import EVENT, SAME_EVENT
from tests.conftest import login

ATTACKS = ["0001-01-01", "2099-12-31"]
# Refused at the field: by the fact-date rule (不能早于…/不能晚于今天) or, for year 1, the portal's year range.
REFUSED = re.compile("采用日期(不能|的年份不合理)")


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def filed(make, world, clock, days_ago=0, status="submitted", own=True, **fields):
    """An item signed `days_ago` days ago."""
    clock.shift(timedelta(days=-days_ago))
    reporter, signer = (world.reporter, world.signer) if own else (world.other_reporter, world.other_signer)
    item = make.item(reporter, status, signer=signer, editor=world.editor, **fields)
    clock.shift(timedelta(days=days_ago))
    return item


def adoptions_of(item) -> list[tuple[str, object]]:
    db.session.expire_all()
    return [(a.channel.key, a.adopted_on)
            for a in db.session.scalars(select(Adoption).where(Adoption.item_id == item.id))]


def messages(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.calendar
@pytest.mark.parametrize("day", ATTACKS + ["BEFORE"])
def test_adopt_refuses_a_date_before_submission_or_after_today(app, make, world, clock, day):
    item = filed(make, world, clock, days_ago=3)
    if day == "BEFORE":
        day = (office_today() - timedelta(days=4)).isoformat()
    editor = client_for(app, world.editor)
    page = messages(editor.post(f"/items/{item.id}/act/adopt", data={"adopted_on": day}, follow_redirects=True))
    assert REFUSED.search(page)
    db.session.expire_all()
    assert db.session.get(Item, item.id).status == "submitted" and adoptions_of(item) == []
    editor.post(f"/items/{item.id}/act/adopt", data={"adopted_on": (office_today() - timedelta(days=3)).isoformat()})
    assert adoptions_of(item) == [("internal", office_today() - timedelta(days=3))]


@pytest.mark.calendar
@pytest.mark.parametrize("day", ATTACKS)
def test_combine_refuses_a_date_in_year_one_or_2099(app, make, world, clock, day):
    # Two units' reports of one event: the pair 综合 is offered for.
    mine = filed(make, world, clock, days_ago=1, body=EVENT)
    theirs = filed(make, world, clock, days_ago=1, own=False, body=SAME_EVENT)
    editor = client_for(app, world.editor)
    response = editor.post(f"/items/{mine.id}/combine", data={
        "sources": [theirs.id], "title": "综合标题", "body": mine.body, "adopted_on": day})
    assert response.status_code == 200 and REFUSED.search(messages(response))
    assert adoptions_of(mine) == [] and adoptions_of(theirs) == []


@pytest.mark.calendar
def test_an_upper_office_adoption_before_the_submission_is_refused(app, make, world, clock):
    # An upper-office adoption dated 15 October was accepted for an item submitted 30 November.
    item = filed(make, world, clock, days_ago=2)
    editor = client_for(app, world.editor)
    for day in [office_today() - timedelta(days=46), *ATTACKS]:
        response = editor.post(f"/items/{item.id}/adoptions", data={"channel": "cpc_main", "adopted_on": str(day)},
                               follow_redirects=True)
        assert REFUSED.search(messages(response))
    assert adoptions_of(item) == []
    editor.post(f"/items/{item.id}/adoptions", data={"channel": "cpc_main", "adopted_on": office_today().isoformat()})
    assert adoptions_of(item) == [("cpc_main", office_today())]


@pytest.mark.calendar
def test_a_bulu_before_the_submission_is_refused(app, make, world, clock):
    item = filed(make, world, clock, days_ago=2, status="not_adopted")
    editor = client_for(app, world.editor)
    day = office_today() - timedelta(days=3)
    response = editor.post(f"/items/{item.id}/adoptions", data={"channel": "province", "adopted_on": day.isoformat()},
                           follow_redirects=True)
    assert "采用日期不能早于信息的报送日期" in messages(response)
    db.session.expire_all()
    assert db.session.get(Item, item.id).status == "not_adopted" and adoptions_of(item) == []


@pytest.mark.calendar
def test_an_instruction_before_the_submission_is_refused(app, make, world, clock):
    item = filed(make, world, clock, days_ago=1)
    editor = client_for(app, world.editor)
    data = {"leader_name": "李明", "rank": "mayor", "text": "请总结推广。", "feedback_required": "y",
            "instructed_on": (office_today() - timedelta(days=5)).isoformat()}
    response = editor.post(f"/items/{item.id}/instructions/new", data=data)
    assert response.status_code == 200 and "批示日期不能早于信息的报送日期" in messages(response)
    assert db.session.scalar(select(Instruction).where(Instruction.item_id == item.id)) is None
