"""Benchmark (not a test): score a generated city from the database, then time the ranking page.

    python bench/score_city.py            # generates bench/out/city.db first if it is missing

Targets: scoring 300 units × one year (≈ 50,000 items) from the database under 1 s on the
2-core reference machine; the ranking page under 100 ms once scores are stored."""
import os
import platform
import statistics
import sys
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from generate import generate  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.scoring.gather import gather_facts  # noqa: E402
from portal.scoring.periods import get_active_rule_set, parse_rules  # noqa: E402
from portal.scoring.runs import compute_scores  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


def timed(function, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), max(samples)


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "city.db")
    database = "sqlite:///" + path
    if not os.path.exists(path):
        print("generating:", generate(database, "city", date.today().year))
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "UPLOAD_FOLDER": os.path.join(OUT, "uploads"), "SCORE_MAX_AGE_MINUTES": 10_000,
                      "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
    with app.app_context():
        rules = parse_rules(get_active_rule_set())
        facts = gather_facts(rules)
        print(f"dataset: {len(facts.units)} units, {len(facts.items)} submitted items")

        def full_run():
            compute_scores()
            db.session.commit()

        gather = timed(lambda: gather_facts(rules), 5)
        full = timed(full_run, 5)
    client = app.test_client()
    client.post("/login", data={"username": "bench_editor", "password": "x"})
    client.get("/scores")  # warm: stored scores exist from the runs above
    page = timed(lambda: client.get("/scores"), 30)
    print(f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"gather facts from the database   median {gather[0] * 1000:7.1f} ms  max {gather[1] * 1000:7.1f} ms")
    print(f"score + store (whole city)       median {full[0] * 1000:7.1f} ms  max {full[1] * 1000:7.1f} ms  target < 1000 ms")
    print(f"ranking page (stored scores)     median {page[0] * 1000:7.1f} ms  max {page[1] * 1000:7.1f} ms  target < 100 ms")


if __name__ == "__main__":
    main()
