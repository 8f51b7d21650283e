"""The official format, measured on real PDFs read back with poppler: A4, the GB/T 9704 text block and
grid, page numbers, embedded CJK fonts, licensed fonts from the fonts directory, and a URL fetcher that
reaches nothing outside the portal."""
import logging
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from jinja2 import ChoiceLoader, DictLoader

from portal.items.photos import photo_dir
from portal.pdf import find_fonts, render_pdf
from tests.conftest import jpeg_bytes
from tests.pdf_tools import A4, MM, line_tops, page_count, page_size, pdf_fonts, pdf_text, word_boxes

TEXT_TOP = 37 * MM                    # 天头
TEXT_LEFT = 28 * MM                   # 订口
TEXT_RIGHT = A4[0] - 26 * MM          # 28 + 156 mm
TEXT_BOTTOM = A4[1] - 35 * MM         # 37 + 225 mm
PARAGRAPH = "为进一步提高政务信息报送质量，各社区要明确专人负责，做到第一时间掌握情况、第一时间报送信息。"


def render(app, template="pdf/specimen.html", **context) -> bytes:
    with app.test_request_context():
        return render_pdf(template, **context)


@pytest.fixture
def three_pages(app):
    """The specimen 文件 with enough paragraphs for three pages."""
    return render(app, paragraphs=[PARAGRAPH * 2] * 11, signed_by="城南街道办事处", signed_on="2026年3月1日")


def test_specimen_is_a4_with_its_text_and_embedded_simplified_chinese_fonts(three_pages):
    assert page_count(three_pages) == 3
    for page in (1, 2, 3):
        width, height = page_size(three_pages, page)
        assert width == pytest.approx(A4[0], abs=0.5) and height == pytest.approx(A4[1], abs=0.5)
    text = pdf_text(three_pages)
    for words in ("城南街道办事处文件", "城南办发〔2026〕4号", "关于进一步做好政务信息报送工作的通知", "各社区、各科室：",
                  "抄送：区委办，区人大办。", "2026年3月1日印发"):
        assert words in text
    fonts = pdf_fonts(three_pages)
    assert fonts and all(font.embedded for font in fonts)
    # lang="zh-CN" makes Pango pick the SC faces; without it the PDF would carry Noto …CJK JP.
    assert {font.name for font in fonts} >= {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold"}
    assert not [font for font in fonts if "CJK" in font.name and "SC" not in font.name]


def test_text_block_starts_at_37_mm_and_28_mm_and_holds_22_lines(three_pages):
    boxes = word_boxes(three_pages)
    addressee = next(box for box in boxes if box.word == "各社区、各科室：")
    assert addressee.x_min == pytest.approx(TEXT_LEFT, abs=2)
    # Page 2 is a full page of body text: its first line starts at the top of the text block (the
    # glyphs start a little below the line box: half the leading) and 22 lines fill it.
    body = [box for box in boxes if box.page == 2 and box.y_max < TEXT_BOTTOM]
    assert min(box.y_min for box in body) == pytest.approx(TEXT_TOP, abs=4)
    assert min(box.x_min for box in body) == pytest.approx(TEXT_LEFT, abs=2)
    assert max(box.x_max for box in body) <= TEXT_RIGHT + 1
    assert len(line_tops(three_pages, 2, x_max=TEXT_RIGHT)) - 1 == 22  # less the page number's line
    # A full line holds 28 characters.
    full_lines = [box for box in body if box.x_min < TEXT_LEFT + 2 and len(box.word) == 28]
    assert full_lines


def test_page_numbers_alternate_sides_seven_mm_below_the_text_block(three_pages):
    boxes = word_boxes(three_pages)
    for page, side in ((1, "right"), (2, "left"), (3, "right")):
        number = [box for box in boxes if box.page == page and box.y_min > TEXT_BOTTOM]
        assert "".join(box.word for box in number) == f"—{page}—"
        middle = (number[0].y_min + number[0].y_max) / 2
        assert middle == pytest.approx(TEXT_BOTTOM + 7 * MM, abs=3)
        one_character = 14  # 4号
        if side == "right":
            assert number[-1].x_max == pytest.approx(TEXT_RIGHT - one_character, abs=2)
        else:
            assert number[0].x_min == pytest.approx(TEXT_LEFT + one_character, abs=2)


def test_colophon_ends_on_the_text_block_bottom_and_the_date_four_characters_in(three_pages):
    boxes = word_boxes(three_pages)
    printed = next(box for box in boxes if box.word == "2026年3月1日印发")
    assert printed.page == 3
    assert TEXT_BOTTOM - 10 < printed.y_max < TEXT_BOTTOM
    assert printed.x_max == pytest.approx(TEXT_RIGHT - 14, abs=2)
    date = next(box for box in boxes if box.word == "2026年3月1日" and box.y_max < printed.y_min)
    assert date.x_max == pytest.approx(TEXT_RIGHT - 4 * 15.79, abs=2)
    issuer = next(box for box in boxes if box.word == "城南街道办事处")
    assert (issuer.x_min + issuer.x_max) / 2 == pytest.approx((date.x_min + date.x_max) / 2, abs=1)


def test_publication_header_of_the_seed_form(app):
    data = render(app, publication={"name": "城南街道专报信息", "number_text": "第15期",
                                    "compiled_by": "城南街道党政办公室", "date_text": "2026年3月1日",
                                    "print_count": 30},
                  heading="幸福社区开展安全隐患排查", addressee="", colophon_lines=[])
    text = pdf_text(data)
    for words in ("城南街道专报信息", "第15期", "编发：城南街道党政办公室", "共印30份", "2026年3月1日"):
        assert words in text
    boxes = word_boxes(data)
    date = next(box for box in boxes if box.word == "2026年3月1日" and box.y_min < 300)
    assert date.x_max == pytest.approx(TEXT_RIGHT, abs=2)


def fc_file(family: str) -> str:
    return subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=True).stdout


