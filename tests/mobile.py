"""The mobile budgets (docs/performance.md, Mobile: compressed bytes on the wire) and the page discovery shared by the
test-client budget tests, the browser tests and bench/mobile.py. Pages are found by following the
menus, so a page added later is measured without anyone listing it here."""
import gzip
import io
import random
import re
import threading
import time
from contextlib import contextmanager

import brotli
from flask_migrate import upgrade
from PIL import Image
from werkzeug.serving import make_server

from portal import create_app
from portal.demo import DEMO_PASSWORD, load_demo
from portal.extensions import db
from portal.web.filters import office_today

KB = 1024
PAGE_HTML = 20 * KB
ALL_CSS = 15 * KB
ALL_JS = 20 * KB
THUMBNAIL = 30 * KB
FIRST_VISIT = 60 * KB
REPEAT_VISIT = 20 * KB
FRAGMENT = 5 * KB
PHOTO_UPLOAD = 300 * KB
SLOW_SECONDS = 3.0
# 400 kbps each way and a 400 ms round trip, as CDP Network.emulateNetworkConditions takes it (bytes/s).
SLOW_LINK = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
DEMO_ROLES = ("reporter", "signer", "editor", "leader", "admin")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]

_MENU = re.compile(r'<nav class="menu[^"]*"[^>]*>(.*?)</nav>', re.S)
_HREF = re.compile(r'href="(/[^"#?]*)"')
_DETAIL = re.compile(r"^/[a-z-]+/\d+$")
_ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="(/static/[^"]+)"')


def menu_links(html: str) -> list[str]:
    return list(dict.fromkeys(href for menu in _MENU.findall(html) for href in _HREF.findall(menu)))


def first_details(html: str) -> list[str]:
    """The first link of each kind of detail page (/items/12, /editions/3, ...) on a list page."""
    seen = {}
    for href in _HREF.findall(html):
        if _DETAIL.match(href):
            seen.setdefault(href.rsplit("/", 1)[0], href)
    return list(seen.values())


def static_assets(html: str) -> list[str]:
    return _ASSET.findall(html)


def phone_photo(size=(4000, 3000), seed: int = 8) -> bytes:
    """A JPEG of about 4 MB, like a phone camera's: smooth light with sensor noise over it."""
    rng = random.Random(seed)
    small = Image.new("RGB", (size[0] // 40, size[1] // 40))
    small.putdata([(rng.randrange(90, 230), rng.randrange(90, 230), rng.randrange(60, 200))
                   for _ in range(small.width * small.height)])
    image = small.resize(size, Image.BICUBIC)
    noise = Image.effect_noise(size, 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(image, noise, 0.15).save(out, "JPEG", quality=92)
    return out.getvalue()


def launch_chromium(playwright):
    """Debian's chromium package: these machines cannot download Playwright's own browser."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)


class Uploads:
    """WSGI middleware that notes each request's body size: what really travelled to the server."""

    def __init__(self, app):
        self.app, self.sizes = app, []

    def __call__(self, environ, start_response):
        self.sizes.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], int(environ.get("CONTENT_LENGTH") or 0)))
        return self.app(environ, start_response)


