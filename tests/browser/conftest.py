"""A real browser against a real server: Debian's Chromium driven by Playwright, the portal served
by Werkzeug in a thread on loopback from a migrated SQLite file holding the demo street office.
Skipped, saying why, where the chromium package or Playwright is missing."""
import os
import shutil
import threading
from datetime import datetime, timezone

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from portal import create_app
from portal.demo import DEMO_PASSWORD, load_demo
from portal.extensions import db
from portal.web.filters import to_local

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


class Uploads:
    """WSGI middleware that notes each request's body size: what really travelled to the server."""

    def __init__(self, app):
        self.app, self.sizes = app, []

    def __call__(self, environ, start_response):
        self.sizes.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], int(environ.get("CONTENT_LENGTH") or 0)))
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("browser tests run in the SQLite pass only (the server needs its own database file)")
    tmp = tmp_path_factory.mktemp("browser")
    app = create_app({
        "SECRET_KEY": "browser-test-secret",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp / "portal.db"),
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    })
    with app.app_context():
        upgrade()
        load_demo(to_local(datetime.now(timezone.utc)).date())
        db.session.commit()
        db.session.remove()
    uploads = Uploads(app.wsgi_app)
    app.wsgi_app = uploads
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.portal_app, server.uploads = app, uploads
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"browser tests skipped: {CHROMIUM} is missing (apt-get install chromium, or run `make test` as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: pip package playwright missing")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, live_server):
    """Opens a phone-sized page; phone(javascript=False) for one with scripts off."""
    contexts = []

    def open_page(javascript: bool = True):
        context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript, **PHONE)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
