"""The mobile budgets of issue 8 (compressed bytes on the wire) and the page discovery shared by the
test-client budget tests, the browser tests and bench/mobile.py. Pages are found by following the
menus, so a page added later is measured without anyone listing it here."""
import io
import random
import re

from PIL import Image

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
