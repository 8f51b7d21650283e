"""The roster pages: a unit's roster (view, edit, confirm), the office's overview and export, and
roster requests (issue, track)."""
from dataclasses import asdict
from datetime import datetime, time, timedelta
from functools import partial

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ..auth.models import UNIT_ROLES
from ..extensions import utcnow
from ..pdf import render_pdf, send_pdf
from ..web.access import roles_required
from ..web.downloads import DOCX_MIMETYPE, XLSX_MIMETYPE, send_download
from ..web.filters import local_to_utc, office_today, to_local
from ..web.errors import commit_or_show
from ..web.htmx import render_page
from .export import build_roster_workbook
from .forms import RosterForm, RosterRequestForm
from .services import (
    MAX_OFFICERS,
    RESPONSE_STATES,
    OfficerData,
    RosterData,
    can_edit_roster,
    confirm_roster,
    current_request,
    deadline_text,
    get_roster,
    get_roster_request_for,
    get_roster_unit_for,
    issue_roster_request,
    list_roster_requests,
    owed_request_notice,
    roster_data_of,
    roster_heading,
    roster_is_complete,
    roster_pending_for,
    record_roster_export,
    roster_rows,
    save_roster,
    track_roster_request,
    unit_request_notice,
    update_roster_request,
)
from .table import (
    CENTRED_COLUMNS,
    COLUMNS,
    UNIT_COLUMNS,
    column_widths,
    email_breaks,
    header_groups,
    roster_filename,
    roster_table,
)
from .word import build_roster_docx


bp = Blueprint("roster", __name__)

ROSTER_READERS = ("reporter", "signer", "editor", "admin", "viewer")
DEFAULT_NOTE = "请各单位核对本单位分管领导、对口科室和信息员的姓名、职务及联系方式：有变化的请在平台上更新名单，无变化的请点击“确认无变化”。"


@bp.app_template_global("roster_pending")
def _roster_pending() -> bool:
    """For the nav link: the user's unit still owes an answer to the office's roster request."""
    return current_user.is_authenticated and roster_pending_for(current_user)


@bp.app_template_global("unit_roster_notice")
def _unit_roster_notice():
    """For the unit dashboard: the current request while the user's unit still owes an answer."""
    return owed_request_notice(current_user.unit_id)


@bp.get("/roster")
@roles_required(*ROSTER_READERS)
def index():
    if current_user.has_any_role(*UNIT_ROLES) and not current_user.has_any_role("editor", "admin"):
        return redirect(url_for("roster.unit_roster", unit_id=current_user.unit_id))
    now = utcnow()
    latest = current_request()
    return render_page("roster/index.html", rows=roster_rows(now), latest=latest,
                       tracking=track_roster_request(latest, now) if latest else None,
                       requests=list_roster_requests() if current_user.has_role("editor") else [],
                       states=RESPONSE_STATES)


@bp.get("/roster/units/<int:unit_id>")
@roles_required(*ROSTER_READERS)
def unit_roster(unit_id: int):
    unit = get_roster_unit_for(current_user, unit_id)
    roster = get_roster(unit.id)
    return render_page("roster/unit.html", unit=unit, roster=roster, notice=unit_request_notice(unit),
                       can_edit=can_edit_roster(current_user, unit), complete=roster_is_complete(roster))


def _roster_data(form: RosterForm) -> RosterData:
    return RosterData(
        leader_name=form.leader_name.data, leader_position=form.leader_position.data,
        leader_mobile=form.leader_mobile.data, leader_phone=form.leader_phone.data,
        leader_email=form.leader_email.data, section=form.section.data,
        officers=[OfficerData(**{key: value or "" for key, value in entry.data.items()}) for entry in form.officers],
    )


def _add_row(form: RosterForm) -> bool:
    """The no-JavaScript "添加一行" button: re-renders the form with everything typed so far and one
    more empty row. Returns whether it was pressed."""
    if "add_row" not in request.form:
        return False
    if len(form.officers) < MAX_OFFICERS:
        form.officers.append_entry()
    else:
        flash(f"信息员最多填写{MAX_OFFICERS}名", "error")
    return True


@bp.route("/roster/units/<int:unit_id>/edit", methods=["GET", "POST"])
@roles_required(*UNIT_ROLES)
def edit(unit_id: int):
    unit = get_roster_unit_for(current_user, unit_id, "edit")
    form = RosterForm(data=asdict(roster_data_of(get_roster(unit.id))))
    if form.is_submitted() and not _add_row(form) and form.validate():
        if commit_or_show(form, save_roster, current_user, unit, _roster_data(form))[0]:
            flash("名单已保存", "success")
            return redirect(url_for("roster.unit_roster", unit_id=unit.id))
    return render_page("roster/edit.html", form=form, unit=unit, notice=unit_request_notice(unit),
                       max_officers=MAX_OFFICERS)


