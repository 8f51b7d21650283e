"""Benchmark (not a test): the city under gunicorn on loopback, driven by locust (bench/locustfile.py).

    python bench/load.py [--duration 60] [--step 20] [--postgresql URL]

Copies bench/out/city.db (generated first if missing) to bench/out/load/ (or generates the city once
into the PostgreSQL database --postgresql names), stores fresh scores, starts
gunicorn (deploy/gunicorn.conf.py, bench/wsgi_bench.py, two workers per core) on 127.0.0.1, then:
  1. the busiest hour before a weekly deadline at a fixed ~50 requests/s for --duration seconds;
  2. a ramp of users who send as fast as they are answered, --step seconds a step, to find the
     saturation throughput;
  3. /bench/hello alone, as fast as it is answered: the framework's own limit in the same server.
Prints p50/p95/p99 per page, errors and the achieved rate, the CPU each kind of request cost its worker
(bench/wsgi_bench.py), the saturation throughput as a ratio of the bare route's and the last step's share
of the best; stops gunicorn and exits by itself.
Target: p95 < 100 ms for dashboard, inbox with filters, item page and ranking at 50 req/s."""
import argparse
import csv
import glob
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
OUT = os.path.join(HERE, "out", "load")
BIN = os.path.dirname(sys.executable)
PORT = int(os.environ.get("BENCH_PORT", "8765"))
HOST = f"http://127.0.0.1:{PORT}"
WORKERS = 2 * (os.cpu_count() or 1)
# Users at one task a second; a task is one request but for the rare filing (two), so ~50 req/s.
FIXED_USERS = 50
RAMP = (2, 4, 8, 16)
TARGETED = ("dashboard", "inbox with filters", "item page", "ranking")


