"""Who is logged in, for every request: Flask-Login's loader and login page, the forced password change,
and the answer to a form whose login has ended. Connected by init_app."""
from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_url
from flask_wtf.csrf import CSRFError

from ..extensions import login_manager
from ..web.access import page_of_request
from .sessions import PortalSessionInterface, check_session, take_session_notice

MUST_CHANGE_MESSAGE = "您正在使用管理员设置的初始密码，请先修改密码后再使用系统"
# Where a person with an initial password may still go.
MUST_CHANGE_EXEMPT = {"auth.password", "auth.logout"}
# A form sent after its login ended: portal.js has kept what was typed in the browser (恢复 after login).
UNSENT_MESSAGE = "登录已失效，内容已保存在本机，请重新登录后提交"
STALE_PAGE_MESSAGE = "页面已过期，内容已保存在本机，请点“恢复未提交内容”后重新提交"


def init_app(app) -> None:
    app.session_interface = PortalSessionInterface()
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(ask_for_login)
    app.register_error_handler(CSRFError, refuse_stale_form)
    app.before_request(require_password_change)
    app.context_processor(_session_notice)


def load_user(user_id: str):
    # Only a live server-side session counts: a deactivated account, a revoked or timed-out session
    # (or a cookie without one, such as a "remember me" cookie) is anonymous.
    user, reason = check_session(int(user_id)) if user_id.isdigit() else (None, "")
    if user is None:
        for key in ("_user_id", "_fresh", "_id", "sid"):
            session.pop(key, None)
        g.session_end_reason = reason
    return user


def _session_notice():
    # Called by base.html where the flash messages are: only a full page shows, and so uses up, the notice.
    return {"take_session_notice": take_session_notice}


def leave_for(target: str):
    """A redirect that HTMX follows as a whole page (HX-Redirect), so a login page never lands inside a
    fragment and portal.js's copy of the form stays where it is."""
    if request.headers.get("HX-Request") == "true":
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def ask_for_login():
    reason = g.pop("session_end_reason", "")
    if request.method != "GET":
        reason = UNSENT_MESSAGE
    flash(reason or login_manager.login_message, login_manager.login_message_category)
    return leave_for(login_url(login_manager.login_view, next_url=page_of_request()))


def refuse_stale_form(error: CSRFError):
    """A form whose CSRF token no longer matches the session (the login ended, the cookie was lost, or
    the page predates the current login): nothing is stored, and the user is sent where the form can
    be sent again instead of a dead-end 400."""
    if current_user.is_authenticated:
        flash(STALE_PAGE_MESSAGE, "error")
        return leave_for(page_of_request())
    flash(UNSENT_MESSAGE, "error")
    return leave_for(login_url(login_manager.login_view, next_url=page_of_request()))


def require_password_change():
    # Loads the user before any view runs (sessions.check_session may commit), static files excepted.
    if request.endpoint in (None, "static"):
        return None
    if current_user.is_authenticated and current_user.must_change_password \
            and request.endpoint not in MUST_CHANGE_EXEMPT:
        flash(MUST_CHANGE_MESSAGE, "info")
        return redirect(url_for("auth.password"))
    return None
