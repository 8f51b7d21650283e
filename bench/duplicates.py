"""Near-duplicates: the method's recall and precision on the hand-written evaluation set (by kind, on its test
part), the template-generated pairs as a regression check, and the check of one new item against a city year.

    python bench/duplicates.py --fit           # fit the score's coefficients and threshold on the tuning part only
    python bench/duplicates.py --cross         # five-fold check inside the tuning part (never the test part)
    python bench/duplicates.py                 # report on the test part (and the old generated pairs)
    python bench/duplicates.py --batch 25_fresh_test   # and on one file of it alone
    python bench/duplicates.py --fit --exclude 39_fresh_test8   # a file left out of the set, even as history
    python bench/generate.py city --database sqlite:///bench/out/city.db
    python bench/duplicates.py --latency --database sqlite:///bench/out/city.db
    python bench/duplicates.py --latency --profile ...   # where the time goes (cProfile, by own time)

Latency: the generator's items carry one-line bodies; this fills each with a report written from the old
evaluation set's templates, stores every item's features, then files new items (half re-filings of existing
ones with small changes, half fresh texts) and times the check of each. Target: p95 under 50 ms."""
import argparse
import cProfile
import json
import math
import os
import pstats
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.duplicate_eval import DISTINCT_KINDS, DUPLICATE_KINDS, load  # noqa: E402
from portal.checks import events  # noqa: E402
from portal.checks.models import Similarity  # noqa: E402

OLD_PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "duplicate_pairs.json"


class CorpusFrequencies:
    """Document frequencies over a list of documents (the evaluation set's items are each other's history)."""

    def __init__(self, documents):
        self.count = len(documents)
        self.held = Counter(key for doc in documents for key in list(doc.features))
        self.unit_held = defaultdict(Counter)
        self.unit_count = Counter()
        for doc in documents:
            self.unit_count[doc.unit] += 1
            self.unit_held[doc.unit].update(list(doc.features))

    def office(self, key):
        return self.held[key], self.count

    def unit(self, unit, key):
        return self.unit_held[unit][key], self.unit_count[unit]


EXCLUDED: tuple[str, ...] = ()  # files of the set left out whole (--exclude)


def eval_documents():
    items, pairs = load(exclude=EXCLUDED)
    documents = {key: events.Document.of(item.unit, item.day.toordinal(), item.text, item.unit)
                 for key, item in items.items()}
    return documents, pairs, CorpusFrequencies(list(documents.values()))


def fit(rows, rounds=20000, rate=0.1, l2=0.01):
    """Logistic regression by gradient descent: rows of (signals, label)."""
    width = len(rows[0][0]) + 1
    weights = [0.0] * width
    for _ in range(rounds):
        gradient = [0.0] * width
        for signals, label in rows:
            x = [1.0, *signals]
            p = 1 / (1 + math.exp(-sum(w * v for w, v in zip(weights, x))))
            for i in range(width):
                gradient[i] += (p - label) * x[i]
        weights = [w - rate * (g / len(rows) + (l2 * w if i else 0)) for i, (w, g) in enumerate(zip(weights, gradient))]
    return weights


def measure(found: list[tuple[bool, bool]]) -> tuple[float, float, int, int, int]:
    tp = sum(1 for got, want in found if got and want)
    fp = sum(1 for got, want in found if got and not want)
    fn = sum(1 for got, want in found if not got and want)
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0), tp, fp, fn


def report(split="test", verbose=False, source=""):
    documents, pairs, frequencies = eval_documents()
    chosen = [pair for pair in pairs if pair.split == split and pair.source.startswith(source)]
    results = []
    for pair in chosen:
        match = events.compare(documents[pair.a], documents[pair.b], frequencies)
        results.append((pair, match))
        if verbose and match.duplicate != pair.duplicate:
            print(f"  wrong: {pair.kind} {pair.a} {pair.b} p={match.probability:.2f}")
    precision, recall, *_ = measure([(match.duplicate, pair.duplicate) for pair, match in results])
    name = f"{split} part of {source}" if source else f"{split} part"
    print(f"{name}: {len(chosen)} pairs; precision {precision:.3f}, recall {recall:.3f} "
          f"at threshold {events.THRESHOLD}")
    for kind in DUPLICATE_KINDS:
        of_kind = [match.duplicate for pair, match in results if pair.kind == kind]
        if of_kind:
            print(f"  {kind:20s} found {sum(of_kind)} of {len(of_kind)}")
    for kind in DISTINCT_KINDS:
        of_kind = [match.duplicate for pair, match in results if pair.kind == kind]
        if of_kind:
            print(f"  {kind:20s} wrongly flagged {sum(of_kind)} of {len(of_kind)}")
    return precision, recall


