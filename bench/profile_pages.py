"""Benchmark (not a test): what each busy-hour page costs in-process, one request at a time.

    python bench/profile_pages.py [--database URL] [--repeat 40] [--profile "dashboard"] [--statements "dashboard"]
                                  [--slowest 10]

Runs the pages of bench/locustfile.py through the real app and Flask's test client (login, CSRF,
compression with the browser's Accept-Encoding: br), on a copy of bench/out/city.db unless --database
names another (a PostgreSQL copy of the city, say). For each page kind: CPU milliseconds of this
process per request (time.process_time: SQLite works in-process, so its share counts; PostgreSQL's
server time does not), wall milliseconds, and SQL statements per request (SQLAlchemy events). CPU time
and statement counts hold on a shared, noisy machine where wall times do not. --profile NAME prints the
cProfile of that page's requests (cumulative, top 25; BENCH_SORT=tottime to sort by own time,
BENCH_FILTER=portal/ for the lines of matching files only);
--statements NAME the SQL statements of that page's last request, one line each. --slowest N the N
statements that took the database longest over all the requests (wall time from sending a statement to its
answer, summed by statement text): a plan that is fine on a test world's few rows and walks a city's shows
here first."""
import argparse
import cProfile
import io
import os
import pstats
import random
import re
import statistics
import sys
import time
from collections import defaultdict

import brotli

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.jobs import refresh_planner_statistics  # noqa: E402

