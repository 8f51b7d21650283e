"""Near-duplicates and content warnings: features and similar items stored on save, similar items for a reader,
the editor's duplicate and 综合 verdicts, the warnings shown to reporter and signer and their record."""
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, exists, func, insert, or_, select, text

from ..extensions import db, prepared, utcnow
from ..items.models import Item
from ..items.services import WorkflowError, edit_item_text, transition_item
from ..items.workflow import OFFICE_VISIBLE, can_transition, can_view_item
from ..units.office import kept_by_office
from ..web.filters import to_local
from . import events
from .models import Combination, DuplicateMark, ItemFeature, SensitiveWord, Similarity, WarningReview
from .warnings import (
    CLASSIFICATION_MARKS,
    ContentWarning,
    FormLimits,
    build_matcher,
    find_form_hints,
    find_personal_data,
    find_words,
)

WINDOW = timedelta(days=60)  # items saved this close in time are compared (reports of one event follow it closely)
CANDIDATES = 15  # at most this many candidates, those sharing the most rare features, are scored per check
BUCKET_CAP = 100  # a feature more items hold than this is boilerplate: weight 0, no candidates
MARKS = {"d": "同一日期", "l": "同一地点", "n": "相同数字", "t": "相同数字", "p": "相同人员"}


def item_text(item: Item) -> str:
    """The unit's own text: what a re-filing repeats."""
    return item.title + "\n" + item.body


def _filed(item: Item) -> date:
    return to_local(item.created_at or utcnow()).date()


def _day(item: Item) -> int:
    return _filed(item).toordinal()


# Candidates recur (this week's items are compared with each new one): their documents are kept per process,
# by the text itself (an id alone is not enough: SQLite hands a rolled-back item's id to the next one).
_documents: dict[tuple[int, int, str], events.Document] = {}
DOCUMENTS_SIZE = 5000


def _document(item: Item) -> events.Document:
    key = (item.unit_id, _day(item), item_text(item))
    if key not in _documents:
        if len(_documents) >= DOCUMENTS_SIZE:
            _documents.clear()
        _documents[key] = events.Document.of(*key, item.unit.name)
    return _documents[key]


# ---- features ----------------------------------------------------------------------------

def store_features(item: Item) -> None:
    """Called whenever the unit's text is saved: the stored features always describe the current text."""
    db.session.flush()
    db.session.execute(delete(ItemFeature).where(ItemFeature.item_id == item.id))
    keys = set(events.extract(item_text(item), _filed(item)))
    if keys:
        db.session.execute(insert(ItemFeature), [{"item_id": item.id, "key": key} for key in keys])


class _StoredFrequencies:
    """Document frequencies read from item_features for one check: office-wide over every item (each key's
    count stops at BUCKET_CAP + 1: above the cap it is boilerplate) and per unit within the year."""

    def __init__(self, office: dict[str, int], items: int, units: dict[tuple, int], unit_items: dict):
        self._office, self._items, self._units, self._unit_items = office, items, units, unit_items

    def office(self, key):
        held = self._office.get(key, BUCKET_CAP + 1)  # a key not looked up is known boilerplate
        return (self._items, self._items) if held > BUCKET_CAP else (held, self._items)

    def unit(self, unit, key):
        return self._units.get((unit, key), 0), self._unit_items.get(unit, 0)


# Keys found held by more than BUCKET_CAP items (社区, 开展, 活动 …): per process, so a check looks up only
# the keys that may be rare. Boilerplate stays boilerplate; the set is emptied when it grows past its size.
_boilerplate: set[str] = set()
BOILERPLATE_SIZE = 200_000


_HOLDERS = "SELECT * FROM (SELECT key, item_id FROM item_features WHERE key = :k{i} LIMIT {limit}) AS b{i}"


