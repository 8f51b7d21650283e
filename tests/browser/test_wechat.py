"""复制到公众号 in a real browser: the button puts the article on the clipboard as HTML (title, text,
photos with captions), and the page raises no CSP violation doing it."""
import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.items.models import Item
from tests.conftest import jpeg_bytes
from tests.mobile import sign_in
from tests.photo_tools import store_photo

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def an_adopted_item(server) -> tuple[int, str, str]:
    """The demo's first adopted item, with a captioned photo: (id, title, first paragraph)."""
    with server.portal_app.app_context():
        item = db.session.scalars(select(Item).where(Item.status == "adopted").order_by(Item.id)).first()
        if not any(photo.caption == "现场照片" for photo in item.photos):
            photo = store_photo(FileStorage(io.BytesIO(jpeg_bytes((400, 300))), filename="现场.jpg"),
                                item.author_id, item.form_key, item.id, len(item.photos))
            photo.caption = "现场照片"
            db.session.commit()
        found = item.id, item.display_title, item.display_body.strip().splitlines()[0].strip()
        db.session.remove()
    return found


def test_the_copy_button_puts_the_article_on_the_clipboard(browser, live_server):
    item_id, title, first_paragraph = an_adopted_item(live_server)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    try:
        sign_in(page, "editor")
        page.goto(f"/items/{item_id}/wechat")
        page.get_by_role("button", name="复制到公众号").click()
        page.get_by_text("已复制").wait_for()
        copied = page.evaluate("""async () => {
            const [entry] = await navigator.clipboard.read();
            const html = await (await entry.getType("text/html")).text();
            const text = await (await entry.getType("text/plain")).text();
            return {html, text};
        }""")
        assert title in copied["html"] and title in copied["text"]
        assert first_paragraph in copied["html"] and first_paragraph in copied["text"]
        assert "<img" in copied["html"] and "/photos/" in copied["html"] and ">现场照片</figcaption>" in copied["html"]
        assert 'style="' in copied["html"] and "<script" not in copied["html"]
        assert violations == []
    finally:
        context.close()


def test_without_javascript_the_article_is_there_to_select(browser, live_server):
    item_id, title, _first = an_adopted_item(live_server)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, "editor")
        page.goto(f"/items/{item_id}/wechat")
        assert page.locator("#wechat-preview h1").inner_text() == title
        assert not page.get_by_role("button", name="复制到公众号").is_visible()
        assert page.locator("#wechat-preview figcaption").inner_text() == "现场照片"
    finally:
        context.close()
