"""Outcomes in a real browser on a 390 × 844 phone screen: typed work survives an expired login, and
every outcome (a refused save, a lost connection) is shown where the user is looking."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.auth.hooks import UNSENT_MESSAGE
from portal.auth.models import User, UserSession
from portal.bulletins.models import Bulletin
from portal.editions.models import Edition
from portal.demo import DEMO_PASSWORD
from portal.extensions import db, utcnow
from tests import mobile
from tests.browser.test_phone import ITEM_URL, items_titled
from tests.mobile import press, shown, sign_in, start_item, write_item

PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def expire_logins(server, username: str) -> None:
    """The idle timeout passes for every login of this account (its sessions last seen 31 minutes ago)."""
    with server.portal_app.app_context():
        user_id = db.session.query(User.id).filter_by(username=username).scalar()
        db.session.execute(update(UserSession).where(UserSession.user_id == user_id)
                           .values(last_seen_at=utcnow() - timedelta(minutes=31)))
        db.session.commit()
        db.session.remove()


def test_an_expired_login_keeps_the_item_and_brings_the_reporter_back_to_restore_it(phone, live_server):
    title = "文化广场夜间照明恢复（登录超时后提交）"
    page = phone()
    sign_in(page, "reporter")
    page.goto("/items/new")
    write_item(page, title, mobile.phone_photo((800, 600)))
    page.get_by_label("事件结束时间").fill("2026-06-10T08:30")
    expire_logins(live_server, "reporter")
    press(page, "保存并送审签")

    page.wait_for_url(re.compile(r"/login\?next=%2Fitems%2Fnew"))
    assert shown(page.get_by_text(UNSENT_MESSAGE))
    page.get_by_label("用户名").fill("reporter")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/items/new$"))  # back on the form it was sent from

    offer = page.locator(".draft-offer")
    assert "尚未提交的内容" in offer.inner_text()
    assert "照片需重新选择：IMG_0001.jpg" in offer.inner_text()
    page.screenshot(path=str(live_server.shots / "restore-offer.png"))
    page.get_by_role("button", name="恢复未提交内容").click()
    assert page.get_by_label("标题", exact=True).input_value() == title
    assert "现场组织人员处置" in page.get_by_label("正文").input_value()
    assert page.get_by_label("事件结束时间").input_value() == "2026-06-10T08:30"
    press(page, "保存并送审签")
    page.wait_for_url(ITEM_URL)
    assert shown(page.get_by_text("已送审签")) and items_titled(live_server, title) == 1
    page.goto("/items/new")
    assert page.locator(".draft-offer").count() == 0  # the server said this item is stored: copy forgotten


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_refused_save_opens_at_a_summary_that_links_to_the_fields(phone, live_server, javascript):
    page = phone(javascript)
    sign_in(page, "reporter")
    page.goto("/items/new")
    page.get_by_label("正文").fill("只有正文，没有标题。")
    page.get_by_role("button", name="保存草稿").click()
    summary = page.locator("#errors")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "errors"  # focused, so it is read out and in view
    box = summary.bounding_box()
    assert 0 <= box["y"] < 844
    page.screenshot(path=str(live_server.shots / f"error-summary-{'js' if javascript else 'nojs'}.png"))
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "title"


def test_a_lost_connection_is_said_beside_the_button_pressed(phone, live_server):
    page = phone()
    start_item(page, "离线时按下保存")
    page.route("**/items/new", lambda route: route.abort("internetdisconnected"), times=1)
    press(page, "保存并送审签")
    alert = page.get_by_role("alert").filter(has_text="网络连接失败")
    alert.wait_for()
    buttons = page.locator("form .buttons").bounding_box()
    box = alert.bounding_box()
    assert 0 <= box["y"] - (buttons["y"] + buttons["height"]) < 40  # right under the buttons
    assert 0 <= box["y"] < 844  # on the screen the user is looking at


def test_unsent_typing_near_the_idle_timeout_is_said_and_the_login_kept(phone, live_server):
    page = phone()
    page.clock.install()  # the page's own clock, moved forward below; the server's login is real
    sign_in(page, "reporter")
    page.goto("/items/new")
    write_item(page, "临近超时仍在填写")
    page.clock.fast_forward("27:30")
    warning = page.locator("#idle-alert")
    warning.wait_for()
    assert "分钟后登录将因长时间未操作而失效" in warning.inner_text() and "已保存在本机" in warning.inner_text()
    page.screenshot(path=str(live_server.shots / "idle-warning.png"))
    asked = len(live_server.uploads.sizes)
    warning.get_by_role("button", name="保持登录").click()
    warning.wait_for(state="hidden")
    assert ("GET", "/account/alive", 0) in live_server.uploads.sizes[asked:]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_publishing_a_bulletin_asks_first_saying_what_will_happen(phone, live_server, javascript):
    page = phone(javascript)
    sign_in(page, "editor")
    with live_server.portal_app.app_context():
        draft = db.session.query(Bulletin).filter_by(status="draft").first().id
        db.session.remove()
    page.goto(f"/bulletins/{draft}")
    if javascript:
        asked = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
        page.get_by_role("button", name="发布并通知各单位").click()
        assert re.search(r"发布后编为城南街办通〔\d{4}〕\d+号", asked[0])
        assert page.url.endswith(f"/bulletins/{draft}")  # dismissed: nothing was sent
    else:
        page.get_by_role("button", name="发布并通知各单位").click()
        page.get_by_role("heading", name="请确认：发布并通知各单位").wait_for()
        assert shown(page.get_by_text(re.compile(r"发布后编为城南街办通〔\d{4}〕\d+号")))
        page.screenshot(path=str(live_server.shots / "confirm-publish-nojs.png"))
        page.get_by_role("link", name="取消，返回").click()
        page.wait_for_url(re.compile(rf"/bulletins/{draft}$"))
    with live_server.portal_app.app_context():
        assert db.session.get(Bulletin, draft).status == "draft"
        db.session.remove()


CSP_WATCH = """document.addEventListener('securitypolicyviolation', e => {
  (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + (e.blockedURI || e.sample || ''));
});"""


@pytest.mark.parametrize("username", ["reporter", "signer", "editor", "leader", "admin"])
def test_each_roles_first_screen_and_every_menu_page_without_csp_violations(phone, live_server, username):
    page = phone()
    page.add_init_script(CSP_WATCH)  # injected by the browser, not inline in the page: CSP does not apply
    console = []
    page.on("console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None)
    sign_in(page, username)
    page.screenshot(path=str(live_server.shots / f"first-screen-{username}.png"))
    origin = page.url.split("/", 3)[:3]
    pages = ["/".join(origin) + href for href in mobile.menu_links(page.content())]
    for url in dict.fromkeys(pages):
        page.goto(url)
        assert (url, page.evaluate("window.__csp || []")) == (url, [])
        if re.search(r"//[^/]+/inbox$", url):  # an HTMX swap too
            with page.expect_response(lambda answer: "/inbox?" in answer.url):
                page.get_by_label("关键词").fill("社区")
            page.wait_for_timeout(300)  # the swap settles
            assert (url, page.evaluate("window.__csp || []")) == (url, [])
    assert console == []


def test_chosen_photos_show_at_once_and_a_slow_upload_shows_progress_and_can_be_cancelled(phone, live_server):
    title = "慢速网络下取消上传"
    page = phone()
    start_item(page, title)
    photos = [{"name": f"IMG_{n}.jpg", "mimeType": "image/jpeg", "buffer": mobile.phone_photo((1200, 900), seed=n)}
              for n in range(3)]
    page.get_by_label("照片", exact=True).set_input_files(files=photos)
    assert page.locator(".previews img").count() == 3  # thumbnails as soon as they are chosen
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", mobile.SLOW_LINK | {"uploadThroughput": 40_000 / 8})
    press(page, "保存草稿")
    progress = page.locator("#upload-progress")
    progress.get_by_text(re.compile(r"正在上传 \d/3")).wait_for()
    page.screenshot(path=str(live_server.shots / "upload-progress.png"))
    progress.get_by_role("button", name="取消上传").click()
    page.get_by_role("alert").filter(has_text="已取消上传").wait_for()
    assert page.get_by_label("标题", exact=True).input_value() == title
    cdp.send("Network.emulateNetworkConditions", mobile.SLOW_LINK)
    assert items_titled(live_server, title) == 0


def test_captions_are_written_beside_the_chosen_photos_and_saved_with_them(phone, live_server):
    title = "慢速网络下先写照片说明再保存"
    page = phone()
    sign_in(page, "reporter")
    page.goto("/items/new")
    write_item(page, title)
    # The styled 添加照片 opens the same file input (a label for it); the native button is hidden.
    add = page.locator("label.add-photo")
    assert add.inner_text() == "添加照片" and add.bounding_box()["height"] >= 44
    with page.expect_file_chooser() as chooser:
        add.click()
    chooser.value.set_files([{"name": f"IMG_{n}.jpg", "mimeType": "image/jpeg",
                              "buffer": mobile.phone_photo((640, 480), seed=n)} for n in range(2)])
    page.get_by_label("新照片1说明").fill("抽排现场")
    page.get_by_label("新照片2说明").fill("道路恢复通行")
    assert page.locator(".previews img").count() == 2
    page.screenshot(path=str(live_server.shots / "captions-before-saving.png"), full_page=True)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", mobile.SLOW_LINK | {"uploadThroughput": 200_000 / 8})
    press(page, "保存草稿")
    page.locator("#upload-progress").get_by_text(re.compile(r"正在上传 [12]/2")).wait_for()
    page.get_by_text("草稿已保存").wait_for(timeout=30_000)
    cdp.send("Network.emulateNetworkConditions", mobile.SLOW_LINK)
    assert [caption.inner_text() for caption in page.locator("figcaption").all()] \
        == ["抽排现场", "道路恢复通行"]
    assert items_titled(live_server, title) == 1


def test_the_edition_builder_saves_every_title_at_once_and_keeps_its_checkboxes_full_size(phone, live_server):
    with live_server.portal_app.app_context():
        edition_id = db.session.scalar(select(Edition.id).where(Edition.status == "draft"))
        db.session.remove()
    page = phone()
    sign_in(page, "editor")
    page.goto(f"/editions/{edition_id}")
    candidate = page.locator("#candidates label.check").first
    # A title of three lines beside a checkbox does not squeeze it.
    candidate.locator("b").evaluate("b => { b.textContent = b.textContent.repeat(6); }")
    box = candidate.locator("input[type=checkbox]").bounding_box()
    assert box["width"] >= 21.5 and box["height"] >= 21.5, box
    candidate.locator("input[type=checkbox]").check()
    page.get_by_role("button", name="编入本期").click()
    headlines = page.locator("input[name^=headline-]")
    assert headlines.count() == 2
    headlines.nth(0).fill("第一条改过的标题")
    headlines.nth(1).fill("第二条改过的标题")
    page.screenshot(path=str(live_server.shots / "edition-builder.png"), full_page=True)
    page.get_by_role("button", name="保存全部标题和栏目").click()
    page.get_by_text("本期各条标题和栏目已保存").wait_for()
    assert [headlines.nth(n).input_value() for n in range(2)] == ["第一条改过的标题", "第二条改过的标题"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_follow_up_picker_lists_dates_and_status_newest_first_and_narrows_to_the_words_typed(
        phone, live_server, javascript):
    page = phone(javascript)
    sign_in(page, "reporter")
    page.goto("/items/new")
    picker = page.get_by_label("续报", exact=True)
    options = picker.locator("option").all_inner_texts()[1:]
    assert len(options) > 5 and all(re.match(r"\d{4}年\d{1,2}月\d{1,2}日 .+（.+）$", text) for text in options)
    dates = [tuple(map(int, re.match(r"(\d+)年(\d+)月(\d+)日", text).groups())) for text in options]
    assert dates == sorted(dates, reverse=True)  # newest first
    words = re.match(r".+? (.+)（", options[-1]).group(1)[-8:]  # the end of the oldest one's title
    page.get_by_label("标题", exact=True).fill("续报：查找时写下的标题")
    page.get_by_label("按标题查找之前报送的信息").fill(words)
    if not javascript:
        with page.expect_navigation():  # the form comes back narrowed: check the new page, not the old one
            page.get_by_role("button", name="查找").click()
    try:
        page.wait_for_function("([w, n]) => { const o = document.querySelectorAll('#follow_up_of_id option');"
                               " return o.length > 1 && o.length < n + 1 && Array.from(o).slice(1).every(x => x.text.includes(w)); }",
                               arg=[words, len(options)])
    except PlaywrightTimeout:  # say what the list held: a failure under load once left nothing to go on
        raise AssertionError(f"looked for {words!r} among {len(options)}: {picker.locator('option').all_inner_texts()}")
    assert page.get_by_label("标题", exact=True).input_value() == "续报：查找时写下的标题"
    page.get_by_label("按标题查找之前报送的信息").scroll_into_view_if_needed()
    page.screenshot(path=str(live_server.shots / f"follow-up-picker-{'js' if javascript else 'no-js'}.png"))
