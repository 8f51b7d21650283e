"""The mobile budgets (docs/performance.md) through the test client, over the demo street office: every page reached from
the menus (and the first detail page of each kind linked from them) compressed with brotli and with
gzip, the HTMX fragments, the static files, a first and a repeat visit, and a list thumbnail."""
import io
import re

import pytest

from portal.demo import DEMO_PASSWORD
from tests import mobile
from tests.mobile import fetch, main_pages, signed_in


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_every_main_page_and_fragment_fits_its_budget(demo, encoding):
    measured = 0
    for username in mobile.DEMO_ROLES:
        client = signed_in(demo, username)
        for url, (size, html) in main_pages(client, encoding).items():
            assert size <= mobile.PAGE_HTML, (username, url, size)
            measured += 1
            # The same URL asked by HTMX answers with a fragment where the page has one.
            _, fragment_size, fragment = fetch(client, url, encoding, **{"HX-Request": "true"})
            if "<html" not in fragment:
                assert fragment_size <= mobile.FRAGMENT, (username, url, fragment_size)
    assert measured > 40  # every role's menu was walked, not just a login page


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_static_files_fit_their_budgets_and_are_cached_for_good(demo, encoding):
    client = signed_in(demo, "reporter")
    _, _, html = fetch(client, "/unit", encoding)
    sizes = {"css": 0, "js": 0}
    for url in mobile.static_assets(html):
        assert "?v=" in url, url  # fingerprinted: a changed file gets a new URL
        response, size, text = fetch(client, url, encoding)
        directives = {part.strip() for part in response.headers["Cache-Control"].split(",")}
        assert directives == {"public", "max-age=31536000", "immutable"}, url
        assert "@font-face" not in text  # system fonts only
        sizes[url.split("?")[0].rsplit(".", 1)[1]] += size
    assert 0 < sizes["css"] <= mobile.ALL_CSS and 0 < sizes["js"] <= mobile.ALL_JS, sizes
    stale = client.get(url.split("?")[0] + "?v=0000")
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_pages_are_compressed_but_never_cached(demo):
    client = signed_in(demo, "editor")
    response = client.get("/inbox", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Accept-Encoding" in response.headers["Vary"] and "HX-Request" in response.headers["Vary"]
    plain = client.get("/inbox", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data.startswith(b"<!doctype html>")


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_first_visit_and_repeat_visit_fit(demo, encoding):
    client = demo.test_client()
    _, login_size, login_html = fetch(client, "/login", encoding)
    assets = sum(fetch(client, url, encoding)[1] for url in mobile.static_assets(login_html))
    signed = client.post("/login", data={"username": "reporter", "password": DEMO_PASSWORD})
    _, dashboard_size, dashboard_html = fetch(client, signed.headers["Location"], encoding)
    new_assets = set(mobile.static_assets(dashboard_html)) - set(mobile.static_assets(login_html))
    assets += sum(fetch(client, url, encoding)[1] for url in new_assets)
    assert login_size + assets + dashboard_size <= mobile.FIRST_VISIT
    # Coming back: the static files are still fresh in the cache, only the page travels.
    assert fetch(client, "/unit", encoding)[1] <= mobile.REPEAT_VISIT


def test_a_phone_photo_lists_as_a_small_thumbnail(demo):
    client = signed_in(demo, "reporter")
    response = client.post("/items/new", data={
        "title": "滨河路积水点连夜抽排", "body": "凌晨组织抽排积水，道路已恢复通行。", "category": "work",
        "intent": "save", "photos": [(io.BytesIO(mobile.phone_photo()), "IMG_0001.jpg")],
    }, content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()  # the test client spools a big body to an open file
    assert response.status_code == 302
    _, _, listing = fetch(client, "/items", "br")
    thumbs = re.findall(r'src="(/photos/\d+/thumb)"', listing)
    assert thumbs
    with client.get(thumbs[0]) as thumb:
        assert thumb.mimetype == "image/jpeg" and len(thumb.get_data()) <= mobile.THUMBNAIL
