"""Each role's first screen is its next task: the signer's queue first with a count on the menu, a
returned draft marked 被退回 with its own tab and count, the office's inbox opening on 待处理."""
import re

from portal.extensions import db
from portal.items.services import transition_item
from tests.auth.test_accounts import client_for


def test_the_signers_queue_comes_first_and_the_menu_counts_it(app, make, world):
    make.item(world.reporter, "awaiting_signoff", title="幸福社区开展消防安全检查")
    make.item(world.reporter, "awaiting_signoff", category="emergency", title="解放路燃气泄漏险情")
    page = client_for(app, world.signer).get("/unit").get_data(as_text=True)
    assert re.search(r'href="/signoff">待审签 <b class="count">2</b>', page)
    main = page.split("<main>")[1]
    assert main.index("待我审签（2）") < main.index("报送任务")
    queue = main.split("待我审签（2）")[1]
    assert queue.index("解放路燃气泄漏险情") < queue.index("幸福社区开展消防安全检查")  # the emergency first
    assert '<span class="badge late">紧急</span>' in queue


def test_a_returned_draft_has_its_badge_tab_count_and_comment_on_top(app, make, world):
    item = make.item(world.reporter, "awaiting_signoff", title="幸福社区开展消防安全检查")
    with app.test_request_context(method="POST"):
        transition_item(item, world.signer, "return", comment="请补充检查发现的问题数量")
    db.session.commit()
    make.item(world.reporter, "draft", title="从未送审的草稿")
    reporter = client_for(app, world.reporter)
    home = reporter.get("/unit").get_data(as_text=True)
    assert "被退回，待修改（1）" in home and "从未送审的草稿" not in home.split("被退回，待修改")[1].split("</section>")[0]
    tab = reporter.get("/items?status=returned").get_data(as_text=True)
    assert re.search(r'被退回 <b class="count">1</b>', tab)
    listing = tab.split('id="item-list"')[1]
    assert "幸福社区开展消防安全检查" in listing and "从未送审的草稿" not in listing and "被退回" in listing
    detail = reporter.get(f"/items/{item.id}").get_data(as_text=True).split("<main>")[1]
    assert detail.index("被退回修改：请补充检查发现的问题数量") < detail.index("<h1>")


def test_the_inbox_opens_on_what_waits_for_the_office(app, make, world):
    make.item(world.reporter, "submitted", signer=world.signer, title="等待处理的信息")
    make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor, title="已经采用的信息")
    editor = client_for(app, world.editor)
    first = editor.get("/inbox").get_data(as_text=True)
    assert "等待处理的信息" in first and "已经采用的信息" not in first
    assert '<option selected value="pending">待处理</option>' in first
    assert "<summary>更多筛选条件</summary>" in first and "<details class=\"more-filters\">" in first
    everything = editor.get("/inbox?status=").get_data(as_text=True)
    assert "等待处理的信息" in everything and "已经采用的信息" in everything


def test_a_leader_lands_on_a_summary_and_reads_instructions_and_the_roster(app, make, world):
    make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor, title="已经采用的信息")
    leader = client_for(app, world.viewer)
    assert leader.get("/").headers["Location"] == "/overview"
    page = leader.get("/overview").get_data(as_text=True)
    assert "本月报送（篇）" in page and "本月采用（篇次）" in page and "积分排名前列" in page
    assert "已经采用的信息" in page.split("尚无批示的信息")[1]
    assert leader.get("/instructions").status_code == 200
    roster = leader.get("/roster")
    assert roster.status_code == 200 and world.own.name in roster.get_data(as_text=True)
    assert leader.get(f"/roster/units/{world.own.id}/edit").status_code == 403


def test_the_dashboard_counts_every_returned_draft_as_the_tab_does(app, make, world):
    """The dashboard lists the latest five returned drafts; its heading counts them all, as the tab does."""
    for number in range(7):
        item = make.item(world.reporter, "awaiting_signoff", title=f"退回的信息{number}")
        make.act(item, world.signer, "return")
    reporter = client_for(app, world.reporter)
    home = reporter.get("/unit").get_data(as_text=True)
    section = home.split("被退回，待修改")[1].split("</section>")[0]
    assert section.startswith("（7）") and section.count("<b>退回的信息") == 5
    assert 'href="/items?status=returned">全部被退回的信息' in section
    tab = reporter.get("/items?status=returned").get_data(as_text=True)
    assert re.search(r'被退回 <b class="count">7</b>', tab)