def _holders(keys: list[str]) -> dict[str, list[int]]:
    """For each key, the items holding it, at most BUCKET_CAP + 1 of them: one index range per key (the
    covering index key, item_id), as one statement written out (SQLAlchemy would compile a new statement
    of a hundred subqueries for every check)."""
    holders: dict[str, list[int]] = {}
    for start in range(0, len(keys), 200):
        chunk = keys[start:start + 200]
        # Only numbers are written into the statement; every key is a bound parameter.
        sql = " UNION ALL ".join(_HOLDERS.format(i=i, limit=BUCKET_CAP + 1) for i in range(len(chunk)))
        # all rows at once: a check reads about a thousand, and row-by-row iteration cost more than the query
        for key, item_id in db.session.execute(text(sql), {f"k{i}": key for i, key in enumerate(chunk)}).all():
            holders.setdefault(key, []).append(item_id)
    if len(_boilerplate) > BOILERPLATE_SIZE:
        _boilerplate.clear()
    _boilerplate.update(key for key, ids in holders.items() if len(ids) > BUCKET_CAP)
    return holders


def _check(item: Item, document: events.Document) -> list[tuple[Item, events.Match]]:
    """The items of the window reporting the same event as this one, best first. Candidates share the most
    rare features with it (a wide net: any shared date, number, name or rare word); each is then scored.
    Compared: every item of the window, another unit's drafts too, so that a pair is found when the later
    of its two items is saved, whatever their states then (who may see a pair is decided when it is read:
    list_similar_items, count_similar); signing an item for the office needs no second search."""
    keys = sorted(key for key in document.features if key not in _boilerplate)
    holders = _holders(keys)
    office = {key: len(ids) for key, ids in holders.items()}
    shared = Counter(other_id for ids in holders.values() if len(ids) <= BUCKET_CAP for other_id in ids
                     if other_id != item.id)
    if not shared:
        return []
    moment = item.created_at or utcnow()
    # By primary key alone, the window read here: given it too, the planner scans an index of every item.
    ranked = db.session.execute(select(Item.id, Item.created_at).where(
        Item.id.in_([other_id for other_id, _n in shared.most_common(CANDIDATES * 4)]))).all()
    chosen = sorted((row.id for row in ranked if moment - WINDOW <= row.created_at <= moment + WINDOW),
                    key=lambda other_id: (-shared[other_id], -other_id))[:CANDIDATES]
    if not chosen:
        return []
    others = sorted(db.session.scalars(select(Item).where(Item.id.in_(chosen))),
                    key=lambda other: (-shared[other.id], -other.id))
    items = db.session.scalar(select(func.max(Item.id))) or 1  # as many as were ever filed, read off the key
    units = {item.unit_id, *(other.unit_id for other in others)}
    rare = [key for key in keys if office.get(key, 0) <= BUCKET_CAP]
    since = moment - timedelta(days=365)
    unit_counts = {}
    if rare:
        unit_counts = {(unit_id, key): count for unit_id, key, count in db.session.execute(
            select(Item.unit_id, ItemFeature.key, func.count()).join(Item, Item.id == ItemFeature.item_id)
            .where(ItemFeature.key.in_(rare), Item.unit_id.in_(units), Item.created_at >= since)
            .group_by(Item.unit_id, ItemFeature.key))}
    unit_items = dict(db.session.execute(
        select(Item.unit_id, func.count()).where(Item.unit_id.in_(units), Item.created_at >= since)
        .group_by(Item.unit_id)).all())
    frequencies = _StoredFrequencies(office, items, unit_counts, unit_items)
    found = []
    for other in others:
        match = events.compare(document, _document(other), frequencies)
        if match.duplicate:
            found.append((other, match))
    found.sort(key=lambda entry: (-entry[1].probability, -entry[0].id))
    return found


def shared_marks(a: events.Document, b: events.Document, match: events.Match) -> dict[str, list[str]]:
    """What the two items share, by mark, as the editor reads it: 同一日期, 同一地点, 相同数字, 相同人员."""
    marks: dict[str, list[str]] = {}
    for key, words in sorted(match.shared.items()):
        if key[0] == "p":
            words = events.full_name(words, a.text, b.text)
        if key[0] in MARKS:
            marks.setdefault(MARKS[key[0]], []).append(words)
    return {mark: sorted(set(words))[:8] for mark, words in marks.items()}


