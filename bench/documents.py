"""Benchmark (not a test): the official documents as PDFs, through the real routes.

    python bench/documents.py            # generates bench/out/city.db first if it is missing

Targets, on the 2-core reference machine:
  - the yearly bulletin (通报) for the city's 300 units: under 3 s (timed as rendered at publishing;
    its downloads are the stored bytes);
  - an edition (刊物) of 10 items with photos: under 1.5 s.
Every official document is left in bench/out/ (git-ignored) to be opened, as PDF and as Word: bulletin-year,
edition, notice (约稿通知单), roster (信息员统计表) .pdf/.docx, and the first page of each PDF as a PNG
(pdftoppm, 60 dpi: what docs/documents/ shows). Memory: the process's peak resident set after each
document (WeasyPrint's layout dominates it)."""
import io
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from generate import generate  # noqa: E402
from scratch import copy_database  # noqa: E402
from PIL import Image  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.datastructures import FileStorage  # noqa: E402

from portal import create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402
from portal.bulletins.documents import render_bulletin_pdf  # noqa: E402
from portal.bulletins.models import Bulletin  # noqa: E402
from portal.bulletins.services import create_bulletin, freeze_bulletin, resolve_window  # noqa: E402
from portal.editions.services import (  # noqa: E402
    add_items,
    create_edition,
    list_candidate_items,
    list_publications,
    lock_edition,  # noqa: E402
)
from portal.extensions import db  # noqa: E402
from tests.photo_tools import store_photo  # noqa: E402
from portal.solicitations.models import Solicitation  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
REPEAT = 3


def timed(function, repeat: int = REPEAT) -> tuple[float, float, object]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), max(samples), result


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def photo_upload(seed: int) -> FileStorage:
    """A phone-sized photo with real detail (noise compresses like a photograph, a flat colour would not)."""
    rng = random.Random(seed)
    image = Image.effect_noise((1600, 1200), 60).convert("RGB")
    image.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (0, 0, 1600, 300))
    data = io.BytesIO()
    image.save(data, "JPEG", quality=85)
    return FileStorage(io.BytesIO(data.getvalue()), filename=f"现场{seed}.jpg")


def build_edition(app, editor: User) -> int:
    """A locked edition of 10 adopted items, one photo each."""
    with app.test_request_context(method="POST"):
        edition = create_edition(editor, list_publications(active_only=True)[0], date.today())
        items = list_candidate_items(edition, limit=10)
        for index, item in enumerate(items):
            store_photo(photo_upload(index), item.author_id, item.form_key, item.id, len(item.photos))
        add_items(editor, edition, [item.id for item in items], "")
        lock_edition(editor, edition)
        db.session.commit()
        return edition.id


def build_yearly_bulletin(editor: User) -> tuple[int, float]:
    """The yearly bulletin of the scoring period ending this year, published: figured once from the
    ledger and frozen (timed: the editor waits for it once), then rendered from its snapshot."""
    window = resolve_window("year", date.today().year, None)
    bulletin = create_bulletin(editor, window)
    after_end = datetime.combine(window.last + timedelta(days=2), datetime.min.time(), timezone.utc)
    started = time.perf_counter()
    freeze_bulletin(editor, bulletin, now=after_end)
    db.session.commit()
    return bulletin.id, time.perf_counter() - started


def page_count(data: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "city.db")
    if not os.path.exists(path):
        print("generating:", generate("sqlite:///" + path, "city", date.today().year))
    # Work on a copy: the edition and the published bulletin it adds would stop a second run.
    database = copy_database(path, os.path.join(OUT, "documents.db"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "UPLOAD_FOLDER": os.path.join(OUT, "uploads"), "SCORE_MAX_AGE_MINUTES": 10_000,
                      "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
    with app.app_context():
        upgrade()  # a city.db generated before the editions and bulletins migrations
        editor = db.session.scalar(select(User).where(User.username == "bench_editor"))
        edition_id = build_edition(app, editor)
        bulletin_id, figuring = build_yearly_bulletin(editor)
    client = app.test_client()
    client.post("/login", data={"username": "bench_editor", "password": "x"})
    print(f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'yearly bulletin: figures frozen (once)':40s} {figuring:5.2f} s")
    with app.test_request_context():
        doc = db.session.get(Bulletin, bulletin_id).frozen
        render_bulletin_pdf(doc)  # warm: fonts loaded, templates compiled
        median, worst, data = timed(lambda: render_bulletin_pdf(doc))
    report("yearly bulletin, 300 units (at publishing)", median, worst, 3.0, data, "bulletin-year.pdf")
    url = f"/editions/{edition_id}.pdf"
    client.get(url)
    median, worst, response = timed(lambda: client.get(url))
    assert response.status_code == 200 and response.mimetype == "application/pdf", (url, response.status_code)
    report("edition, 10 items with photos", median, worst, 1.5, response.get_data(), "edition.pdf")
    with app.app_context():
        solicitation_id = db.session.scalar(select(Solicitation.id).order_by(Solicitation.id.desc()).limit(1))
    documents = {
        "bulletin-year": f"/bulletins/{bulletin_id}", "edition": f"/editions/{edition_id}",
        "notice": f"/solicitations/{solicitation_id}/print", "roster": "/roster/export",
    }
    for name, path in documents.items():
        for extension in ("pdf", "docx"):
            started = time.perf_counter()
            response = client.get(f"{path}.{extension}")
            took = time.perf_counter() - started
            assert response.status_code == 200, (path, extension, response.status_code)
            with open(os.path.join(OUT, f"{name}.{extension}"), "wb") as out:
                out.write(response.get_data())
            print(f"{name + '.' + extension:40s} {took:5.2f} s  {len(response.get_data()) / 1024:6.0f} KB")
        subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-singlefile", "-png",
                        os.path.join(OUT, f"{name}.pdf"), os.path.join(OUT, f"{name}-page1")], check=True)
    print("first pages: bench/out/*-page1.png (copy them to docs/documents/ when the layout changes)")


def report(label: str, median: float, worst: float, target: float, data: bytes, filename: str) -> None:
    with open(os.path.join(OUT, filename), "wb") as out:
        out.write(data)
    print(f"{label:40s} median {median:5.2f} s  max {worst:5.2f} s  target < {target} s  "
          f"{len(data) / 1024:6.0f} KB {page_count(data)} pages  peak RSS {peak_mb():5.0f} MB  -> bench/out/{filename}")


if __name__ == "__main__":
    main()
