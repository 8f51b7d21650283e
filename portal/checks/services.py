"""Near-duplicates and content warnings: signatures stored on save, similar items for a reader,
the editor's duplicate and 综合 verdicts, the warnings shown to reporter and signer and their record."""
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select, union_all

from ..extensions import db
from ..items.models import Item
from ..items.services import WorkflowError, edit_item_text, transition_item
from ..items.workflow import OFFICE_VISIBLE, can_transition, can_view_item
from . import similarity
from .models import Combination, DuplicateMark, SensitiveWord, SignatureBand, Similarity, WarningReview
from .warnings import (
    CLASSIFICATION_MARKS,
    ContentWarning,
    FormLimits,
    build_matcher,
    find_form_hints,
    find_personal_data,
    find_words,
)

LOOKBACK = timedelta(days=365)  # a year of items is compared with a new one
CANDIDATES = 20  # at most this many candidates are scored exactly per check
BUCKET_CAP = 100  # a band key shared by more items than this is boilerplate, not evidence


def item_text(item: Item) -> str:
    """The unit's own text: what a re-filing repeats."""
    return item.title + "\n" + item.body


# ---- signatures -----------------------------------------------------------------------------

def signature_rows(item_id: int, text: str) -> list[dict]:
    keys = similarity.band_keys(similarity.minhash(similarity.shingles(text)))
    return [{"item_id": item_id, "band": band, "key": key} for band, key in enumerate(keys)]


def store_signature(item: Item) -> None:
    """Called whenever the unit's text is saved: the bands always describe the current text."""
    db.session.flush()
    db.session.execute(delete(SignatureBand).where(SignatureBand.item_id == item.id))
    db.session.execute(insert(SignatureBand), signature_rows(item.id, item_text(item)))


def _candidate_ids(item_id: int) -> list[int]:
    """The items sharing the most signature bands with this one. Texts of one kind share boilerplate, so
    some band keys are held by thousands of items: like stop words they say nothing, and a key held by
    more than BUCKET_CAP items is skipped (each key's lookup stops reading there)."""
    keys = db.session.scalars(select(SignatureBand.key).where(SignatureBand.item_id == item_id)).all()
    if not keys:
        return []
    buckets = [
        select(SignatureBand.key, SignatureBand.item_id).where(SignatureBand.key == key).limit(BUCKET_CAP + 1).subquery()
        for key in keys
    ]
    rows = db.session.execute(union_all(*(select(bucket.c.key, bucket.c.item_id) for bucket in buckets))).all()
    members: dict[int, list[int]] = {}
    for key, other_id in rows:
        members.setdefault(key, []).append(other_id)
    shared = Counter(other_id for ids in members.values() if len(ids) <= BUCKET_CAP for other_id in ids
                     if other_id != item_id)
    return [other_id for other_id, _count in shared.most_common(CANDIDATES)]


@dataclass
class SimilarItem:
    item: Item
    score: float
    visible: bool  # may the reader open it (and see its text)?

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def find_similar_items(item: Item, reader=None, limit: int = 10) -> list[SimilarItem]:
    """Items of the past year sharing a signature band with this one, scored exactly. Compared: what the
    office has received, and the item's own unit's items (a unit re-filing its earlier text)."""
    since = (item.created_at or item.updated_at) - LOOKBACK
    candidates = _candidate_ids(item.id)
    others = db.session.scalars(
        select(Item).where(
            Item.id.in_(candidates), Item.created_at >= since,
            or_(Item.status.in_(OFFICE_VISIBLE), Item.unit_id == item.unit_id),
        )
    ).all() if candidates else []
    mine = similarity.shingles(item_text(item))
    found = []
    for other in others:
        score = similarity.score(mine, similarity.shingles(item_text(other)))
        if score >= similarity.THRESHOLD:
            found.append(SimilarItem(other, score, reader is None or can_view_item(reader, other)))
    found.sort(key=lambda entry: (-entry.score, -entry.item.id))
    return found[:limit]


