"""A real browser against a real server: Debian's Chromium driven by Playwright, the portal served
by Werkzeug in a thread on loopback from a migrated SQLite file holding the demo street office.
Skipped, saying why, where the chromium package or Playwright is missing."""
import os
import shutil
from pathlib import Path

import pytest

from tests import mobile

def pytest_collection_modifyitems(items):
    # One worker takes every browser test under pytest-xdist: one server and one Chromium per run.
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group("browser"))


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("browser tests run in the SQLite pass only (the server needs its own database file)")
    with mobile.demo_server(tmp_path_factory.mktemp("browser")) as server:
        # Screenshots the tests take, to look at: PORTAL_SCREENSHOTS=dir keeps them there.
        server.shots = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
        server.shots.mkdir(parents=True, exist_ok=True)
        yield server


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(mobile.CHROMIUM):
        pytest.skip(f"browser tests skipped: {mobile.CHROMIUM} is missing (apt-get install chromium, or `make test` as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: pip package playwright missing")
    with sync_api.sync_playwright() as playwright:
        browser = mobile.launch_chromium(playwright)
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

