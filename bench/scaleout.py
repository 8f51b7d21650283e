"""Benchmark and demonstration (not a test): two application servers behind Debian's nginx, really.

    python bench/scaleout.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_scaleout

Two gunicorn servers (deploy/gunicorn.conf.py, two workers each) on loopback ports, one PostgreSQL
database (the `small` city, 30 units, generated once), one shared upload folder, and nginx with the
deploy/nginx/baosong.conf sample adapted to those ports (plain HTTP on loopback: no certificate here).
Then, and printed as it is shown:
  1. a session started on one server is valid on the other;
  2. a photo uploaded through one server is served, byte for byte, by the other;
  3. the busy-hour mix (bench/locustfile.py) through nginx while reporters file items through nginx;
     halfway one server is killed with SIGKILL (master and workers): every acknowledged filing is in
     the database under the id it was acknowledged with, and the failed requests are the ones in flight
     at the kill (nginx's access log: status, time, upstream);
  4. `flask remind` and `flask refresh-scores` started on both servers at once do their work once
     (portal.jobs): the notices table and the score runs show it.
Everything runs on 127.0.0.1 and stops by itself; nginx and the servers are stopped at the end."""
import argparse
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import date

import requests
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
OUT = os.path.join(HERE, "out", "scaleout")
BIN = os.path.dirname(sys.executable)
PORTS = (int(os.environ.get("SCALEOUT_PORT_A", "8781")), int(os.environ.get("SCALEOUT_PORT_B", "8782")))
NGINX_PORT = int(os.environ.get("SCALEOUT_NGINX_PORT", "8780"))
UNITS = 30
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key"[^>]*value="([^"]+)"')
ITEM_URL = re.compile(r"/items/(\d+)$")
PHOTO_URL = re.compile(r'/photos/(\d+)')
TIMEOUT = 30


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def prepare(database: str) -> None:
    from generate import generate

    from portal import create_app
    from portal.extensions import db
    from portal.scoring.runs import compute_scores

    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "uploads"))
    print("database:", generate(database, "small", date.today().year, if_empty=True))
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": os.path.join(OUT, "uploads")})
    with app.app_context():
        compute_scores()
        db.session.commit()


def server_env(database: str, port: int) -> dict:
    return os.environ | {
        "DATABASE_URL": database, "PORTAL_SECRET_KEY": "scaleout-shared-secret",
        "PORTAL_UPLOAD_FOLDER": os.path.join(OUT, "uploads"), "PORTAL_TRUSTED_PROXIES": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
        "PORTAL_ARGON2_PARAMS": '{"time_cost": 1, "memory_cost": 1024, "parallelism": 1}',
    }


def start_server(database: str, port: int) -> subprocess.Popen:
    log = open(os.path.join(OUT, f"gunicorn-{port}.log"), "w")
    return subprocess.Popen(
        [os.path.join(BIN, "gunicorn"), "-c", os.path.join(ROOT, "deploy", "gunicorn.conf.py"),
         "--pythonpath", ROOT, "wsgi:app"],
        cwd=ROOT, env=server_env(database, port), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def nginx_config() -> str:
    """deploy/nginx/baosong.conf with its upstream pointed at the two servers and its HTTPS server
    turned into a plain one on loopback; its proxying, body limits and static files kept as they are."""
    with open(os.path.join(ROOT, "deploy", "nginx", "baosong.conf")) as sample:
        text = sample.read()
    upstream = re.search(r"upstream baosong_app \{.*?\n\}", text, re.S).group(0)
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n" for port in PORTS)
    upstream = re.sub(r"(?m)^\s*#? ?server .*;\n", "", upstream).replace("{\n", "{\n" + servers, 1)
    body = text[text.index("    # An item form", text.index("listen 443")):]
    body = body.replace("/srv/baosong/portal/static/", os.path.join(ROOT, "portal", "static") + "/")
    temp = os.path.join(OUT, "nginx")
    return f"""# written by bench/scaleout.py from deploy/nginx/baosong.conf
pid {temp}/nginx.pid;
error_log {temp}/error.log;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
    log_format timed '$msec $status $request_method "$upstream_addr" "$request_uri"';
    access_log {temp}/access.log timed;
{upstream}

server {{
    listen 127.0.0.1:{NGINX_PORT};
{body}
}}
"""


def start_nginx() -> subprocess.Popen:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise SystemExit("nginx is missing: apt-get install nginx-light (Debian's)")
    os.makedirs(os.path.join(OUT, "nginx"), exist_ok=True)
    config = os.path.join(OUT, "nginx", "nginx.conf")
    with open(config, "w") as handle:
        handle.write(nginx_config())
    return subprocess.Popen([nginx, "-c", config, "-g", "daemon off;"], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(OUT, "nginx", "stderr.log"), "w"))


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url(port) + "/login", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit(f"nothing answered on port {port}; see {OUT}")