def record_similar_items(item: Item) -> None:
    """On save: the item's pairs are found once and stored both ways, so the other item's page and the inbox
    show them too (a newer matching item refreshes the older one's list)."""
    db.session.flush()
    db.session.execute(delete(Similarity).where(or_(Similarity.item_id == item.id, Similarity.other_id == item.id)))
    rows = []
    document = _document(item)
    for other, match in _check(item, document):
        shared = json.dumps(shared_marks(document, _document(other), match), ensure_ascii=False)
        rows += [{"item_id": item.id, "other_id": other.id, "score": match.probability, "shared": shared},
                 {"item_id": other.id, "other_id": item.id, "score": match.probability, "shared": shared}]
    if rows:
        db.session.execute(insert(Similarity), rows)


def refresh_item_checks(item: Item) -> None:
    """Everything the near-duplicate check keeps about an item, after its text was saved."""
    store_features(item)
    record_similar_items(item)


@dataclass
class SimilarItem:
    item: Item
    score: float  # the score's probability that the two report one event
    marks: dict[str, list[str]]


def list_similar_items(item: Item, reader) -> list[SimilarItem]:
    """The stored matches of an item that this reader may see: a unit's own items for its reporters and
    signers, what the office has received for the office. Nothing else is said, not even that more exist."""
    rows = db.session.execute(
        select(Similarity, Item).join(Item, Item.id == Similarity.other_id).where(Similarity.item_id == item.id)
        .order_by(Similarity.score.desc(), Item.id.desc())
    ).all()
    return [SimilarItem(other, row.score, row.marks) for row, other in rows if can_view_item(reader, other)]


def get_similarity(item_id: int, other_id: int) -> Similarity | None:
    return db.session.get(Similarity, (item_id, other_id))


def count_similar(item_ids: list[int]) -> dict[int, int]:
    """For the inbox marker: how many received items each listed item resembles."""
    if not item_ids:
        return {}
    rows = db.session.execute(
        select(Similarity.item_id, func.count()).join(Item, Item.id == Similarity.other_id)
        .where(Similarity.item_id.in_(item_ids), Item.status.in_(OFFICE_VISIBLE)).group_by(Similarity.item_id)
    )
    return dict(rows.all())


# ---- the editor's verdicts --------------------------------------------------------------------

def mark_duplicate(item: Item, editor, original: Item, reason: str) -> DuplicateMark:
    """The item repeats `original`: it becomes invalid (不计分) with the reason recorded."""
    reason = reason.strip()
    if original.id == item.id:
        raise WorkflowError("不能标记为与自身重复", "original_id")
    if not reason:
        raise WorkflowError("请填写理由", "reason")
    # The unit reads the comment: another unit's title is not for it to see.
    named = f"《{original.display_title}》" if original.unit_id == item.unit_id else "已收到的另一条信息"
    transition_item(item, editor, "invalidate", f"与{named}重复：{reason}")
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


@dataclass
class ItemRecords:
    """What the editors and signers recorded about an item, as its page shows it: its duplicate mark, its own 综合
    (what it went into, if it did), the items combined into it, and the signers' reviews of its warnings."""

    duplicate_mark: DuplicateMark | None
    combination: Combination | None
    combined_sources: list[Combination]
    reviews: list[WarningReview]


@prepared
def _recorded():
    item_id = bindparam("item_id")
    return select(exists().where(DuplicateMark.item_id == item_id),
                  exists().where(or_(Combination.item_id == item_id, Combination.combined_into_id == item_id)),
                  exists().where(WarningReview.item_id == item_id))


