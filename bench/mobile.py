"""Benchmark (not a test): the figures for a phone on a slow link, over the demo street office.

    python bench/mobile.py

Prints each main page's compressed size (brotli and gzip, the largest over the roles that see it),
the first and repeat visit totals and the slow-link timings measured in Debian's Chromium (400 kbps
both ways, 400 ms round trip). The budgets are in tests/mobile.py; the tests assert them."""
import os
import platform
import sys
import tempfile
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests import mobile  # noqa: E402


def page_sizes(app) -> dict[str, dict[str, int]]:
    sizes: dict[str, dict[str, int]] = {}
    app.config["WTF_CSRF_ENABLED"] = False  # the test client signs in without reading a token first
    for username in mobile.DEMO_ROLES:
        for encoding in ("br", "gzip"):
            client = mobile.signed_in(app, username)
            for url, (size, _) in mobile.main_pages(client, encoding).items():
                row = sizes.setdefault(url, {"br": 0, "gzip": 0})
                row[encoding] = max(row[encoding], size)
    app.config["WTF_CSRF_ENABLED"] = True
    return sizes


def main() -> None:
    with tempfile.TemporaryDirectory() as directory, mobile.demo_server(directory) as server:
        sizes = page_sizes(server.portal_app)
        with sync_playwright() as playwright:
            browser = mobile.launch_chromium(playwright)
            context = browser.new_context(base_url=server.url, viewport={"width": 390, "height": 844},
                                          is_mobile=True, has_touch=True)
            figures = mobile.measure_slow_link(context.new_page(), server)
            browser.close()
    print(f"Mobile figures, {date.today().isoformat()}, {platform.node()} ({os.cpu_count()} cores)\n")
    print("| Page | brotli | gzip |\n|---|---:|---:|")
    for url, row in sorted(sizes.items()):
        print(f"| `{url}` | {row['br'] / 1024:.1f} KB | {row['gzip'] / 1024:.1f} KB |")
    print(f"\nBudget per page: {mobile.PAGE_HTML // 1024} KB.\n")
    print("| On the slow link (400 kbps, 400 ms RTT) | Measured | Budget |\n|---|---:|---:|")
    print(f"| First visit, login page + dashboard, bytes | {figures['first_visit_bytes'] / 1024:.1f} KB "
          f"| {mobile.FIRST_VISIT // 1024} KB |")
    print(f"| Repeat visit to the dashboard, bytes | {figures['repeat_visit_bytes'] / 1024:.1f} KB "
          f"| {mobile.REPEAT_VISIT // 1024} KB |")
    print(f"| Opening the login page (cold cache) | {figures['login_page_seconds']:.2f} s | — |")
    print(f"| Pressing 登录 to a usable dashboard | {figures['login_seconds']:.2f} s | {mobile.SLOW_SECONDS:.0f} s |")
    print(f"| Open item form, type, saved text-only draft | {figures['draft_seconds']:.2f} s "
          f"| {mobile.SLOW_SECONDS:.0f} s |")
    print(f"| 4 MB phone photo: bytes uploaded | {figures['photo_upload_bytes'] / 1024:.0f} KB "
          f"| {mobile.PHOTO_UPLOAD // 1024} KB |")
    print(f"| 4 MB phone photo: form to saved draft | {figures['photo_seconds']:.2f} s | — |")


if __name__ == "__main__":
    main()