def log_in(port: int, username: str) -> requests.Session:
    client = requests.Session()
    token = TOKEN.search(client.get(url(port) + "/login", timeout=TIMEOUT).text).group(1)
    response = client.post(url(port) + "/login", data={"username": username, "password": "x", "csrf_token": token},
                           allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302 and not response.headers["Location"].endswith("/login"), username
    return client


def file_item(client: requests.Session, port: int, title: str, photo: bytes | None = None,
              form_key: str | None = None) -> tuple[str, int | None]:
    """(form key, item id once acknowledged: a redirect to the item, else None)."""
    try:
        form = client.get(url(port) + "/items/new", timeout=TIMEOUT).text
        form_key = form_key or FORM_KEY.search(form).group(1)
        files = {"photos": ("现场.jpg", photo, "image/jpeg")} if photo else None
        response = client.post(url(port) + "/items/new", allow_redirects=False, timeout=TIMEOUT, files=files, data={
            "csrf_token": TOKEN.search(form).group(1), "form_key": form_key, "title": title, "category": "work",
            "body": "两台服务器之一被强行终止时，已确认的报送应当一条不少。" * 3, "follow_up_of_id": "0",
            "solicitation_id": "0", "intent": "send"})
    except (requests.RequestException, AttributeError):
        return form_key or "", None
    match = ITEM_URL.search(response.headers.get("Location", ""))
    return form_key, int(match.group(1)) if response.status_code == 302 and match else None


def camera_photo() -> bytes:
    image = Image.effect_noise((1200, 900), 40).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def show_sessions_and_photos() -> None:
    client = log_in(PORTS[0], "r1")
    on_other = client.get(url(PORTS[1]) + "/unit", allow_redirects=False, timeout=TIMEOUT)
    print(f"1. session started on :{PORTS[0]}, dashboard on :{PORTS[1]}: HTTP {on_other.status_code}"
          f" ({'valid on both' if on_other.status_code == 200 else 'NOT valid'})")
    _, item_id = file_item(client, PORTS[0], "跨服务器照片测试", camera_photo())
    page = client.get(f"{url(PORTS[1])}/items/{item_id}", timeout=TIMEOUT).text
    photo_id = PHOTO_URL.search(page).group(1)
    through_a = client.get(f"{url(PORTS[0])}/photos/{photo_id}", timeout=TIMEOUT)
    through_b = client.get(f"{url(PORTS[1])}/photos/{photo_id}", timeout=TIMEOUT)
    same = through_b.status_code == 200 and through_b.content == through_a.content
    print(f"2. item {item_id} with a photo filed through :{PORTS[0]}; photo {photo_id} from :{PORTS[1]}: "
          f"HTTP {through_b.status_code}, {len(through_b.content)} bytes, {'the same bytes' if same else 'DIFFERENT'}")


def run_mix_and_kill(database: str, servers: list, duration: int) -> tuple[dict[str, int], float]:
    """The busy-hour mix and four filing reporters through nginx; the first server killed halfway."""
    acknowledged: dict[str, int] = {}
    failed_filings: list[float] = []
    stop = threading.Event()

    def reporter(number: int) -> None:
        client = log_in(NGINX_PORT, f"r{number}")
        sequence = 0
        while not stop.is_set():
            sequence += 1
            key, item_id = file_item(client, NGINX_PORT, f"双服务器报送{number}-{sequence}", form_key=uuid.uuid4().hex)
            if item_id is None:
                failed_filings.append(time.time())
            else:
                acknowledged[key] = item_id

    locust = subprocess.Popen(
        [os.path.join(BIN, "locust"), "-f", os.path.join(HERE, "locustfile.py"), "--headless", "--only-summary",
         "-H", url(NGINX_PORT), "-u", "20", "-r", "10", "--run-time", f"{duration}s", "--stop-timeout", "5",
         "--csv", os.path.join(OUT, "mix"), "--loglevel", "WARNING", "Reporter", "Signer", "Editor"],
        env=os.environ | {"BENCH_PACE": "1", "BENCH_UNITS": str(UNITS)},
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(OUT, "locust.log"), "w"))
    threads = [threading.Thread(target=reporter, args=(number,)) for number in range(2, 6)]
    for thread in threads:
        thread.start()
    time.sleep(duration / 2)
    killed_at = time.time()
    os.killpg(servers[0].pid, signal.SIGKILL)  # master and workers at once: a crash, no shutdown
    servers[0].wait(timeout=TIMEOUT)
    locust.wait(timeout=duration * 3)
    stop.set()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    print(f"3. busy-hour mix through nginx for {duration} s, server :{PORTS[0]} killed (SIGKILL) at {duration / 2:.0f} s;"
          f" {len(acknowledged)} filings acknowledged, {len(failed_filings)} not")
    return acknowledged, killed_at


