from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..audit.services import record_event
from ..extensions import db
from ..items.signoff import list_missing_signers, missing_signer_message
from ..units.services import unit_choices
from ..web.access import roles_required
from .forms import LoginForm, PasswordChangeForm, UserForm
from .models import User
from .services import (
    AccountError,
    WeakPasswordError,
    authenticate_user,
    change_password,
    create_user,
    generate_password,
    list_users,
    reset_password,
    set_user_active,
    update_user,
)
from .sessions import count_live_sessions, end_session, leave_session_notice, revoke_sessions, start_session
from .throttle import describe_attempt


bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an absolute or scheme-relative URL (open redirect).
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("items.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("items.home"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = describe_attempt(form.username.data, request.remote_addr, request.user_agent.string)
        try:
            user = authenticate_user(attempt, form.password.data)
        except AccountError as error:
            form.password.errors.append(str(error))
            record_event(None, "login.failure", None, f"登录失败（{error}），用户名：{form.username.data}")
            db.session.commit()  # the refused attempt stays on record
        else:
            start_session(user, attempt.address, attempt.user_agent)
            record_event(user, "login.success", user, "登录成功")
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    end_session()
    db.session.commit()
    logout_user()
    flash("您已退出登录", "info")
    return redirect(url_for("auth.login"))


@bp.get("/account/alive")
@login_required
def alive():
    # portal.js asks while someone types into a form near the idle timeout: the request itself is the
    # activity that keeps the login (sessions.check_session refreshes last_seen_at).
    return "", 204


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data)
        except WeakPasswordError as error:
            form.new.errors.append(str(error))
        except AccountError as error:
            form.current.errors.append(str(error))
        else:
            db.session.commit()
            flash("密码已修改，您在其他设备上的登录已退出", "success")
            return redirect(url_for("items.home"))
    return render_template("auth/password.html", form=form)


@bp.get("/admin/users")
@roles_required("admin")
def user_list():
    return render_template("auth/users.html", users=list_users())


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    form.unit_id.choices = unit_choices(include_inactive=True)
    if user is not None and not form.is_submitted():
        form.roles.data = sorted(user.roles)
    return form


def _flash_missing_signers(*units) -> None:
    """After an account change: a unit left without someone to sign its items is named at once."""
    for unit in dict.fromkeys(units):
        if unit is not None and unit.kind != "office" and unit.active:
            for role in list_missing_signers(unit.id):
                flash(f"注意：{unit.name}{missing_signer_message(role)}", "error")


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    form = _user_form(None)
    if form.validate_on_submit():
        password = generate_password()
        try:
            user = create_user(
                form.username.data.strip(), form.name.data.strip(), form.unit_id.data, form.roles.data,
                password, form.phone.data or "", (form.email.data or "").strip() or None, must_change=True,
            )
        except AccountError as error:
            form.username.errors.append(str(error))
        else:
            leave_session_notice(f"账号 {user.username} 已创建，初始密码：{password}（只显示这一次，请转告本人；首次登录须修改）")
            db.session.commit()
            _flash_missing_signers(user.unit)
            return redirect(url_for("auth.user_list"))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = _user_form(user)
    # The username is the login name others know; it is fixed once created.
    form.username.data = user.username
    if form.validate_on_submit():
        old_unit = user.unit
        try:
            update_user(user, form.name.data.strip(), form.unit_id.data, form.roles.data, form.phone.data or "",
                        (form.email.data or "").strip() or None)
        except AccountError as error:
            form.roles.errors.append(str(error))
        else:
            db.session.commit()
            flash("账号已保存", "success")
            _flash_missing_signers(old_unit, user.unit)
            return redirect(url_for("auth.user_list"))
    return render_template("auth/user_form.html", form=form, user=user, live_sessions=count_live_sessions(user))


@bp.post("/admin/users/<int:user_id>/reset-password")
@roles_required("admin")
def user_reset_password(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    password = reset_password(user)
    leave_session_notice(f"{user.name}（{user.username}）的新密码：{password}（只显示这一次，请转告本人；登录后须修改）")
    db.session.commit()
    return redirect(url_for("auth.user_list"))


@bp.post("/admin/users/<int:user_id>/sign-out")
@roles_required("admin")
def user_sign_out(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    revoke_sessions(user)
    db.session.commit()
    flash(f"{user.name}（{user.username}）已在所有设备上退出登录", "success")
    return redirect(url_for("auth.user_edit", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/active")
@roles_required("admin")
def user_toggle_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    try:
        set_user_active(user, not user.active, current_user)
    except AccountError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"账号 {user.username} 已{'启用' if user.active else '停用'}", "success")
        _flash_missing_signers(user.unit)
    return redirect(url_for("auth.user_list"))