@contextmanager
def demo_server(directory):
    """The portal on loopback (Werkzeug, threaded) over a migrated SQLite file holding the demo office;
    yields the server with .url, .portal_app and .uploads."""
    app = create_app({
        "SECRET_KEY": "mobile-test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/portal.db",
        "UPLOAD_FOLDER": f"{directory}/uploads",
        "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    })
    with app.app_context():
        upgrade()
        load_demo(office_today())
        db.session.commit()
        db.session.remove()
    app.wsgi_app = uploads = Uploads(app.wsgi_app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.portal_app, server.uploads = app, uploads
    server.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def menu(page, name: str):
    # A menu entry may carry a count of what waits there (待审签 3, 约稿 2).
    return page.locator("nav.menu").get_by_role("link", name=re.compile(rf"^{name}( \d+)?$"))


def write_item(page, title: str, photo: bytes | None = None) -> None:
    page.get_by_label("标题", exact=True).fill(title)
    page.get_by_label("正文").fill(f"{title}。现场组织人员处置，情况已报告街道，下一步将持续跟进。")
    if photo is not None:
        page.get_by_label("照片", exact=True).set_input_files(
            files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}])


def start_item(page, title: str, photo: bytes | None = None) -> None:
    """A reporter signed in on this page, typing an item into 写信息."""
    sign_in(page, "reporter")
    page.goto("/items/new")
    write_item(page, title, photo)


def shown(locator) -> bool:
    """The locator's element is visible, waited for as a person waits for a page still arriving after a press
    (Playwright's timeout, then its TimeoutError): is_visible() answers at once, and under a loaded machine a
    press's page may not have arrived yet."""
    locator.wait_for(state="visible")
    return True


def press(page, name: str) -> None:
    button = page.get_by_role("button", name=name, exact=True)
    button.wait_for()
    page.wait_for_function("b => !b.disabled", arg=button.element_handle())  # photos may still be shrinking
    button.click()


def measure_slow_link(page, server) -> dict:
    """A reporter on the slow link, from a cold cache: the login page, then from pressing 登录 to a
    usable dashboard, a repeat visit, a text-only draft saved from the item form, and a draft with a
    4 MB phone photo (what travelled is counted by the server)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    received = []
    cdp.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
    cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    figures = {}

    started = time.perf_counter()
    page.goto("/login")
    figures["login_page_seconds"] = time.perf_counter() - started
    page.get_by_label("用户名").fill("reporter")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    started = time.perf_counter()
    page.get_by_role("button", name="登录").click()
    menu(page, "写信息").wait_for()  # the dashboard is usable
    figures["login_seconds"], figures["first_visit_bytes"] = time.perf_counter() - started, sum(received)

    received.clear()
    page.goto("/unit")
    page.wait_for_load_state("load")
    figures["repeat_visit_bytes"] = sum(received)

    started = time.perf_counter()
    menu(page, "写信息").click()
    write_item(page, "慢速网络下的草稿")
    press(page, "保存草稿")
    page.get_by_text("草稿已保存").wait_for()
    figures["draft_seconds"] = time.perf_counter() - started

    menu(page, "写信息").click()
    before = len(server.uploads.sizes)
    started = time.perf_counter()
    write_item(page, "慢速网络下带照片的信息", phone_photo())
    press(page, "保存草稿")
    page.get_by_text("草稿已保存").wait_for()
    figures["photo_seconds"] = time.perf_counter() - started
    figures["photo_upload_bytes"] = max(size for method, _, size in server.uploads.sizes[before:] if method == "POST")
    return figures


DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


def fetch(client, url: str, encoding: str, **headers):
    response = client.get(url, headers={"Accept-Encoding": encoding, **headers}, follow_redirects=True)
    assert response.status_code == 200, url
    body = response.get_data()
    if len(body) >= 500:  # smaller answers are not worth compressing (Flask-Compress's minimum)
        assert response.headers["Content-Encoding"] == encoding, url
    text = DECODE[encoding](body) if response.headers.get("Content-Encoding") else body
    return response, len(body), text.decode("utf-8", "replace")


def signed_in(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def main_pages(client, encoding: str) -> dict[str, tuple[int, str]]:
    """{url: (compressed size, html)} for home, the menus' pages, and one detail page of each kind."""
    _, _, home = fetch(client, client.get("/").headers["Location"], encoding)
    pages = {}
    for url in menu_links(home):
        if url.startswith("/static/"):
            continue
        _, size, html = fetch(client, url, encoding)
        pages[url] = (size, html)
    for url in [detail for _, html in list(pages.values()) for detail in first_details(html)]:
        if url not in pages:
            _, size, html = fetch(client, url, encoding)
            pages[url] = (size, html)
    return pages