def prepare(postgresql: str | None) -> str:
    """The database URL: a fresh copy of the SQLite city, or the city generated once into the given
    PostgreSQL database (its filings from earlier runs stay: a few thousand among 48,000 items)."""
    from flask_migrate import upgrade
    from generate import generate

    from portal import create_app
    from portal.extensions import db
    from portal.scoring.runs import compute_scores

    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "uploads"))
    if postgresql:
        print("city in PostgreSQL:", generate(postgresql, "city", date.today().year, if_empty=True))
        url = postgresql
    else:
        city = os.path.join(HERE, "out", "city.db")
        if not os.path.exists(city):
            print("generating:", generate("sqlite:///" + city, "city", date.today().year))
        url = "sqlite:///" + os.path.join(OUT, "load.db")
        shutil.copy(city, url.removeprefix("sqlite:///"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": os.path.join(OUT, "uploads")})
    with app.app_context():
        upgrade()  # a city generated before the newest migration
        compute_scores()  # pages read stored scores, as they do all day in production
        db.session.commit()
    return url


def start_server(database: str) -> subprocess.Popen:
    env = os.environ | {
        "DATABASE_URL": database, "PORTAL_SECRET_KEY": "bench", "BENCH_CPU_LOG": os.path.join(OUT, "cpu"),
        "PORTAL_UPLOAD_FOLDER": os.path.join(OUT, "uploads"), "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_WORKERS": str(WORKERS),
        # Sessions start with a login; argon2 at production strength would make the first seconds of each
        # phase a queue of logins, which is not what the busiest hour measures (the pages are).
        "PORTAL_ARGON2_PARAMS": '{"time_cost": 1, "memory_cost": 1024, "parallelism": 1}',
    }
    log = open(os.path.join(OUT, "gunicorn.log"), "w")
    server = subprocess.Popen(
        [os.path.join(BIN, "gunicorn"), "-c", os.path.join(ROOT, "deploy", "gunicorn.conf.py"),
         "--pythonpath", f"{ROOT},{HERE}", "wsgi_bench:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    for _ in range(60):
        try:
            urllib.request.urlopen(HOST + "/bench/hello", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer; see " + os.path.join(OUT, "gunicorn.log"))


LOCUST_CPU = {"last": 0.0}  # CPU seconds of the last locust run (it shares the cores with the server)


def run_locust(name: str, users: int, seconds: int, pace: float, classes: list[str]) -> dict[str, dict]:
    prefix = os.path.join(OUT, name)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [os.path.join(BIN, "locust"), "-f", os.path.join(HERE, "locustfile.py"), "--headless", "--only-summary",
         "-H", HOST, "-u", str(users), "-r", str(min(users, 10)), "--run-time", f"{seconds}s", "--stop-timeout", "5",
         "--csv", prefix, "--loglevel", "WARNING", *classes],
        env=os.environ | {"BENCH_PACE": str(pace)}, check=False, stdout=subprocess.DEVNULL,
        stderr=open(prefix + ".log", "w"),
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LOCUST_CPU["last"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    with open(prefix + "_stats.csv", newline="") as stats:
        return {row["Name"]: row for row in csv.DictReader(stats)}


SESSION = {"login", "home", "Aggregated"}  # starting a session, not part of the hour's work


def pages_total(rows: dict[str, dict], seconds: int) -> tuple[int, int, float]:
    """Requests and errors on the pages (logins left out) and the rate they were answered at."""
    pages = [row for name, row in rows.items() if name not in SESSION]
    count = sum(int(row["Request Count"]) for row in pages)
    return count, sum(int(row["Failure Count"]) for row in pages), count / seconds


def show(title: str, rows: dict[str, dict], seconds: int) -> None:
    count, errors, rate = pages_total(rows, seconds)
    print(f"\n{title}: {count} page requests, {errors} errors, {rate:.1f} req/s achieved")
    print(f"  {'page':24s} {'requests':>8s} {'errors':>6s} {'p50':>6s} {'p95':>6s} {'p99':>6s}  (ms)")
    for name, row in rows.items():
        if name not in SESSION:
            print(f"  {name:24s} {row['Request Count']:>8s} {row['Failure Count']:>6s}"
                  f" {row['50%']:>6s} {row['95%']:>6s} {row['99%']:>6s}" + ("  target p95 < 100" if name in TARGETED else ""))


def read_cpu() -> dict[str, list[tuple[float, float, float]]]:
    """(CPU, wall, write-lock wait) seconds per request by "METHOD endpoint", from every worker's log
    (bench/wsgi_bench.py); the logs are emptied."""
    seconds: dict[str, list[tuple[float, float, float]]] = {}
    for path in glob.glob(os.path.join(OUT, "cpu.*")):
        with open(path) as log:
            for line in log:
                method, endpoint, *figures = line.split()
                seconds.setdefault(f"{method} {endpoint}", []).append(tuple(map(float, figures)))
        os.remove(path)
    return seconds


def show_cpu(seconds: dict[str, list[tuple[float, float, float]]]) -> None:
    print(f"  {'request (method endpoint)':28s} {'count':>6s} {'CPU ms':>7s} {'median':>7s} {'wall ms':>8s}"
          f" {'lock wait ms':>12s}  (means in the worker; wall includes waiting for a core)")
    for name, values in sorted(seconds.items(), key=lambda entry: -len(entry[1])):
        cpu, wall, lock = zip(*values)
        print(f"  {name:28s} {len(values):6d} {statistics.mean(cpu) * 1000:7.1f} {statistics.median(cpu) * 1000:7.1f}"
              f" {statistics.mean(wall) * 1000:8.1f} {statistics.mean(lock) * 1000:12.1f}")


def main(duration: int, step: int, postgresql: str | None) -> None:
    database = prepare(postgresql)
    server = start_server(database)
    try:
        print(f"gunicorn: {WORKERS} sync workers on {os.cpu_count()} cores, the city on "
              f"{'PostgreSQL' if postgresql else 'a SQLite copy'}; locust on the same machine")
        read_cpu()  # the warm-up request
        fixed = run_locust("fixed", FIXED_USERS, duration, 1, ["Reporter", "Signer", "Editor"])
        show(f"busiest hour at a fixed pace, {FIXED_USERS} users, {duration} s", fixed, duration)
        print("\nCPU per request at the fixed pace:")
        show_cpu(read_cpu())
        print("\nramp, users sending as fast as they are answered:")
        rates = {}
        for users in RAMP:
            rows = run_locust(f"ramp-{users}", users, step, 0, ["Reporter", "Signer", "Editor"])
            count, errors, rates[users] = pages_total(rows, step)
            print(f"  {users:3d} users  {rates[users]:6.1f} req/s  p95 {rows['Aggregated']['95%']:>5s} ms  errors {errors}")
            steps = read_cpu()
            every = [figures for values in steps.values() for figures in values]
            waits = sorted(((sum(f[2] for f in values), name) for name, values in steps.items()), reverse=True)[:3]
            print(f"              locust: CPU {LOCUST_CPU['last']:5.1f} s; server: CPU {sum(f[0] for f in every):5.1f} s,"
                  f" wall {sum(f[1] for f in every):5.1f} s,"
                  f" write-lock wait {sum(f[2] for f in every):5.1f} s (most: "
                  + ", ".join(f"{name} {wait:.1f} s" for wait, name in waits) + ")")
        saturation = max(rates.values())
        hello = run_locust("hello", RAMP[-1], step, 0, ["HelloUser"])
        hello_rate = pages_total(hello, step)[2]
        print(f"\nhello route: {hello_rate:.1f} req/s, p50 {hello['hello']['50%']} ms, p95 {hello['hello']['95%']} ms;"
              f" the page mix at saturation: {saturation:.1f} req/s, ratio {saturation / hello_rate:.2f} (target >= 0.3);"
              f" at {RAMP[-1]} users {rates[RAMP[-1]] * 100 / saturation:.0f} % of the best step (target >= 90 %)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--step", type=int, default=20)
    parser.add_argument("--postgresql", metavar="URL", help="a PostgreSQL database of its own for the city (made once)")
    arguments = parser.parse_args()
    main(arguments.duration, arguments.step, arguments.postgresql)
