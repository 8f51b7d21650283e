"""Reads that several parts of one page ask for (the menu's count and the dashboard's panel of the same
notices, the active rule set behind three panels): made once per page.

An answer holds while nothing is written: only in a GET or HEAD request (a writing request may change
what it asks about and ask again), and only until the session flushes or while it holds changes not yet
flushed (a page that refreshes stored scores, the demo building its world inside one request context).
Kept in the request's WSGI environ, not on flask.g: the tests drive many requests inside one application
context, where g would carry an answer from one request into the next.

kept_by_version keeps answers longer, across requests in this process, for reads of data that carries a
version: a random token drawn again in every transaction that changes what it stands for."""
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


def kept_by_version(function):
    """Keeps function(versioned, *args) in this process under versioned.version: a token drawn at random
    whenever what it stands for changes (the stored scores: a new run, each incremental update), so an
    answer kept under it is the one computing again would give, on any server, and none is ever removed
    for being out of date — a newer version is simply another key. Only reads that see what was committed
    are kept (_reads_hold, and a transaction that wrote nothing): a writing request may read its own
    changes under the old version. The oldest
    answers go beyond KEPT_ANSWERS. Callers must not change what they are given."""
    @wraps(function)
    def wrapper(versioned, *args):
        if not (versioned.version and _reads_hold()) or transaction_wrote():
            return function(versioned, *args)
        key = (function, versioned.version, args)
        with _kept_lock:
            if key in _kept:
                _kept.move_to_end(key)
                return _kept[key]
        answer = function(versioned, *args)
        with _kept_lock:
            _kept[key] = answer
            while len(_kept) > KEPT_ANSWERS:
                _kept.popitem(last=False)
        return answer
    return wrapper