def test_licensed_fonts_in_the_fonts_directory_come_first(app, tmp_path):
    # No licensed font may be committed: a free font copied under a licensed font's file name stands in.
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    shutil.copyfile(fc_file("DejaVu Sans"), fonts / "仿宋_GB2312.ttf")
    (fonts / "readme.txt").write_text("not a font")
    app.config["PDF_FONTS_DIR"] = str(fonts)
    with app.test_request_context():
        setup = find_fonts()
    assert setup.licensed == {"fangsong"}
    assert setup.stack("fangsong") == '"Portal FangSong", "Noto Serif CJK SC"'
    assert setup.stack("heiti") == '"Noto Sans CJK SC"'
    data = render(app, paragraphs=["2026年第1季度共报送信息128条。"])
    names = {font.name for font in pdf_fonts(data) if font.embedded}
    # Latin letters and digits come from the stand-in, the Chinese it lacks from Noto.
    assert "Portal-FangSong" in names and "Noto-Serif-CJK-SC" in names


class CountingHandler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        CountingHandler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        self.wfile.write(jpeg_bytes((20, 20)))

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    CountingHandler.requests = []
    server = HTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def with_template(app, name: str, source: str) -> None:
    app.jinja_env.loader = ChoiceLoader([DictLoader({name: source}), app.jinja_env.loader])


def image_count(data: bytes) -> int:
    listing = subprocess.run(["pdfimages", "-list", "-"], input=data, capture_output=True, check=True).stdout
    # After a header line and a rule, one row per image; an alpha channel adds an "smask" row.
    return sum(1 for line in listing.decode().splitlines()[2:] if line.split()[2] == "image")


def test_fetcher_refuses_everything_outside_the_portal(app, tmp_path, http_server, caplog):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(jpeg_bytes((20, 20)))
    outside = [f"{http_server}/x.jpg", "file:///etc/passwd", secret.as_uri(), "../../../../../etc/passwd",
               "photo:../../secret", "photo:" + "0" * 32, "ftp://127.0.0.1/x.jpg"]
    images = "".join(f'<img src="{url}">' for url in outside)
    css = f"<style>@import url('{http_server}/x.css'); body {{ background: url('{http_server}/bg.jpg') }}</style>"
    with_template(app, "pdf/test_refused.html",
                  '{% extends "pdf/base.html" %}{% block content %}' + css + images + "<p>仍然生成</p>{% endblock %}")
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        data = render(app, "pdf/test_refused.html")
    assert "仍然生成" in pdf_text(data)
    assert CountingHandler.requests == []
    assert image_count(data) == 0
    refusals = [record.getMessage() for record in caplog.records if "ResourceRefused" in record.getMessage()]
    assert len(refusals) >= len(outside)


def test_fetcher_serves_stored_photos_and_data_urls(app):
    name = os.urandom(16).hex()
    with app.test_request_context(), open(os.path.join(photo_dir(), f"{name}.jpg"), "wb") as handle:
        handle.write(jpeg_bytes((40, 30)))
    pixel = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
             "hQGAhKmMIQAAAABJRU5ErkJggg==")
    with_template(app, "pdf/test_photo.html", '{% extends "pdf/base.html" %}{% block content %}'
                  f'<img src="photo:{name}"><img src="{pixel}"><p>现场照片</p>{{% endblock %}}')
    data = render(app, "pdf/test_photo.html")
    assert image_count(data) == 2
