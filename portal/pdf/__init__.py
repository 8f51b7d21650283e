"""PDFs in the official format (GB/T 9704-2012): HTML + CSS templates under templates/pdf rendered by
WeasyPrint. The only module that imports WeasyPrint.

    data = render_pdf("pdf/some_document.html", **context)
    return send_pdf(data, "某某通报.pdf")

A PDF template extends "pdf/base.html" and may use the macros of "pdf/_official.html" (document_header,
publication_header, title, signature_date, colophon); "pdf/specimen.html" uses all of them.

What a template may load. The renderer never reaches the network or an arbitrary file: its URL fetcher
serves only
  - the app's static files: relative URLs resolve against portal/static/ (base_url), e.g.
    <img src="img/emblem.png">; file: URLs are accepted only inside that folder;
  - the font files found in PDF_FONTS_DIR (default instance/fonts) that the generated @font-face rules
    name (a font there may be a symbolic link to one installed elsewhere);
  - item photos as `photo:<stored_name>` (the re-encoded JPEG that portal.items.photos stored;
    `photo:<stored_name>_t` is its thumbnail). The name must be a stored name, so no path can be formed
    from it. The fetcher does not check who may see a photo: the view that renders the PDF loads the
    items through their permission helper and the template embeds only their photos;
  - data: URLs.
Anything else (http:, https:, ftp:, any other file) raises, and WeasyPrint logs the error
and leaves the resource out: the document still renders.

Fonts. Stacks end with the free fonts Debian ships (fonts-noto-cjk): "Noto Serif CJK SC" for 仿宋, 宋体,
楷体 and the 小标宋 titles, "Noto Sans CJK SC" for 黑体. An office owning licensed fonts drops them into
PDF_FONTS_DIR under their usual file names (仿宋_GB2312.ttf, 方正小标宋简体.ttf, 黑体.ttf, 楷体_GB2312.ttf,
simfang.ttf, …, see FONT_FILES); PDF_FONTS ({file name: role}) names other files. Each file found is
loaded by @font-face and put first in its stack. Only files present are named, because a family that
is not installed would silently resolve to DejaVu. Fonts are never committed to the repository.
"""
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from markupsafe import Markup
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..items.photos import photo_dir

# WeasyPrint turns on Pillow's process-wide acceptance of truncated images when it is imported, which
# would let an upload cut off halfway be stored as a photo grey at the bottom. A document only embeds
# photos the portal stored, each already decoded whole, so the check stays on for everything.
ImageFile.LOAD_TRUNCATED_IMAGES = False
from ..web.downloads import send_download

# The roles a font can play in an official document, their @font-face family name, the free font that
# ends their stack, and whether that free fallback needs bold to look like the role.
ROLES = {
    "fangsong": ("Portal FangSong", "Noto Serif CJK SC"),   # 仿宋: body text (3号)
    "title": ("Portal XiaoBiaoSong", "Noto Serif CJK SC"),  # 小标宋: 版头 and titles
    "heiti": ("Portal HeiTi", "Noto Sans CJK SC"),          # 黑体: 一、 headings, 密级
    "kaiti": ("Portal KaiTi", "Noto Serif CJK SC"),         # 楷体: （一） headings
}

# Well-known file names (lower case, without extension) of the fonts offices buy or already own.
FONT_FILES = {
    "仿宋_gb2312": "fangsong", "仿宋": "fangsong", "fangsong_gb2312": "fangsong", "fangsong": "fangsong",
    "simfang": "fangsong", "方正仿宋_gbk": "fangsong", "方正仿宋简体": "fangsong",
    "方正小标宋简体": "title", "方正小标宋_gbk": "title", "方正小标宋": "title", "fzxbsjw": "title",
    "fzxbsk": "title",
    "黑体": "heiti", "simhei": "heiti", "方正黑体_gbk": "heiti", "方正黑体简体": "heiti",
    "楷体_gb2312": "kaiti", "楷体": "kaiti", "kaiti_gb2312": "kaiti", "kaiti": "kaiti", "simkai": "kaiti",
    "方正楷体_gbk": "kaiti", "方正楷体简体": "kaiti",
}
FONT_EXTENSIONS = (".ttf", ".otf", ".ttc", ".woff", ".woff2")
PHOTO_NAME = re.compile(r"[0-9a-f]{32}(_t)?")


class ResourceRefused(ValueError):
    """A URL a PDF template may not load; WeasyPrint logs it and renders without the resource."""


