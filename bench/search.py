"""Search as the editor types: p95 of the HTMX answer of /search over the city dataset, by kind of query.

    python bench/generate.py city --database sqlite:///bench/out/city.db   # once
    python bench/search.py [--database URL]

Each query is asked REPEAT times through the real route (logged in as the bench editor, HX-Request set),
after one warm-up; the figures go in docs/search-and-duplicates.md."""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402  (first: importing items' models before auth's is circular)
from portal.extensions import db  # noqa: E402
from portal.items.models import Item  # noqa: E402
from portal.search.models import ItemSearch  # noqa: E402
from portal.search.services import rebuild_search_index  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPEAT = 20
QUERIES = {
    "1 character": ["垃", "汛", "桩"],
    "2 characters": ["垃圾", "防汛", "疫情", "消防", "低保", "禁毒"],
    "3 characters": ["充电桩", "网格员", "危化品", "防溺水"],
    "longer": ["垃圾分类", "老旧小区改造", "异地就医备案", "新时代文明实践"],
    "several words": ["垃圾 清运", "防汛 排查", "疫情 志愿者", "第0042号单位 慰问"],
    # in the title of nearly every item: the worst case, every item a match to rank
    "工作 (all)": ["工作"],
    # in no item, or in few: PostgreSQL's planner walked every row looking for them
    "rare or none": ["量子", "区块链", "防汛 慰问"],
}


def measure(client, query: str) -> list[float]:
    client.get("/search", query_string={"q": query}, headers={"HX-Request": "true"})
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get("/search", query_string={"q": query}, headers={"HX-Request": "true"})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def main(database: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "UPLOAD_FOLDER": os.path.join(HERE, "out", "uploads")})
    with app.app_context():
        upgrade()
        items = db.session.scalar(select(func.count(Item.id)))
        if db.session.scalar(select(func.count(ItemSearch.item_id))) != items:
            start = time.perf_counter()
            rebuild_search_index()
            print(f"index built for {items} items in {time.perf_counter() - start:.1f} s")
        if not db.session.scalar(select(User.id).where(User.username == "bench_editor")):
            sys.exit("no bench_editor in this database: generate it with bench/generate.py city")
        client = app.test_client()
        client.post("/login", data={"username": "bench_editor", "password": "x"})
        print(f"{items} items, {db.engine.dialect.name}; ms per HTMX answer of /search, {REPEAT} runs each")
        print(f"{'kind':<14} {'median':>7} {'p95':>7} {'max':>7}  sizes of the answers")
        for kind, queries in QUERIES.items():
            times, sizes = [], []
            for query in queries:
                times += measure(client, query)
                sizes.append(len(client.get("/search", query_string={"q": query},
                                            headers={"HX-Request": "true"}).data))
            p95 = statistics.quantiles(times, n=20)[18]
            print(f"{kind:<14} {statistics.median(times):7.1f} {p95:7.1f} {max(times):7.1f}  "
                  f"{min(sizes)}–{max(sizes)} bytes")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default=f"sqlite:///{os.path.join(HERE, 'out', 'city.db')}")
    main(parser.parse_args().database)
