"""Reads that several parts of one page ask for (the menu's count and the dashboard's panel of the same
notices): made once per request.

Kept in the request's WSGI environ, not on flask.g: the tests drive many requests inside one application
context, where g would carry an answer from one request into the next."""
from functools import wraps

from flask import request

_KEY = "portal.once_per_request"


def once_per_request(function):
    """For template globals and other reads of a page only: a request that writes and then asks again
    would be answered from before its write."""
    @wraps(function)
    def wrapper(*args):
        answers = request.environ.setdefault(_KEY, {})
        key = (function, args)
        if key not in answers:
            answers[key] = function(*args)
        return answers[key]
    return wrapper
