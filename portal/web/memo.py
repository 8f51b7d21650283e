"""Reads that several parts of one page ask for (the menu's count and the dashboard's panel of the same
notices, the active rule set behind three panels): made once per page.

Only while a page is read (GET or HEAD): a request that writes may change what it asks about and then ask
again. Kept in the request's WSGI environ, not on flask.g: the tests drive many requests inside one
application context, where g would carry an answer from one request into the next."""
from functools import wraps

from flask import has_request_context, request

from ..extensions import SAFE_METHODS

_KEY = "portal.once_per_page"


def once_per_page(function):
    @wraps(function)
    def wrapper(*args):
        if not has_request_context() or request.method not in SAFE_METHODS:
            return function(*args)
        answers = request.environ.setdefault(_KEY, {})
        key = (function, args)
        if key not in answers:
            answers[key] = function(*args)
        return answers[key]
    return wrapper