def report_old_pairs():
    """The template-generated pairs (no dates or units: one unit, one day), kept as a regression check."""
    pairs = json.loads(OLD_PAIRS.read_text(encoding="utf-8"))
    documents = [(events.Document.of("u", 0, pair["a"]), events.Document.of("v", 0, pair["b"]))
                 for pair in pairs]
    frequencies = CorpusFrequencies([doc for both in documents for doc in both])
    found = [(events.compare(a, b, frequencies).duplicate, pair["duplicate"]) for (a, b), pair in zip(documents, pairs)]
    precision, recall, *_ = measure(found)
    print(f"old generated pairs: {len(pairs)}; precision {precision:.3f}, recall {recall:.3f}")
    return precision, recall


def tune():
    documents, pairs, frequencies = eval_documents()
    rows = [(events._signals(documents[p.a], documents[p.b], frequencies)[0], float(p.duplicate))
            for p in pairs if p.split == "tune"]
    weights = fit(rows)
    print("COEFFICIENTS =", tuple(round(w, 2) for w in weights))
    scored = []
    for signals, label in rows:
        z = weights[0] + sum(w * s for w, s in zip(weights[1:], signals))
        scored.append((1 / (1 + math.exp(-z)), label))
    # the middle of the plateau around the best min(precision, recall): the thresholds next to the best one that
    # stay within one pair of it (a single best point is where the tuning part's own pairs happen to fall; the
    # middle is as far as the part allows from both the last non-duplicate kept apart and the last duplicate found)
    grid = [i / 100 for i in range(5, 96)]
    quality = {t: min(measure([(p >= t, bool(label)) for p, label in scored])[:2]) for t in grid}
    best = max(quality.values())
    within = best - 1 / sum(1 for _signals, label in rows if label)
    peak = grid.index(max(grid, key=quality.get))
    low = high = peak
    while low > 0 and quality[grid[low - 1]] >= within:
        low -= 1
    while high < len(grid) - 1 and quality[grid[high + 1]] >= within:
        high += 1
    threshold = grid[(low + high) // 2]
    print(f"THRESHOLD = {threshold:.2f}: min(precision, recall) on the tuning part {quality[threshold]:.3f} (best "
          f"{best:.3f}; within one pair of it from {grid[low]:.2f} to {grid[high]:.2f})")
    events.COEFFICIENTS, events.THRESHOLD = tuple(weights), threshold


def cross_check(folds=5):
    """Inside the tuning part: fitted on four fifths of its pairs, scored on the fifth left out, at the product's
    threshold. What the tuning part alone says of pairs the fit has not seen."""
    documents, pairs, frequencies = eval_documents()
    tuning = [p for p in pairs if p.split == "tune"]
    rows = [(events._signals(documents[p.a], documents[p.b], frequencies)[0], float(p.duplicate)) for p in tuning]
    order = list(range(len(rows)))
    random.Random(1).shuffle(order)
    found = {}
    for fold in range(folds):
        left_out = set(order[fold::folds])
        weights = fit([row for i, row in enumerate(rows) if i not in left_out])
        for i in left_out:
            z = weights[0] + sum(w * s for w, s in zip(weights[1:], rows[i][0]))
            found[i] = 1 / (1 + math.exp(-z)) >= events.THRESHOLD
    precision, recall, *_ = measure([(found[i], p.duplicate) for i, p in enumerate(tuning)])
    print(f"five-fold check on the tuning part: {len(tuning)} pairs; precision {precision:.3f}, recall {recall:.3f} "
          f"at threshold {events.THRESHOLD}")
    for kind in DUPLICATE_KINDS + DISTINCT_KINDS:
        of_kind = [found[i] == p.duplicate for i, p in enumerate(tuning) if p.kind == kind]
        print(f"  {kind:20s} right {sum(of_kind)} of {len(of_kind)}")
    return precision, recall


PLACES = ["社区广场", "党群服务中心", "辖区学校", "农贸市场", "老年活动中心", "文化广场", "小区议事厅", "街道会议室"]


def write_report(rng: random.Random, unit: str) -> str:
    """A report from the old set's templates, the substance of different events mixed (texts of one kind share
    a great deal, as real reports do), with its own date, place and numbers."""
    from bench.duplicate_pairs import EVENTS, TEMPLATES

    template = rng.choice(list(TEMPLATES))
    fills = {key: rng.choice(EVENTS[template])[key] for key in EVENTS[template][0]}
    fills.update(unit=unit, date=f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日", place=rng.choice(PLACES))
    for key, value in fills.items():
        if value.isdigit():
            fills[key] = str(rng.randint(5, 900))
    return "\n".join(line.format(**fills) for line in TEMPLATES[template])


def latency(database: str, checks: int, profile: bool = False) -> None:
    from sqlalchemy import bindparam, func, select, update

    from portal import create_app
    from portal.checks.models import ItemFeature
    from portal.checks.services import index_items, record_similar_items, store_features
    from portal.extensions import db
    from portal.items.models import Item

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench", "UPLOAD_FOLDER": "bench/out"})
    rng = random.Random(11)
    with app.app_context():
        if not db.session.scalar(select(func.count()).select_from(ItemFeature)):
            started = time.perf_counter()
            rows = db.session.execute(select(Item.id, Item.unit_id)).all()
            # the table, not the model: a bulk text fill is no edit, so the optimistic lock's version stays
            items = Item.__table__
            statement = update(items).where(items.c.id == bindparam("item_id")).values(body=bindparam("text"))
            for start in range(0, len(rows), 5000):
                db.session.execute(statement, [{"item_id": item_id, "text": write_report(rng, f"第{unit_id:04d}号单位")}
                                               for item_id, unit_id in rows[start:start + 5000]])
            db.session.execute(ItemFeature.__table__.delete())
            index_items(pairs=False)
            db.session.commit()
            print(f"bodies and features stored in {time.perf_counter() - started:.0f} s")
        total = db.session.scalar(select(func.count(Item.id)))
        features = db.session.scalar(select(func.count()).select_from(ItemFeature))
        ids = sorted(db.session.scalars(select(Item.id)))
        sample = [db.session.get(Item, item_id) for item_id in random.Random(5).sample(ids, checks)]
        timings, cpu, found = [], [], []
        profiler = cProfile.Profile() if profile else None
        for index, existing in enumerate(sample):
            body = existing.body.replace("。", "，", 1) if index % 2 == 0 else write_report(rng, "新建单位")
            item = Item(unit_id=existing.unit_id, author_id=existing.author_id, form_key=f"bench-check-{index}",
                        title=existing.title, body=body, category="work", status="draft",
                        created_at=existing.created_at)
            db.session.add(item)
            store_features(item)
            started, started_cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            record_similar_items(item)
            if profiler:
                profiler.disable()
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            found.append(existing.id in {other_id for (other_id,) in db.session.execute(
                select(Similarity.other_id).where(Similarity.item_id == item.id))})
            db.session.rollback()
        timings.sort()
        cpu.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{total} items, {features} features; {len(timings)} checks (find, score and store): median "
              f"{statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms (this process's CPU: "
              f"median {statistics.median(cpu):.1f} ms, p95 {cpu[int(len(cpu) * 0.95) - 1]:.1f} ms); "
              f"re-filings found {sum(found[::2])}/{len(found[::2])}")
        if profiler:  # where a check's time goes (the profiler's own cost inflates the figures above)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--cross", action="store_true", help="five-fold check inside the tuning part")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--batch", default="", help="only the pairs of this file of the set (e.g. 25_fresh_test)")
    parser.add_argument("--exclude", action="append", default=[],
                        help="leave this file of the set out, even as history (the unseen batch while fitting)")
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--database", default="sqlite:///bench/out/city.db")
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="with --latency: cProfile of the checks")
    args = parser.parse_args()
    global EXCLUDED
    EXCLUDED = tuple(args.exclude)
    if args.fit:
        # the test part is not looked at while fitting: run without --fit, once the method is frozen
        tune()
        report("tune", args.verbose)
    elif args.cross:
        cross_check()
    elif args.latency:
        latency(args.database, args.checks, args.profile)
    else:
        report("test", args.verbose)
        if args.batch:
            report("test", args.verbose, args.batch)
        report_old_pairs()


if __name__ == "__main__":
    main()
