"""Role checks for views. Object-level checks live in each domain's get_<object>_for helper."""
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, render_template, request
from flask_login import current_user, login_required


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_any_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def page_of_request() -> str:
    """The page the user was on: for a GET the URL itself; for a form sent by POST the page that held
    the form (the same-origin Referer), since the POST's URL may have no page to return to."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return request.path


def ask_confirmation(question: str, label: str):
    """None once the user has confirmed an irreversible action (the form's `confirmed` field, set by
    portal.js's dialog or by this page's own button); else a page that says what will happen and asks,
    for a browser without scripts. The view returns the page when there is one."""
    if request.form.get("confirmed"):
        return None
    return render_template("web/confirm.html", question=question, label=label, back=page_of_request())
