"""Reads that several parts of one page ask for (the menu's count and the dashboard's panel of the same
notices, the active rule set behind three panels): made once per page.

An answer holds while nothing is written: only in a GET or HEAD request (a writing request may change
what it asks about and ask again), and only until the session flushes or while it holds changes not yet
flushed (a page that refreshes stored scores, the demo building its world inside one request context).
Kept in the request's WSGI environ, not on flask.g: the tests drive many requests inside one application
context, where g would carry an answer from one request into the next.

kept_by_version keeps answers longer, across requests in this process, for reads of data that carries a
version: a random token drawn again in every transaction that changes what it stands for."""
import secrets
from collections import OrderedDict
from functools import wraps
from threading import Lock

from flask import has_request_context, request

from ..extensions import SAFE_METHODS, db, on_session, transaction_wrote

_ANSWERS = "portal.once_per_page"
_FLUSHES = "portal.flushes"


def init_app(_app) -> None:
    on_session("after_flush", _count_flush)


def _count_flush(session, _flush_context) -> None:
    session.info[_FLUSHES] = session.info.get(_FLUSHES, 0) + 1


def _reads_hold() -> bool:
    """Whether a read now sees what was committed: a GET or HEAD request whose session holds no change."""
    session = db.session
    return (has_request_context() and request.method in SAFE_METHODS
            and not (session.new or session.dirty or session.deleted))


def once_per_page(function):
    @wraps(function)
    def wrapper(*args):
        session = db.session
        if not _reads_hold():
            return function(*args)
        flushes = session.info.get(_FLUSHES, 0)
        answers = request.environ.setdefault(_ANSWERS, {})
        key = (function, args)
        if key not in answers or answers[key][0] != flushes:
            answers[key] = (flushes, function(*args))
        return answers[key][1]
    return wrapper


KEPT_ANSWERS = 4096
_kept: OrderedDict = OrderedDict()
_kept_lock = Lock()  # a threaded server's requests share the process


def _keeping() -> bool:
    """Only reads that see what was committed are kept: a writing request may read its own changes under
    the old version."""
    return _reads_hold() and not transaction_wrote()


def _kept_answer(key):
    with _kept_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return True, _kept[key]
    return False, None


def _keep(key, answer) -> None:
    with _kept_lock:
        _kept[key] = answer
        while len(_kept) > KEPT_ANSWERS:
            _kept.popitem(last=False)


def draw_version() -> str:
    """A version: random, never repeated, so neither a reused id (SQLite gives a deleted row's id to the next)
    nor another database in the same process can meet an answer kept for an older one."""
    return secrets.token_hex(16)


def kept_under(version: str | None, function, *args):
    """function(*args), kept in this process under version: a token drawn at random (draw_version) in every
    transaction that changes what it stands for (the stored scores: a new run, each incremental update; a
    unit's items), so an answer kept under it is the one computing again would give, on any server, and
    none is ever removed for being out of date — a newer version is simply another key. The version must
    be read before what the function reads, in the same transaction or an earlier one. A version of None
    keeps nothing; nor does a request that may read its own changes (_keeping). The oldest answers go
    beyond KEPT_ANSWERS. Callers must not change what they are given."""
    return _kept_or_computed(version, (function, version, args), lambda: function(*args))


def kept_by_version(function):
    """Keeps function(versioned, *args) under versioned.version (kept_under), the versioned thing itself
    not part of the key: the stored run or unit score read by this request."""
    @wraps(function)
    def wrapper(versioned, *args):
        version = getattr(versioned, "version", None)
        return _kept_or_computed(version, (function, version, args), lambda: function(versioned, *args))
    return wrapper


def _kept_or_computed(version: str | None, key, compute):
    if not (version and _keeping()):
        return compute()
    found, answer = _kept_answer(key)
    if not found:
        answer = compute()
        _keep(key, answer)
    return answer


def kept_each_by_version(function):
    """kept_by_version for a function of many things at once, function({key: versioned}, *args) ->
    {key: answer}: each answer is kept under its own thing's version, and only the keys with none kept
    are computed, in one call (a ranking page's units, of which a few changed since the last view)."""
    @wraps(function)
    def wrapper(versioned_by_key: dict, *args):
        keeping = _keeping()
        answers, missing = {}, {}
        for key, versioned in versioned_by_key.items():
            version = getattr(versioned, "version", None) if keeping else None
            found, answer = _kept_answer((function, version, key, args)) if version else (False, None)
            if found:
                answers[key] = answer
            else:
                missing[key] = versioned
        if missing:
            computed = function(missing, *args)
            for key, versioned in missing.items():
                version = getattr(versioned, "version", None) if keeping else None
                if version:
                    _keep((function, version, key, args), computed[key])
            answers |= computed
        return answers
    return wrapper
