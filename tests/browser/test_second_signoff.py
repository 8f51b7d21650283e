"""Sign-off by category on a 390 × 844 phone: a 调研 item of the demo office (whose rule set has 调研 signed
twice) goes from the reporter to the unit head, then to the unit's 主管领导, and only then to the office."""
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.items.models import Item
from tests.mobile import menu, press, shown, sign_in, start_item

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
ITEM_URL = re.compile(r"/items/\d+$")
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def status_of(server, title: str) -> str:
    with server.portal_app.app_context():
        status = db.session.scalar(select(Item.status).where(Item.title == title))
        db.session.remove()
    return status


def test_a_research_item_waits_for_the_unit_head_and_then_the_supervisor(phone, live_server):
    title = "关于辖区背街小巷停车难的调研（两级审签）"
    reporter = phone()
    start_item(reporter, title)
    reporter.get_by_label("信息类别").select_option("research")
    press(reporter, "保存并送审签")
    reporter.wait_for_url(ITEM_URL)
    assert shown(reporter.get_by_text("待单位负责人审签，之后还需主管领导审签"))

    signer = phone()
    sign_in(signer, "signer")
    menu(signer, "待审签").click()
    signer.get_by_role("link", name=title).click()
    assert signer.get_by_role("button", name="审签并报送", exact=True).count() == 0
    press(signer, "审签并报主管领导")
    assert shown(signer.get_by_text("已审签并报主管领导"))
    assert shown(signer.get_by_text(re.compile("审签，待主管领导审签$")))
    assert status_of(live_server, title) == "awaiting_lead"
    menu(signer, "待审签").click()
    # The unit head's queue says whose sign-off is missing.
    waiting = signer.locator("h2", has_text="等待他人审签")
    assert shown(waiting)
    assert shown(signer.locator("li", has_text=title).get_by_text("待主管领导审签"))
    signer.screenshot(path=live_server.shots / "second-signoff-signer-queue.png", full_page=True)

    supervisor = phone()
    sign_in(supervisor, "supervisor")
    assert supervisor.url.endswith("/signoff")  # the 主管领导's first screen is the queue
    assert menu(supervisor, "待审签").inner_text().strip() != "待审签"  # with a count
    supervisor.get_by_role("link", name=title).click()
    assert supervisor.evaluate(NO_SIDEWAYS_SCROLL)
    supervisor.screenshot(path=live_server.shots / "second-signoff-supervisor.png", full_page=True)
    press(supervisor, "主管领导审签并报送")
    assert shown(supervisor.get_by_text("已主管领导审签并报送"))
    assert status_of(live_server, title) == "submitted"