from phone_photo import phone_photo  # noqa: E402  (bench/ is on the path as the script's folder)
from scratch import copy_database  # noqa: E402

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key"[^>]*value="([^"]+)"')
ITEM_LINK = re.compile(r'href="/items/(\d+)"')
OUT = os.path.join(HERE, "out", "profile")
PHOTO = phone_photo()
UNITS_IN_TURN = 60  # the --repeat and the warm-up requests of a first-view kind take a unit each


def _copy_of_city() -> str:
    city = os.path.join(HERE, "out", "city.db")
    if not os.path.exists(city):
        raise SystemExit("bench/out/city.db is missing: python bench/generate.py city --database sqlite:///"
                         + city)
    os.makedirs(OUT, exist_ok=True)
    return copy_database(city, os.path.join(OUT, "profile.db"))


def _text(response) -> str:
    body = response.get_data()
    return (brotli.decompress(body) if response.headers.get("Content-Encoding") == "br" else body).decode()


def _client(app, account: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_ENCODING"] = "br, gzip"
    token = TOKEN.search(_text(client.get("/login"))).group(1)
    response = client.post("/login", data={"username": account, "password": "x", "csrf_token": token})
    assert response.status_code == 302, f"login as {account} failed"
    return client


def _file_item(client, photo: bytes):
    """The locust reporter's filing: the form's key, then the item with one phone photo, sent for signing."""
    form = _text(client.get("/items/new"))
    return client.post("/items/new", data={
        "csrf_token": TOKEN.search(form).group(1), "form_key": FORM_KEY.search(form).group(1),
        "title": "本社区开展防汛工作", "category": "work", "body": "近日，本社区组织开展防汛工作，入户走访群众120余户。" * 5,
        "follow_up_of_id": "0", "solicitation_id": "0", "intent": "send",
        "photos": (io.BytesIO(photo), "photo.jpg", "image/jpeg")})


def _sign_next(client):
    """The signer signs the newest item waiting in the queue (the filings above keep it full)."""
    page = _text(client.get("/signoff"))
    token = TOKEN.search(page).group(1)
    return client.post(f"/items/{ITEM_LINK.findall(page)[0]}/act/sign", data={"csrf_token": token, "comment": ""})


def busy_pages(app, seed: int = 7):
    """(name, client, request) for each page kind of the busy hour, on a unit with work waiting: a
    request is a URL to GET or, for the writes, a callable that makes the request and returns its answer."""
    rng = random.Random(seed)
    reporter, signer, editor = _client(app, "r17"), _client(app, "s17"), _client(app, "bench_editor")
    # Under load a worker seldom drew the same unit's page last: what a unit's pages keep (web.memo) is
    # mostly not there yet. These take each unit in turn, the first view of its page in this process.
    reporters = [_client(app, f"r{unit}") for unit in range(101, 101 + UNITS_IN_TURN)]
    in_turn = {path: iter(reporters) for path in ("/unit", "/scores/mine")}
    listed = editor.get("/inbox?status=adopted")
    item_ids = ITEM_LINK.findall(_text(listed)) if listed.status_code == 200 else []
    inbox_urls = [f"/inbox?status={s}&category={c}" for s in ("submitted", "in_review", "adopted", "")
                  for c in ("work", "brief", "")] + ["/inbox?q=防汛", "/inbox?unit_name=0017&status="]
    return [
        ("dashboard", reporter, lambda: "/unit"),
        ("unit items", reporter, lambda: "/items"),
        ("own score", reporter, lambda: "/scores/mine"),
        ("item form", reporter, lambda: "/items/new"),
        ("sign-off queue", signer, lambda: "/signoff"),
        ("inbox with filters", editor, lambda: rng.choice(inbox_urls)),
        ("item page", editor, lambda: f"/items/{rng.choice(item_ids)}"),
        ("ranking", editor, lambda: "/scores"),
        ("dashboard, first view", lambda: next(in_turn["/unit"]), lambda: "/unit"),
        ("own score, first view", lambda: next(in_turn["/scores/mine"]), lambda: "/scores/mine"),
        ("bare route", reporter, lambda: "/bench/hello"),
        # Writes: each run includes its own page reads (the form, the queue), as the locust tasks do.
        ("file item with photo", reporter, lambda: lambda client: _file_item(client, PHOTO)),
        ("sign item (with queue)", signer, lambda: _sign_next),
    ]


def main(database: str | None, repeat: int, profile: str | None, show: str | None, slowest: int) -> None:
    if repeat + 3 > UNITS_IN_TURN:
        raise SystemExit(f"--repeat at most {UNITS_IN_TURN - 3}: the first views take a unit each")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database or _copy_of_city(), "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": os.path.join(OUT, "uploads"),
                      "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
    app.add_url_rule("/bench/hello", "bench_hello", lambda: "hello")
    from portal.scoring.runs import compute_scores  # after create_app: the blueprints import in order

    statements, last, took, page = [0], [], defaultdict(list), [""]
    with app.app_context():
        upgrade()  # a city generated before the newest migration
        compute_scores()  # pages read stored scores, as they do all day in production
        db.session.commit()
        refresh_planner_statistics()  # as the score timer keeps them (a city generated by older code)
        def count(connection, _cursor, statement, *_args):
            statements[0] += 1
            last.append(" ".join(statement.split()))
            connection.info["bench_sent"] = time.perf_counter()

        def answered(connection, _cursor, statement, *_args):
            took[(page[0], " ".join(statement.split()))].append(time.perf_counter() - connection.info["bench_sent"])
        event.listen(db.engine, "before_cursor_execute", count)
        event.listen(db.engine, "after_cursor_execute", answered)
    print(f"{'page':24s} {'CPU ms':>7s} {'(p90)':>6s} {'wall ms':>8s} {'SQL':>5s}  (median of {repeat}, one at a time)")
    def send(client, url):
        client = client() if callable(client) else client
        target = url()
        return client.get(target) if isinstance(target, str) else target(client)

    for name, client, url in busy_pages(app):
        page[0] = name
        write = not isinstance(url(), str)
        for _ in range(3):  # warm caches (templates, compiled statements)
            send(client, url)
        cpu, wall, counts = [], [], []
        profiler = cProfile.Profile() if name == profile else None
        for _ in range(repeat):
            statements[0] = 0
            last.clear()
            started_cpu, started = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            response = send(client, url)
            if profiler:
                profiler.disable()
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            counts.append(statements[0])
            # A write answers with a redirect to the stored item; a 200 would be its form refused.
            assert response.status_code == (302 if write else 200), (name, response.status_code)
        print(f"{name:24s} {statistics.median(cpu):7.1f} {statistics.quantiles(cpu, n=10)[-1]:6.1f}"
              f" {statistics.median(wall):8.1f} {statistics.median(counts):5.0f}")
        if name == show:
            print("\n".join(f"    {statement[:160]}" for statement in last))
        if profiler:
            # BENCH_FILTER=portal/ keeps the lines whose file matches, e.g. the portal's own functions
            restrictions = [os.environ["BENCH_FILTER"]] if os.environ.get("BENCH_FILTER") else []
            pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(*restrictions, 25)
    if slowest:
        print(f"\nthe {slowest} statements that took the database longest (ms in all, times, ms each; page):")
        ranked = sorted(((sum(waits), len(waits), name, text) for (name, text), waits in took.items()), reverse=True)
        for total, times, name, text in ranked[:slowest]:
            print(f"  {total * 1000:8.1f} {times:5d} {total * 1000 / times:7.2f}  {name}: {text[:150]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--profile")
    parser.add_argument("--statements")
    parser.add_argument("--slowest", type=int, default=0)
    arguments = parser.parse_args()
    main(arguments.database, arguments.repeat, arguments.profile, arguments.statements, arguments.slowest)
