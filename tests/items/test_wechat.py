"""The 公众号 view of an adopted item and of an edition: clean inline-styled HTML to copy (title, text,
photos with captions, source), shown within the CSP, and the photos to download."""
import html
import io
import re
import zipfile

from werkzeug.datastructures import FileStorage

from portal.extensions import db
from tests.conftest import jpeg_bytes
from tests.editions.test_editions import add, adopted, lock, new_edition
from tests.solicitations.helpers import client_for
from tests.photo_tools import store_photo


def with_photo(world, item, caption: str):
    photo = store_photo(FileStorage(io.BytesIO(jpeg_bytes((400, 300))), filename="现场.jpg"),
                        item.author_id, item.form_key, item.id, len(item.photos))
    photo.caption = caption
    db.session.commit()
    return photo


def copied_html(page: str) -> str:
    """What the button copies: the textarea's text."""
    return html.unescape(re.search(r'<textarea id="wechat-html"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def test_an_adopted_item_in_wechat_form(app, make, world):
    item = adopted(make, world, "幸福社区“四点半课堂”开课")
    item.body = "1月5日，幸福社区开设“四点半课堂”。\n共有32名学生参加。"
    photo = with_photo(world, item, "课堂现场")
    editor = client_for(app, world.editor)
    assert f"/items/{item.id}/wechat" in editor.get(f"/items/{item.id}").get_data(as_text=True)
    response = editor.get(f"/items/{item.id}/wechat")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    copied = copied_html(page)
    assert "幸福社区“四点半课堂”开课" in copied and "共有32名学生参加。" in copied and "（幸福社区）" in copied
    assert f'src="http://localhost/photos/{photo.id}"' in copied and ">课堂现场</figcaption>" in copied
    # Inline styles only: no class, no script; images as plain <img> the editor's column holds.
    assert 'style="' in copied and "class=" not in copied and "<script" not in copied
    assert "max-width: 677px" in copied
    # The page itself: the preview carries the same words without inline styles; the button is wired by
    # portal.js (hidden without scripts, where the preview is selected and copied instead).
    preview = re.search(r'<article class="wechat-article".*?</article>', page, re.S).group(0)
    assert " style=" not in preview and "课堂现场" in preview and "共有32名学生参加。" in preview
    assert "data-copy-html=\"wechat-html\" data-copy-text=\"wechat-text\" hidden" in page and "复制到公众号" in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    # The photos to download.
    archive = zipfile.ZipFile(io.BytesIO(editor.get(f"/items/{item.id}/photos.zip").data))
    assert archive.namelist() == ["01-课堂现场.jpg"]


def test_only_adopted_items_and_only_for_who_may_see_them(app, make, world):
    pending = make.item(world.reporter, "submitted", signer=world.signer, editor=world.editor)
    editor = client_for(app, world.editor)
    assert editor.get(f"/items/{pending.id}/wechat").status_code == 404
    assert f"/items/{pending.id}/wechat" not in editor.get(f"/items/{pending.id}").get_data(as_text=True)
    item = adopted(make, world)
    assert client_for(app, world.reporter).get(f"/items/{item.id}/wechat").status_code == 200
    assert client_for(app, world.other_reporter).get(f"/items/{item.id}/wechat").status_code == 404
    assert client_for(app, world.other_reporter).get(f"/items/{item.id}/photos.zip").status_code == 404


def test_an_edition_in_wechat_form(app, make, world):
    first = adopted(make, world, "幸福社区开展冬季消防安全大排查")
    second = adopted(make, world, "和平社区建成老年助餐点", world.other_reporter, world.other_signer)
    with_photo(world, second, "老年助餐点开业现场")
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    add(editor, edition, [first], "工作动态")
    add(editor, edition, [second], "经验做法")
    assert editor.get(f"/editions/{edition.id}/wechat").status_code == 404  # not before it is locked
    lock(editor, edition)
    reader = client_for(app, world.reporter)
    page = reader.get(f"/editions/{edition.id}/wechat").get_data(as_text=True)
    copied = copied_html(page)
    assert copied.index("【工作动态】") < copied.index("幸福社区开展冬季消防安全大排查") < copied.index("【经验做法】")
    assert "高新信息" in copied and "《高新信息》" not in copied and "老年助餐点开业现场" in copied
    assert "（和平社区）" in copied
    archive = zipfile.ZipFile(io.BytesIO(reader.get(f"/editions/{edition.id}/photos.zip").data))
    assert archive.namelist() == ["01-老年助餐点开业现场.jpg"]
    assert f"/editions/{edition.id}/wechat" in reader.get(f"/editions/{edition.id}").get_data(as_text=True)
