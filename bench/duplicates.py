"""Near-duplicate check: one new item against a year of items, on the city dataset (≈ 50,000 items).

    python bench/generate.py city --database sqlite:///bench/out/city.db
    python bench/duplicates.py --database sqlite:///bench/out/city.db

The generator's items carry one-line bodies; this fills each with a report written from the evaluation
set's templates, mixing the substance of different events (so the texts share a great deal, as real
reports of one kind do), then stores every signature. It then files new items — half re-filings of
existing ones with small changes, half fresh texts — and times find_similar_items for each. Target:
p95 under 50 ms."""
import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import bindparam, func, select, update  # noqa: E402

from bench.duplicate_pairs import EVENTS, TEMPLATES  # noqa: E402
from portal import create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402,F401  (first: importing checks or items before auth is circular)
from portal.checks.models import SignatureBand  # noqa: E402
from portal.checks.services import find_similar_items, index_items, store_signature  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.items.models import Item  # noqa: E402

PLACES = ["社区广场", "党群服务中心", "辖区学校", "农贸市场", "老年活动中心", "文化广场", "小区议事厅", "街道会议室"]


def write_report(rng: random.Random, unit: str) -> str:
    template = rng.choice(list(TEMPLATES))
    fills = {key: rng.choice(EVENTS[template])[key] for key in EVENTS[template][0]}
    fills.update(unit=unit, date=f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日", place=rng.choice(PLACES))
    for key, value in fills.items():
        if value.isdigit():
            fills[key] = str(rng.randint(5, 900))
    return "\n".join(line.format(**fills) for line in TEMPLATES[template])


def fill_bodies(rng: random.Random) -> None:
    rows = db.session.execute(select(Item.id, Item.unit_id)).all()
    # the table, not the model: a bulk text fill is no edit, so the optimistic lock's version stays
    items = Item.__table__
    statement = update(items).where(items.c.id == bindparam("item_id")).values(body=bindparam("text"))
    for start in range(0, len(rows), 5000):
        db.session.execute(statement, [{"item_id": item_id, "text": write_report(rng, f"第{unit_id:04d}号单位")}
                                       for item_id, unit_id in rows[start:start + 5000]])
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="sqlite:///bench/out/city.db")
    parser.add_argument("--checks", type=int, default=200)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "SECRET_KEY": "bench", "UPLOAD_FOLDER": "bench/out"})
    rng = random.Random(11)
    with app.app_context():
        if not db.session.scalar(select(func.count()).select_from(SignatureBand)):
            started = time.perf_counter()
            fill_bodies(rng)
            index_items(pairs=False)
            db.session.commit()
            print(f"signatures stored in {time.perf_counter() - started:.0f} s")
        total = db.session.scalar(select(func.count(Item.id)))
        sample = db.session.scalars(select(Item).order_by(func.random()).limit(args.checks)).all()
        timings, found = [], []
        for index, existing in enumerate(sample):
            body = existing.body.replace("。", "，", 1) if index % 2 == 0 else write_report(rng, "新建单位")
            item = Item(unit_id=existing.unit_id, author_id=existing.author_id, form_key=f"bench-check-{index}",
                        title=existing.title, body=body, category="work", status="draft")
            db.session.add(item)
            store_signature(item)
            started = time.perf_counter()
            similar = find_similar_items(item)
            timings.append((time.perf_counter() - started) * 1000)
            found.append(len(similar))
            db.session.rollback()
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        refiled = sum(1 for index, count in enumerate(found) if index % 2 == 0 and count)
        print(f"{total} items; {len(timings)} checks: median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
              f"max {timings[-1]:.1f} ms; re-filings found {refiled}/{len(found[::2])}")


if __name__ == "__main__":
    main()