def record_similarities(item: Item) -> None:
    """On sign-off: remember the office-visible pairs, so the inbox can mark both without recomputing."""
    db.session.execute(delete(Similarity).where(or_(Similarity.item_id == item.id, Similarity.other_id == item.id)))
    rows = []
    for entry in find_similar_items(item):
        if entry.item.status in OFFICE_VISIBLE:
            rows += [{"item_id": item.id, "other_id": entry.item.id, "score": entry.score},
                     {"item_id": entry.item.id, "other_id": item.id, "score": entry.score}]
    if rows:
        db.session.execute(insert(Similarity), rows)


def count_similar(item_ids: list[int]) -> dict[int, int]:
    """For the inbox marker: how many received items each listed item resembles."""
    if not item_ids:
        return {}
    rows = db.session.execute(
        select(Similarity.item_id, func.count()).where(Similarity.item_id.in_(item_ids)).group_by(Similarity.item_id)
    )
    return dict(rows.all())


# ---- the editor's verdicts --------------------------------------------------------------------

def get_duplicate_mark(item_id: int) -> DuplicateMark | None:
    return db.session.scalar(select(DuplicateMark).where(DuplicateMark.item_id == item_id))


def mark_duplicate(item: Item, editor, original: Item, reason: str) -> DuplicateMark:
    """The item repeats `original`: it becomes invalid (不计分) with the reason recorded."""
    reason = reason.strip()
    if original.id == item.id:
        raise WorkflowError("不能标记为与自身重复", "original_id")
    if not reason:
        raise WorkflowError("请填写理由", "reason")
    transition_item(item, editor, "invalidate", f"与《{original.display_title}》（{original.unit.name}）重复：{reason}")
    mark = DuplicateMark(item_id=item.id, original_id=original.id, reason=reason, marked_by_id=editor.id)
    db.session.add(mark)
    return mark


def combine_items(target: Item, editor, sources: list[Item], title: str, body: str, adopted_on: date) -> None:
    """综合: the target carries the combined text and is adopted; every source is adopted as well and
    records that it went into the target, so each unit gets the adoption's points."""
    sources = [source for source in sources if source.id != target.id]
    if not sources:
        raise WorkflowError("请至少选择一条要综合的其他信息", "sources")
    for entry in [target, *sources]:
        if entry.status != "adopted" and not can_transition(editor, entry, "adopt"):
            raise WorkflowError(f"《{entry.display_title}》当前状态下不能采用", "sources")
    # The combined text is new, written from the sources: no earlier form of the target to conflict with;
    # a concurrent save still loses to the version column.
    edit_item_text(target, editor, title, body, target.version)
    for entry in [target, *sources]:
        if entry.status != "adopted":
            comment = "" if entry is target else f"综合采用，并入《{title}》"
            transition_item(entry, editor, "adopt", comment, adopted_on)
    for source in sources:
        db.session.merge(Combination(item_id=source.id, combined_into_id=target.id, recorded_by_id=editor.id))


def list_combination_sources(item_id: int) -> list[Combination]:
    return list(db.session.scalars(select(Combination).where(Combination.combined_into_id == item_id)))


def get_combination(item_id: int) -> Combination | None:
    return db.session.get(Combination, item_id)


# ---- content warnings ----------------------------------------------------------------------

_matcher_cache: dict = {}  # per process: the words it was built from, and the automaton


def _matcher():
    """Rebuilt only when the admin's list changed: reading a few thousand short words is cheap,
    building the automaton over them is what is worth keeping."""
    words = tuple(db.session.scalars(select(SensitiveWord.word).order_by(SensitiveWord.word)))
    if _matcher_cache.get("words") != words:
        marks = [("classified", mark) for mark in CLASSIFICATION_MARKS]
        _matcher_cache.update(words=words, matcher=build_matcher(marks + [("sensitive", word) for word in words]))
    return _matcher_cache["matcher"]