def check_filings(database: str, acknowledged: dict[str, int]) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT form_key, id FROM items WHERE form_key = ANY(:keys)"),
                                         {"keys": list(acknowledged)}).all())
    engine.dispose()
    lost = {key: item for key, item in acknowledged.items() if stored.get(key) != item}
    print(f"   acknowledged filings in the database under their ids: {len(acknowledged) - len(lost)} of"
          f" {len(acknowledged)}" + (f"; LOST: {lost}" if lost else "; none lost"))


def show_failures(killed_at: float) -> None:
    """Every request nginx answered with an error, by its time from the kill and its upstream."""
    failures, after, retried, total = [], {}, 0, 0
    with open(os.path.join(OUT, "nginx", "access.log")) as log:
        for line in log:
            head, upstreams = line.split('"')[:2]
            stamp, status, method = head.split()
            tried = upstreams.split(", ")  # nginx tried one server, then the other
            total, retried = total + 1, retried + (len(tried) > 1)
            if int(status) >= 500:
                failures.append((float(stamp) - killed_at, status, method, upstreams))
            elif float(stamp) > killed_at + 1:
                after[tried[-1]] = after.get(tried[-1], 0) + 1
    print(f"   nginx answered {total} requests, {len(failures)} with an error:")
    for offset, status, method, upstream in failures:
        print(f"     {offset:+7.2f} s from the kill  {status} {method} upstream {upstream}")
    print(f"   answered from 1 s after the kill on, by server: {after}; {retried} passed on to the other"
          f" server by nginx after a refused connection")


def run_commands_at_once(database: str, command: list[str]) -> list[str]:
    runs = [subprocess.Popen([os.path.join(BIN, "flask"), "--app", "wsgi", *command], cwd=ROOT,
                             env=server_env(database, port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for port in PORTS]
    return [" ".join(run.communicate(timeout=300)[0].split()) for run in runs]


def issue_solicitation(database: str) -> None:
    """A solicitation to every unit due in 20 hours: each unit's members are due a reminder now."""
    from datetime import timedelta

    from sqlalchemy import select

    from portal import create_app
    from portal.auth.models import User
    from portal.extensions import db, utcnow
    from portal.solicitations.models import Solicitation, SolicitationTarget
    from portal.units.models import Unit

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": os.path.join(OUT, "uploads")})
    with app.app_context():
        editor = db.session.scalar(select(User.id).where(User.username == "bench_editor"))
        units = db.session.scalars(select(Unit.id).where(Unit.kind != "office"))
        db.session.add(Solicitation(topic="两台服务器提醒测试", requirements="", deadline=utcnow() + timedelta(hours=20),
                                    issued_by_id=editor, issued_at=utcnow(),
                                    targets=[SolicitationTarget(unit_id=unit) for unit in units]))
        db.session.commit()


def show_commands_once(database: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database)

    def notices() -> tuple[int, int]:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT count(*), count(DISTINCT dedupe_key) FROM notifications WHERE dedupe_key IS NOT NULL")).one()

    issue_solicitation(database)
    before = notices()
    outputs = run_commands_at_once(database, ["remind"])
    after = notices()
    print(f"4. `flask remind` on both servers at once: notices {before[0]} -> {after[0]}"
          f" ({after[1]} distinct reminder keys)")
    for port, output in zip(PORTS, outputs):
        print(f"   :{port}: {output[:160]}")
    outputs = run_commands_at_once(database, ["refresh-scores"])
    with engine.connect() as connection:
        runs = connection.execute(text("SELECT count(*) FROM score_runs")).scalar()
    engine.dispose()
    print(f"   `flask refresh-scores` on both servers at once: {runs} score run stored")
    for port, output in zip(PORTS, outputs):
        print(f"   :{port}: {output[:160]}")


def main(database: str, duration: int) -> None:
    prepare(database)
    processes = []
    try:
        processes.extend(start_server(database, port) for port in PORTS)
        processes.append(start_nginx())
        for port in (*PORTS, NGINX_PORT):
            wait_for(port)
        print(f"servers :{PORTS[0]} and :{PORTS[1]} (gunicorn, 2 workers each) behind nginx :{NGINX_PORT},"
              f" one PostgreSQL, uploads shared in {os.path.join(OUT, 'uploads')}")
        show_sessions_and_photos()
        acknowledged, killed_at = run_mix_and_kill(database, processes, duration)
        check_filings(database, acknowledged)
        show_failures(killed_at)
        show_commands_once(database)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_scaleout")
    parser.add_argument("--duration", type=int, default=40)
    arguments = parser.parse_args()
    sys.path.insert(0, HERE)
    main(arguments.database, arguments.duration)
