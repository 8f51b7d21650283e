"""Read a real PDF back with poppler-utils (Debian's poppler-utils, see deploy/apt-packages.txt):
its text, its fonts, where each word sits and the page size. Coordinates are PDF points (1/72 inch)
from the top-left corner of the page; 1 mm = 2.8346 pt."""
import html
import re
import subprocess
from dataclasses import dataclass

MM = 72 / 25.4
A4 = (595.28, 841.89)


def _run(args: list[str], data: bytes) -> str:
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout.decode("utf-8")


def pdf_text(data: bytes) -> str:
    """The text laid out as on the page (pdftotext -layout); pages are separated by a form feed."""
    return _run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], data)


@dataclass(frozen=True)
class PdfFont:
    name: str        # without the subset prefix (ABCDEF+)
    type: str
    embedded: bool
    subset: bool


def pdf_fonts(data: bytes) -> list[PdfFont]:
    """The fonts pdffonts lists: name, type, and whether each is embedded and subset."""
    lines = _run(["pdffonts", "-"], data).splitlines()
    fonts = []
    for line in lines[2:]:  # a header line and a rule
        # name, type (may contain spaces), encoding, emb, sub, uni, object id, generation
        match = re.match(r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
        if match:
            name = match[1].split("+", 1)[-1]
            fonts.append(PdfFont(name, match[2], match[4] == "yes", match[5] == "yes"))
    return fonts


@dataclass(frozen=True)
class WordBox:
    page: int  # 1-based
    word: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


def word_boxes(data: bytes) -> list[WordBox]:
    """Every word (pdftotext -bbox) with its page and box in points."""
    boxes = []
    page = 0
    for line in _run(["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"], data).splitlines():
        if "<page " in line:
            page += 1
            continue
        match = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if match:
            x_min, y_min, x_max, y_max = (float(match[i]) for i in range(1, 5))
            boxes.append(WordBox(page, html.unescape(match[5]), x_min, y_min, x_max, y_max))
    return boxes


def page_count(data: bytes) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", _run(["pdfinfo", "-"], data), re.M)[1])


def page_size(data: bytes, page: int = 1) -> tuple[float, float]:
    """(width, height) of one page in points (A4 portrait: 595.28 × 841.89)."""
    info = _run(["pdfinfo", "-f", str(page), "-l", str(page), "-"], data)
    match = re.search(rf"^Page\s+{page} size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    return float(match[1]), float(match[2])


def line_tops(data: bytes, page: int, x_max: float | None = None) -> list[float]:
    """The distinct tops of the text lines on a page (rounded to 0.1 pt), optionally only of words
    starting left of x_max."""
    tops = {round(box.y_min, 1) for box in word_boxes(data)
            if box.page == page and (x_max is None or box.x_min < x_max)}
    return sorted(tops)


TEXT_BLOCK_BOTTOM = A4[1] - 35 * MM  # GB/T 9704: 35 mm below the text block
TEXT_BLOCK_HEIGHT = 225 * MM


def page_emptiness(data: bytes) -> list[float]:
    """Per page but the last: the share of the text block left empty under its lowest word (page
    numbers below the block are not counted)."""
    boxes = word_boxes(data)
    pages = page_count(data)
    shares = []
    for page in range(1, pages):
        bottom = max((box.y_max for box in boxes if box.page == page and box.y_max < TEXT_BLOCK_BOTTOM), default=0)
        shares.append(round((TEXT_BLOCK_BOTTOM - bottom) / TEXT_BLOCK_HEIGHT, 3))
    return shares


def wide_gaps(data: bytes, char_pt: float = 16, x_max: float | None = None) -> list[tuple[str, str, float]]:
    """Gaps wider than one character between neighbouring words of one line of body text (a justified
    line stretched at a space): (word before, word after, gap in points). Only words at the body size
    count (a word's box is about 1.45 em high): tables and the 版记 are laid out in columns on purpose."""
    lines: dict[tuple[int, float], list[WordBox]] = {}
    for box in word_boxes(data):
        if x_max is None or box.x_max <= x_max:
            lines.setdefault((box.page, round(box.y_min)), []).append(box)
    gaps = []
    for words in lines.values():
        words.sort(key=lambda box: box.x_min)
        for before, after in zip(words, words[1:]):
            gap = after.x_min - before.x_max
            if gap > char_pt and min(after.y_max - after.y_min, before.y_max - before.y_min) > 1.3 * char_pt:
                gaps.append((before.word, after.word, round(gap, 1)))
    return gaps


HALF_WIDTH_IN_CHINESE = re.compile(r"[\u4e00-\u9fff][(),:;?!]|[(),:;?!][\u4e00-\u9fff]")


def half_width_punctuation(text: str) -> list[str]:
    """Half-width brackets, commas, colons … next to a Chinese character: Chinese text takes full-width."""
    return [text[max(match.start() - 6, 0):match.end() + 6] for match in HALF_WIDTH_IN_CHINESE.finditer(text)]