@bp.post("/roster/units/<int:unit_id>/confirm")
@roles_required(*UNIT_ROLES)
def confirm(unit_id: int):
    unit = get_roster_unit_for(current_user, unit_id, "edit")
    done, outcome = commit_or_show(None, confirm_roster, current_user, unit)
    if done:
        response, answered = outcome
        if answered:
            flash("已确认本单位名单无变化", "success")
        else:
            flash(f"本单位已于{deadline_text(response.responded_at)}{response.kind_name}，无需重复确认", "success")
    return redirect(url_for("roster.unit_roster", unit_id=unit.id))


@bp.get("/roster/export.xlsx")
@roles_required("editor", "admin")
def export():
    now = utcnow()
    title, note = roster_heading(current_app.config["OFFICE_NAME"], now)
    rows = roster_rows(now)
    data = build_roster_workbook(rows, title, note)
    record_roster_export(current_user, rows, "xlsx")
    return send_download(data, roster_filename(to_local(now), "xlsx"), XLSX_MIMETYPE)


@bp.get("/roster/export.pdf")
@roles_required("editor", "admin")
def export_pdf():
    now = utcnow()
    title, note = roster_heading(current_app.config["OFFICE_NAME"], now)
    rows = roster_rows(now)
    table = roster_table(rows)
    font_pt, widths = column_widths(table)
    data = render_pdf("pdf/roster.html", title=title, note=note, columns=COLUMNS, groups=header_groups(),
                      table=table, unit_columns=UNIT_COLUMNS, centred=CENTRED_COLUMNS, email_breaks=email_breaks,
                      font_pt=font_pt, widths=widths)
    record_roster_export(current_user, rows, "pdf")
    return send_pdf(data, roster_filename(to_local(now), "pdf"))


@bp.get("/roster/export.docx")
@roles_required("editor", "admin")
def export_docx():
    now = utcnow()
    title, note = roster_heading(current_app.config["OFFICE_NAME"], now)
    data = build_roster_docx(title, note, roster_table(roster_rows(now)), CENTRED_COLUMNS)
    return send_download(data, roster_filename(to_local(now), "docx"), DOCX_MIMETYPE)


def _submit_request_form(form: RosterRequestForm, save) -> tuple[bool, object]:
    """Validates the form and calls save(deadline, note), committing; a refusal lands at its field.
    Returns whether it was saved, and what save returned."""
    if not form.validate_on_submit():
        return False, None
    deadline = local_to_utc(datetime.combine(form.deadline_on.data, time(form.deadline_hour.data)))
    return commit_or_show(form, save, deadline, form.note.data or "")


@bp.route("/roster/requests/new", methods=["GET", "POST"])
@roles_required("editor")
def request_new():
    form = RosterRequestForm()
    if not form.is_submitted():
        form.deadline_on.data = office_today() + timedelta(days=7)
        form.note.data = DEFAULT_NOTE
    saved, issued = _submit_request_form(form, partial(issue_roster_request, current_user))
    if saved:
        flash("名单确认通知已发出，已通知各单位", "success")
        return redirect(url_for("roster.request_detail", request_id=issued.id))
    return render_page("roster/request_form.html", form=form, latest=current_request(), roster_request=None)


@bp.route("/roster/requests/<int:request_id>/edit", methods=["GET", "POST"])
@roles_required("editor")
def request_edit(request_id: int):
    roster_request = get_roster_request_for(current_user, request_id)
    form = RosterRequestForm()
    if not form.is_submitted():
        local = to_local(roster_request.deadline_at)
        form.deadline_on.data, form.deadline_hour.data, form.note.data = local.date(), local.hour, roster_request.note
    saved, changes = _submit_request_form(form, partial(update_roster_request, current_user, roster_request))
    if saved:
        flash("已修改：" + "；".join(changes) + "，已通知尚未完成的单位" if changes else "没有修改", "success")
        return redirect(url_for("roster.request_detail", request_id=roster_request.id))
    return render_page("roster/request_form.html", form=form, latest=None, roster_request=roster_request)


@bp.get("/roster/requests/<int:request_id>")
@roles_required("editor")
def request_detail(request_id: int):
    roster_request = get_roster_request_for(current_user, request_id)
    return render_page("roster/request.html", "roster/_tracking.html",
                       tracking=track_roster_request(roster_request), states=RESPONSE_STATES)