def read_item_records(item_id: int) -> ItemRecords:
    """One read says which records the item has (most have none), then one read for each kind it has."""
    marked, combined, reviewed = db.session.execute(_recorded(), {"item_id": item_id}).one()
    combinations = list(db.session.scalars(select(Combination).where(
        or_(Combination.item_id == item_id, Combination.combined_into_id == item_id)).order_by(Combination.item_id))
    ) if combined else []
    return ItemRecords(
        db.session.scalar(select(DuplicateMark).where(DuplicateMark.item_id == item_id)) if marked else None,
        next((row for row in combinations if row.item_id == item_id), None),
        [row for row in combinations if row.combined_into_id == item_id],
        list(db.session.scalars(select(WarningReview).where(WarningReview.item_id == item_id)
                                .order_by(WarningReview.at, WarningReview.id))) if reviewed else [],
    )


# ---- content warnings ----------------------------------------------------------------------

_matcher_cache: dict = {}  # per process: the words it was built from, and the automaton


@kept_by_office  # every sign-off queue and unit-side item page checks with them
def _sensitive_words() -> tuple[str, ...]:
    return tuple(db.session.scalars(select(SensitiveWord.word).order_by(SensitiveWord.word)))


def _matcher():
    """Rebuilt only when the admin's list changed: building the automaton over the words is what is worth
    keeping, past the office's version (which other changes draw again too)."""
    words = _sensitive_words()
    if _matcher_cache.get("words") != words:
        marks = [("classified", mark) for mark in CLASSIFICATION_MARKS]
        _matcher_cache.update(words=words, matcher=build_matcher(marks + [("sensitive", word) for word in words]))
    return _matcher_cache["matcher"]


def count_item_warnings(items: list[Item]) -> dict[int, int]:
    """Warnings per item of a list (the sign-off queue): the word list is read once for all of them."""
    matcher = _matcher()
    return {item.id: len(check_item(item, matcher)) for item in items}


def check_item(item: Item, matcher=None) -> list[ContentWarning]:
    config = current_app.config
    limits = FormLimits(config["CHECK_TITLE_CHARS"], config["CHECK_BRIEF_CHARS"], tuple(config["CHECK_EVENT_CATEGORIES"]))
    text = item.title + "\n" + item.body + "\n" + "\n".join(photo.caption for photo in item.photos)
    return [
        *find_words(matcher or _matcher(), text),
        *find_personal_data(text),
        *find_form_hints(item.title, item.body, item.category, item.event_end_at is not None,
                         sum(1 for photo in item.photos if not photo.caption.strip()), limits),
    ]


def record_warning_review(item: Item, signer, decision: str, now: datetime | None = None) -> WarningReview:
    """The signer's decision (sign / return) and exactly the warnings shown at that moment."""
    shown = [warning.as_dict() for warning in check_item(item)]
    review = WarningReview(item_id=item.id, actor_id=signer.id, decision=decision,
                           warnings=json.dumps(shown, ensure_ascii=False), at=now or utcnow())
    db.session.add(review)
    return review


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


def index_items(item_ids: list[int] | None = None, pairs: bool = True, only_missing: bool = True) -> int:
    """Features for the given items (default: every item) that have none, then (unless pairs=False) the similar
    items of those (of all the given ones with only_missing=False): for data written without the services (the
    demo, the benchmark, an upgrade). Returns the number of items whose features were written."""
    query = select(Item.id, Item.title, Item.body, Item.created_at).where(Item.id.not_in(select(ItemFeature.item_id)))
    if item_ids is not None:
        query = query.where(Item.id.in_(item_ids))
    missing = db.session.execute(query).all()
    for start in range(0, len(missing), 2000):
        rows = [{"item_id": item_id, "key": key} for item_id, title, body, created_at in missing[start:start + 2000]
                for key in events.extract(title + "\n" + body, to_local(created_at or utcnow()).date())]
        if rows:
            db.session.execute(insert(ItemFeature), rows)
    if pairs:
        ids = [item_id for item_id, *_text in missing] if only_missing or item_ids is None else item_ids
        for item in db.session.scalars(select(Item).where(Item.id.in_(ids))):
            record_similar_items(item)
    return len(missing)
