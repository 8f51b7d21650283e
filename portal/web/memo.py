"""Reads that several parts of one page ask for (the menu's count and the dashboard's panel of the same
notices, the active rule set behind three panels): made once per page.

An answer holds while nothing is written: only in a GET or HEAD request (a writing request may change
what it asks about and ask again), and only until the session flushes or while it holds changes not yet
flushed (a page that refreshes stored scores, the demo building its world inside one request context).
Kept in the request's WSGI environ, not on flask.g: the tests drive many requests inside one application
context, where g would carry an answer from one request into the next."""
from functools import wraps

from flask import has_request_context, request

from ..extensions import SAFE_METHODS, db, on_session

_ANSWERS = "portal.once_per_page"
_FLUSHES = "portal.flushes"


def init_app(_app) -> None:
    on_session("after_flush", _count_flush)


def _count_flush(session, _flush_context) -> None:
    session.info[_FLUSHES] = session.info.get(_FLUSHES, 0) + 1


def once_per_page(function):
    @wraps(function)
    def wrapper(*args):
        session = db.session
        if (not has_request_context() or request.method not in SAFE_METHODS
                or session.new or session.dirty or session.deleted):
            return function(*args)
        flushes = session.info.get(_FLUSHES, 0)
        answers = request.environ.setdefault(_ANSWERS, {})
        key = (function, args)
        if key not in answers or answers[key][0] != flushes:
            answers[key] = (flushes, function(*args))
        return answers[key][1]
    return wrapper