def check_item(item: Item) -> list[ContentWarning]:
    config = current_app.config
    limits = FormLimits(config["CHECK_TITLE_CHARS"], config["CHECK_BRIEF_CHARS"], tuple(config["CHECK_EVENT_CATEGORIES"]))
    text = item.title + "\n" + item.body + "\n" + "\n".join(photo.caption for photo in item.photos)
    return [
        *find_words(_matcher(), text),
        *find_personal_data(text),
        *find_form_hints(item.title, item.body, item.category, item.event_end_at is not None,
                         sum(1 for photo in item.photos if not photo.caption.strip()), limits),
    ]


def record_warning_review(item: Item, signer, decision: str) -> WarningReview:
    """The signer's decision (sign / return) and exactly the warnings shown at that moment."""
    shown = [warning.as_dict() for warning in check_item(item)]
    review = WarningReview(item_id=item.id, actor_id=signer.id, decision=decision,
                           warnings=json.dumps(shown, ensure_ascii=False))
    db.session.add(review)
    return review


def list_warning_reviews(item_id: int) -> list[WarningReview]:
    return list(db.session.scalars(
        select(WarningReview).where(WarningReview.item_id == item_id).order_by(WarningReview.at, WarningReview.id)
    ))


def list_sensitive_words() -> list[SensitiveWord]:
    return list(db.session.scalars(select(SensitiveWord).order_by(SensitiveWord.word)))


def add_sensitive_words(admin, text: str, note: str) -> int:
    """One word a line (or separated by commas); words already listed are skipped. Returns how many were added."""
    existing = set(db.session.scalars(select(SensitiveWord.word)))
    added = 0
    for raw in text.replace("，", "\n").replace(",", "\n").splitlines():
        word = raw.strip()
        if word and word not in existing:
            db.session.add(SensitiveWord(word=word[:50], note=note.strip(), created_by_id=admin.id))
            existing.add(word)
            added += 1
    return added


def remove_sensitive_word(word_id: int) -> bool:
    return db.session.execute(delete(SensitiveWord).where(SensitiveWord.id == word_id)).rowcount > 0


def index_items(item_ids: list[int] | None = None, pairs: bool = True, batch: int = 2000) -> int:
    """Signatures for the given items (default: every item without one), then (unless pairs=False) the
    office-visible similar pairs among all signed items, in bulk: for data written without the services
    (the demo, the benchmark). Returns the number of new pairs."""
    query = select(Item.id, Item.title, Item.body).where(Item.id.not_in(select(SignatureBand.item_id)))
    if item_ids is not None:
        query = query.where(Item.id.in_(item_ids))
    missing = db.session.execute(query).all()
    shingle_sets = {}
    for start in range(0, len(missing), batch):
        rows = []
        for item_id, title, body in missing[start:start + batch]:
            rows += signature_rows(item_id, title + "\n" + body)
        db.session.execute(insert(SignatureBand), rows)
    if not pairs:
        return 0
    a, b = SignatureBand.__table__.alias("a"), SignatureBand.__table__.alias("b")
    visible = select(Item.id).where(Item.status.in_(OFFICE_VISIBLE))
    candidates = db.session.execute(
        select(a.c.item_id, b.c.item_id).distinct()
        .where(a.c.key == b.c.key, a.c.item_id < b.c.item_id, a.c.item_id.in_(visible), b.c.item_id.in_(visible))
    ).all()
    texts = dict(db.session.execute(
        select(Item.id, Item.title + "\n" + Item.body).where(Item.id.in_({i for pair in candidates for i in pair}))
    ).all()) if candidates else {}
    rows = []
    for first, second in candidates:
        for item_id in (first, second):
            if item_id not in shingle_sets:
                shingle_sets[item_id] = similarity.shingles(texts[item_id])
        value = similarity.score(shingle_sets[first], shingle_sets[second])
        if value >= similarity.THRESHOLD:
            rows += [{"item_id": first, "other_id": second, "score": value},
                     {"item_id": second, "other_id": first, "score": value}]
    existing = set(db.session.execute(select(Similarity.item_id, Similarity.other_id)).all())
    rows = [row for row in rows if (row["item_id"], row["other_id"]) not in existing]
    if rows:
        db.session.execute(insert(Similarity), rows)
    return len(rows) // 2
