"""Benchmark (not a test): full scoring, the incremental update after one adoption, and the office's
heaviest pages on a generated database, by default the province on PostgreSQL.

    python bench/generate.py province --database postgresql+psycopg://postgres@127.0.0.1/bench_province
    python bench/score_province.py [--database URL]

Targets (province on PostgreSQL): scoring the whole year < 30 s; updating after one new
adoption < 1 s (incremental: the unit re-scored, ranks follow); inbox filtering and the ranking page
< 200 ms p95. Pages go through the real app in-process (the test client): server time without HTTP."""
import argparse
import os
import platform
import statistics
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.items.models import Item  # noqa: E402
from portal.scoring.adoptions import record_adoption  # noqa: E402
from portal.scoring.models import Adoption, UnitScore  # noqa: E402
from portal.scoring.periods import get_active_rule_set  # noqa: E402
from portal.scoring.runs import compute_scores, current_run  # noqa: E402
from portal.units.models import Unit  # noqa: E402

DEFAULT = "postgresql+psycopg://postgres@127.0.0.1/bench_province"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms  max {ordered[-1] * 1000:8.1f} ms"


def timed(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def main(database: str, repeat: int, full_runs: int, page_repeat: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "UPLOAD_FOLDER": os.path.join(OUT, "uploads"), "SCORE_MAX_AGE_MINUTES": 10_000})
    print(f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}, {database}")
    with app.app_context():
        items = db.session.scalar(select(func.count(Item.id)))
        print(f"dataset: {items} items, {db.session.scalar(select(func.count(Adoption.id)))} adoptions")

        def full_run():
            compute_scores()
            db.session.commit()

        if full_runs:
            print(f"score + store, whole year         {percentiles(timed(full_run, full_runs))}  target < 30 s")
        rule_set = get_active_rule_set()
        # submitted in the period and never adopted (earlier runs of this script adopt some): adopting one is
        # the everyday change
        candidates = db.session.execute(
            select(Item.id, Item.unit_id).where(Item.status == "not_adopted", Item.submitted_at.is_not(None),
                                                func.date(Item.submitted_at) >= rule_set.period_start,
                                                ~select(Adoption.id).where(Adoption.item_id == Item.id).exists())
            .order_by(Item.id).limit(2000)
        ).all()[::100][:repeat]
        editor_id = db.session.scalar(select(User.id).where(User.username == "bench_editor"))
        run = current_run()
        samples, moved = [], 0
        for item_id, unit_id in candidates:
            before = dict(db.session.execute(select(UnitScore.unit_id, UnitScore.rank)
                                             .where(UnitScore.run_id == run.id)).all())
            started = time.perf_counter()
            record_adoption(item_id, "province", run.as_of.date() - timedelta(days=1), editor_id)
            db.session.commit()
            samples.append(time.perf_counter() - started)
            after = dict(db.session.execute(select(UnitScore.unit_id, UnitScore.rank)
                                            .where(UnitScore.run_id == run.id)).all())
            moved += sum(before[u] != after[u] for u in before)
        assert current_run().id == run.id and not current_run().stale, "the update was not incremental"
        print(f"one adoption, commit + update     {percentiles(samples)}  target < 1 s "
              f"({len(samples)} adoptions moved {moved} ranks)")
        unit_name = db.session.get(Unit, candidates[0][1]).name
        day = rule_set.period_start
    client = app.test_client()
    client.post("/login", data={"username": "bench_editor", "password": "x"})
    pages = {
        "inbox, no filter": "/inbox",
        "inbox, status": "/inbox?status=submitted",
        # 3,000 units: the unit filter takes (part of) a name
        "inbox, unit + category": f"/inbox?unit_name={unit_name}&category=work",
        "inbox, part of a unit name": "/inbox?unit_name=街道",
        "inbox, dates + status": f"/inbox?date_from={day}&date_to={day + timedelta(days=30)}&status=adopted",
        "inbox, keyword": "/inbox?q=防汛",
        "inbox, keyword, last page": "/inbox?q=防汛&page=50",
        "inbox, keyword in no item": "/inbox?q=量子",
        "ranking": "/scores",
        "ranking, page 30": "/scores?page=30",
    }
    for name, url in pages.items() if page_repeat else ():
        assert client.get(url).status_code == 200, url
        print(f"{name:33s} {percentiles(timed(lambda url=url: client.get(url), page_repeat))}  target < 200 ms p95")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default=DEFAULT)
    parser.add_argument("--adoptions", type=int, default=10)
    parser.add_argument("--full-runs", type=int, default=3)
    parser.add_argument("--page-repeat", type=int, default=40)
    arguments = parser.parse_args()
    main(arguments.database, arguments.adoptions, arguments.full_runs, arguments.page_repeat)
