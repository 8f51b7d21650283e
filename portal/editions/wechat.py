"""An edition as one 公众号 article (portal.web.wechat): its masthead and number as the title, the 编者按,
then each item under its 栏目 with its headline, text, photos and unit, as the PDF prints them."""
from typing import Callable

from ..web.wechat import Article, Block, Photo, paragraphs_of
from .services import describe_number, entry_body, entry_unit_name, group_entries, masthead_of


def edition_article(edition, photo_url: Callable) -> Article:
    blocks = []
    if edition.editor_note:
        blocks.append(Block("", [f"编者按：{edition.editor_note}"]))
    for group in group_entries(edition):
        for index, entry in enumerate(group.entries):
            photos = [Photo(photo_url(photo), photo.caption or "") for photo in entry.item.photos]
            blocks.append(Block(entry.headline, paragraphs_of(entry_body(entry)), photos, entry_unit_name(entry),
                                group.name if index == 0 else ""))
    return Article(f"{masthead_of(edition.publication)} {describe_number(edition)}", blocks)
