"""The portal as gunicorn serves it in production, plus one bench-only route, /bench/hello: a bare
Flask view in the same app and server run (the app's request hooks, no database, no template), the
framework's own limit that bench/load.py compares the real pages with. Never deployed.

With BENCH_CPU_LOG set, each worker appends one line per request to BENCH_CPU_LOG.<pid>: method, endpoint
the CPU seconds the worker spent on it (a sync worker serves one request at a time, so its process
time across the request is that request's), its wall seconds in the worker and the seconds it waited
for SQLite's write lock; bench/load.py sums them per page kind."""
import os
import time

from flask import g, request
from sqlalchemy import event

from portal import create_app
from portal.extensions import db

app = create_app()
CPU_LOG = os.environ.get("BENCH_CPU_LOG")


@app.get("/bench/hello")
def hello():
    return "hello"


if CPU_LOG:
    _waits = {"lock": 0.0}

    def _cpu_start():
        g.bench_cpu, g.bench_wall, _waits["lock"] = time.process_time(), time.perf_counter(), 0.0

    app.before_request_funcs.setdefault(None, []).insert(0, _cpu_start)  # before the login check

    with app.app_context():
        @event.listens_for(db.engine, "before_cursor_execute")
        def _statement_start(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_started"] = time.perf_counter()

        @event.listens_for(db.engine, "after_cursor_execute")
        def _statement_end(conn, cursor, statement, parameters, context, executemany):
            # SQLite's writers queue in BEGIN IMMEDIATE (portal.extensions.configure_sqlite): its time is
            # the wait for the write lock.
            if statement.startswith("BEGIN IMMEDIATE"):
                _waits["lock"] += time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())

    @app.teardown_request
    def _cpu_end(_error):
        if "bench_cpu" in g:
            with open(f"{CPU_LOG}.{os.getpid()}", "a") as log:
                log.write(f"{request.method} {request.endpoint} {time.process_time() - g.bench_cpu:.6f}"
                          f" {time.perf_counter() - g.bench_wall:.6f} {_waits['lock']:.6f}\n")
