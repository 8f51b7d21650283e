"""The phone screenshots in docs/user-guide.zh.md (not a test): the demo street office in Debian's Chromium.

    python bench/screenshots.py            # or: make screenshots

Signs each demo role in on a phone-sized page (390×844, zh-CN), saves the first screen after login and
the pages the guide shows, one viewport each, as palette PNGs in docs/images/ (each well under 80 KB)."""
import io
import logging
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests import mobile  # noqa: E402
from tests.browser.conftest import PHONE  # noqa: E402

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
LIMIT = 80 * 1024
# Each role's first screen is "<role>-home.png" (the editor's is the inbox, 信息处理); the pages after it are
# (file name, path, the element scrolled to the top of the screen or None).
SHOTS = {
    "reporter": [("reporter-item-form", "/items/new", None),
                 ("reporter-scores", "/scores/mine", "main h1")],  # the figures and the chart under them
    "signer": [("signer-signoff", "/signoff", None)],
    "supervisor": [],
    "editor": [("editor-ranking", "/scores", None)],
    "leader": [],
    "admin": [],
}


def compressed(png: bytes) -> bytes:
    """The screenshot as a 256-colour palette PNG: screens are flat colours and text, so nothing visible is lost."""
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def save(page, name: str, top: str | None = None) -> None:
    page.wait_for_load_state("networkidle")
    if top:
        page.locator(top).first.evaluate("element => window.scrollTo(0, element.getBoundingClientRect().top"
                                         " + window.scrollY - 8)")
    data = compressed(page.screenshot())
    path = IMAGES / f"{name}.png"
    path.write_bytes(data)
    flag = "" if len(data) <= LIMIT else f"  over {LIMIT // 1024} KB"
    print(f"{path.relative_to(IMAGES.parent.parent)}  {len(data) / 1024:.0f} KB{flag}")


def main() -> None:
    logging.disable(logging.INFO)  # the migrations' and the server's log would bury the list of files
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory, mobile.demo_server(directory) as server, \
            sync_playwright() as playwright:
        browser = mobile.launch_chromium(playwright)
        for username, pages in SHOTS.items():
            context = browser.new_context(base_url=server.url, **PHONE)
            page = context.new_page()
            mobile.sign_in(page, username)
            save(page, f"{username}-home")
            for name, path, top in pages:
                page.goto(path)
                save(page, name, top)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