def fonts_dir() -> Path:
    return Path(current_app.config.get("PDF_FONTS_DIR") or Path(current_app.instance_path) / "fonts")


def _css_string(value: str) -> str:
    # File and family names end up inside a <style> element: keep them from closing the string or the element.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ") + '"'


@dataclass
class FontSetup:
    """The @font-face rules for the licensed fonts found and the font-family stack of each role."""

    faces: list[tuple[str, Path]] = field(default_factory=list)  # (family, resolved font file)
    licensed: set[str] = field(default_factory=set)  # roles with a licensed font

    def stack(self, role: str) -> Markup:
        """A CSS font-family value, safe to print in any template (already quoted for CSS; an .html
        template would otherwise escape its quotes and WeasyPrint would drop the rule)."""
        family, fallback = ROLES[role]
        names = ([family] if role in self.licensed else []) + [fallback]
        # Not user HTML (bandit B704): every name is escaped for CSS and for <style> by _css_string.
        return Markup(", ".join(_css_string(name) for name in names))  # nosec B704

    def font_face_css(self) -> str:
        return "\n".join(f"@font-face {{ font-family: {_css_string(family)}; src: url({_css_string(path.as_uri())}); }}"
                         for family, path in self.faces)


def find_fonts() -> FontSetup:
    """Reads the fonts directory on every render, so fonts dropped in are used without a restart."""
    directory = fonts_dir()
    setup = FontSetup()
    if not directory.is_dir():
        return setup
    known = FONT_FILES | {name.lower(): role for name, role in (current_app.config.get("PDF_FONTS") or {}).items()}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix.lower() not in FONT_EXTENSIONS:
            continue
        role = known.get(path.name.lower()) or known.get(path.stem.lower())
        if role in ROLES and role not in setup.licensed:
            setup.licensed.add(role)
            setup.faces.append((ROLES[role][0], path.resolve()))
    return setup


class PortalFetcher(URLFetcher):
    """Serves the app's static files, the font files found, stored item photos and data: URLs; refuses
    everything else (see the module docstring)."""

    def __init__(self, roots: list[Path], files: list[Path], photos: Path):
        super().__init__(timeout=1, allowed_protocols=("data", "file", "photo"), allow_redirects=False)
        self.roots = [root.resolve() for root in roots]
        self.files = {path.resolve() for path in files}
        self.photos = photos.resolve()

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "photo":
            path = self._photo_path(url)
        elif scheme == "file":
            path = self._file_path(url)
        else:
            raise ResourceRefused(f"PDF resources come only from the portal itself, not {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})

    def _photo_path(self, url: str) -> Path:
        name = url.split(":", 1)[1]
        if not PHOTO_NAME.fullmatch(name):
            raise ResourceRefused(f"not a stored photo name: {url[:200]}")
        path = self.photos / f"{name}.jpg"
        if not path.is_file():
            raise ResourceRefused(f"no such photo: {url[:200]}")
        return path

    def _file_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"not a local file: {url[:200]}")
        # resolve() follows symbolic links and "..", so the check below sees where the file really is.
        path = Path(url2pathname(unquote(parts.path))).resolve()
        allowed = path in self.files or any(path.is_relative_to(root) for root in self.roots)
        if not allowed or not path.is_file():
            raise ResourceRefused(f"neither a static file nor a font found for the PDFs: {url[:200]}")
        return path


def make_fetcher(fonts: FontSetup | None = None) -> PortalFetcher:
    font_files = [path for _family, path in (fonts or find_fonts()).faces]
    return PortalFetcher([Path(current_app.static_folder)], font_files, Path(photo_dir()))


def render_pdf(template_name: str, /, **context) -> bytes:
    """Renders a template under templates/pdf with Flask's render_template (so url_for, filters and the
    current user work as in pages) and returns the PDF's bytes. Called from a view (a request context)."""
    fonts = find_fonts()
    html = render_template(template_name, pdf_fonts=fonts, **context)
    base_url = Path(current_app.static_folder).resolve().as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=make_fetcher(fonts)).write_pdf()


def send_pdf(data: bytes, filename: str, as_attachment: bool = True):
    """The response for a rendered PDF; `filename` may be Chinese and may carry characters a file name
    cannot (see portal.web.downloads)."""
    return send_download(data, filename, "application/pdf", as_attachment)


__all__ = ["FONT_FILES", "ROLES", "ResourceRefused", "find_fonts", "fonts_dir", "make_fetcher", "render_pdf",
           "send_pdf"]
