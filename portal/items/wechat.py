"""An adopted item as a 公众号 article (portal.web.wechat): its edited title and text, its photos with
captions, its unit."""
from typing import Callable

from flask import url_for

from ..web.downloads import safe_filename, send_download
from ..web.wechat import Article, Block, Photo, paragraphs_of, photos_zip
from .models import Item
from .photos import photo_path


def photo_url(photo) -> str:
    """A photo's absolute address, for HTML pasted elsewhere (the 公众号 editor)."""
    return url_for("items.photo", photo_id=photo.id, _external=True)


def item_article(item: Item, photo_url: Callable) -> Article:
    photos = [Photo(photo_url(photo), photo.caption or "") for photo in item.photos]
    return Article(item.display_title, [Block("", paragraphs_of(item.display_body), photos, item.unit.name)])


def photo_files(items: list[Item]) -> list[tuple[str, str]]:
    """(name in the archive, stored file) for each photo, numbered in the article's order."""
    photos = [photo for item in items for photo in item.photos]
    return [(safe_filename(f"{number:02d}-{photo.caption or '照片'}.jpg"), photo_path(photo))
            for number, photo in enumerate(photos, start=1)]


def send_photos(items: list[Item], title: str):
    """The items' photos as one .zip download named after the article."""
    return send_download(photos_zip(photo_files(items)), f"{title}-照片.zip", "application/zip")
