"""Solicitation pages: the office's list, issuing and editing, the tracking board, the units' inbox,
the printable notice, and the reporting priorities."""
from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from ..auth.models import UNIT_ROLES
from ..extensions import db, utcnow, write_transaction
from ..pdf import render_pdf, send_pdf
from ..web.access import ask_confirmation, roles_required
from ..web.countdown import describe_countdown
from ..web.downloads import DOCX_MIMETYPE, send_download
from ..web.filters import to_local_naive
from ..web.errors import commit_or_show
from ..web.forms import form_errors, loaded_version
from ..web.htmx import render_page
from ..web.memo import once_per_page
from .board import build_board, describe_for_unit, list_inbox, list_solicitations, list_waiting
from .forms import ExtendForm, IssueForm, PriorityForm, SolicitationForm, VerdictForm
from .models import TARGET_STATES, VERDICTS
from .notice import build_notices
from .priorities import describe_current_priority, list_priorities, publish_priority
from .services import (
    SolicitationFields,
    acknowledge_solicitation,
    close_solicitation,
    deadline_at,
    decide_answer,
    describe_closing,
    extend_deadline,
    get_answer_for,
    get_solicitation_for,
    issue_solicitation,
    list_target_choices,
    list_target_groups,
    mark_opened,
    needs_opening,
    update_solicitation,
    verdict_name,
)
from .word import build_notices_docx


bp = Blueprint("solicitations", __name__)

READERS = ("reporter", "signer", "editor", "viewer")


@bp.app_template_filter("verdict_name")
def _verdict_name(verdict: str | None) -> str:
    return verdict_name(verdict)


# The menu's count and the dashboard's panel show the same notices.
_waiting_lines = once_per_page(list_waiting)


@bp.app_template_global("unit_solicitation_panel")
def unit_solicitation_panel():
    """The unit dashboard's panel (solicitations/_dashboard.html): the current reporting priorities
    and the notices still awaiting the unit's answer, without touching the items views."""
    return {"priority": describe_current_priority(), "waiting": _waiting_lines(current_user.unit)}


@bp.app_template_global("waiting_solicitations")
def waiting_solicitations() -> int:
    """The menu's count on 约稿 for a unit member: notices still awaiting the unit's answer."""
    return len(_waiting_lines(current_user.unit))


def _fields(form: SolicitationForm) -> SolicitationFields:
    by_phone = bool(getattr(form, "by_phone", None) and form.by_phone.data)
    called_at = None
    if by_phone and form.called_date.data:
        called_at = deadline_at(form.called_date.data, form.called_hour.data)
    return SolicitationFields(
        topic=form.topic.data or "", requirements=form.requirements.data or "",
        deadline=deadline_at(form.deadline_date.data, form.deadline_hour.data),
        contact_name=form.contact_name.data or "", room=form.room.data or "", phone=form.phone.data or "",
        email=form.email.data or "", unit_ids=set(form.units.data or ()), groups=set(form.groups.data or ()),
        by_phone=by_phone, called_at=called_at,
    )


def _board_url(solicitation_id: int) -> str:
    return url_for("solicitations.board", solicitation_id=solicitation_id)


# ---- the office ---------------------------------------------------------------------------

@bp.get("/solicitations")
@roles_required("editor", "viewer")
def index():
    return render_page("solicitations/index.html", lines=list_solicitations())


@bp.route("/solicitations/new", methods=["GET", "POST"])
@roles_required("editor")
def new():
    form = IssueForm(groups=list_target_groups(), units=list_target_choices())
    if form.validate_on_submit():
        done, solicitation = commit_or_show(form, issue_solicitation, current_user, _fields(form))
        if done:
            flash(f"约稿已发出，已通知{len(solicitation.targets)}个单位", "success")
            return redirect(_board_url(solicitation.id))
    return render_page("solicitations/form.html", form=form, solicitation=None)


@bp.route("/solicitations/<int:solicitation_id>/edit", methods=["GET", "POST"])
@roles_required("editor")
def edit(solicitation_id: int):
    solicitation = get_solicitation_for(current_user, solicitation_id, "manage")
    form = SolicitationForm(obj=solicitation, groups=list_target_groups(), units=list_target_choices())
    if not form.is_submitted():
        local = to_local_naive(solicitation.deadline)
        form.deadline_date.data, form.deadline_hour.data = local.date(), local.hour
        form.units.data = sorted(solicitation.unit_ids)
        form.groups.data = []
    elif form.validate():
        done, changes = commit_or_show(form, update_solicitation, current_user, solicitation, _fields(form),
                                       loaded_version())
        if not done:
            form.version.data = solicitation.version  # sent again as it is, it knowingly replaces the newer one
        else:
            flash("约稿已修改，已通知各单位：" + "；".join(changes) if changes else "约稿已保存", "success")
            return redirect(url_for("solicitations.detail", solicitation_id=solicitation.id))
    return render_page("solicitations/form.html", form=form, solicitation=solicitation)


@bp.post("/solicitations/<int:solicitation_id>/extend")
@roles_required("editor")
def extend(solicitation_id: int):
    solicitation = get_solicitation_for(current_user, solicitation_id, "manage")
    form = ExtendForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
    else:
        reopening = not solicitation.is_open
        if commit_or_show(None, extend_deadline, current_user, solicitation,
                          deadline_at(form.deadline_date.data, form.deadline_hour.data))[0]:
            flash(("约稿已重新开放，" if reopening else "") + "截止时间已延长，已通知各单位", "success")
    return redirect(url_for("solicitations.detail", solicitation_id=solicitation_id))


@bp.post("/solicitations/<int:solicitation_id>/close")
@roles_required("editor")
def close(solicitation_id: int):
    solicitation = get_solicitation_for(current_user, solicitation_id, "manage")
    if solicitation.is_open and (page := ask_confirmation(describe_closing(solicitation), "结束约稿")):
        return page
    if commit_or_show(None, close_solicitation, current_user, solicitation)[0]:
        flash("约稿已结束", "success")
    return redirect(url_for("solicitations.detail", solicitation_id=solicitation_id))


@bp.get("/solicitations/<int:solicitation_id>/board")
@roles_required("editor", "viewer")
def board(solicitation_id: int):
    solicitation = get_solicitation_for(current_user, solicitation_id, "board")
    return render_page("solicitations/board.html", "solicitations/_board.html",
                       board=build_board(solicitation), states=TARGET_STATES)


@bp.post("/solicitation-answers/<int:answer_id>/verdict")
@roles_required("editor")
def answer_verdict(answer_id: int):
    item = get_answer_for(current_user, answer_id)
    form = VerdictForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
    elif commit_or_show(None, decide_answer, current_user, item, form.verdict.data)[0]:
        flash(f"已评定：{VERDICTS[form.verdict.data]}", "success")
    if form.next.data == "item":
        return redirect(url_for("items.detail", item_id=item.id))
    return redirect(_board_url(item.solicitation_id))


# ---- both sides ---------------------------------------------------------------------------

@bp.get("/solicitations/<int:solicitation_id>")
@roles_required(*READERS)
def detail(solicitation_id: int):
    solicitation = get_solicitation_for(current_user, solicitation_id)
    if needs_opening(current_user, solicitation):
        # Opening the notice is its receipt (已查看): a write inside this GET, in a write transaction.
        db.session.commit()
        with write_transaction():
            mark_opened(current_user, solicitation)
            db.session.commit()
    now = utcnow()
    extend_form = ExtendForm()
    local = to_local_naive(solicitation.deadline)
    extend_form.deadline_date.data, extend_form.deadline_hour.data = local.date(), local.hour
    return render_page("solicitations/detail.html", solicitation=solicitation,
                       unit_view=describe_for_unit(current_user, solicitation, now),
                       countdown=describe_countdown(solicitation.deadline, now), extend_form=extend_form,
                       close_question=describe_closing(solicitation))


@bp.get("/solicitations/<int:solicitation_id>/print")
@roles_required(*READERS)
def print_notice(solicitation_id: int):
    solicitation = get_solicitation_for(current_user, solicitation_id)
    return render_page("solicitations/print.html", solicitation=solicitation,
                       notices=build_notices(current_user, solicitation))


@bp.get("/solicitations/<int:solicitation_id>/print.pdf")
@roles_required(*READERS)
def notice_pdf(solicitation_id: int):
    solicitation = get_solicitation_for(current_user, solicitation_id)
    data = render_pdf("pdf/solicitation_notice.html", solicitation=solicitation,
                      notices=build_notices(current_user, solicitation))
    return send_pdf(data, f"约稿通知单-{solicitation.topic}.pdf")


@bp.get("/solicitations/<int:solicitation_id>/print.docx")
@roles_required(*READERS)
def notice_docx(solicitation_id: int):
    solicitation = get_solicitation_for(current_user, solicitation_id)
    return send_download(build_notices_docx(build_notices(current_user, solicitation)),
                         f"约稿通知单-{solicitation.topic}.docx", DOCX_MIMETYPE)


# ---- the units ----------------------------------------------------------------------------

@bp.get("/solicitations/inbox")
@roles_required(*UNIT_ROLES)
def inbox():
    return render_page("solicitations/inbox.html", "solicitations/_inbox_list.html",
                       lines=list_inbox(current_user.unit_id))


@bp.post("/solicitations/<int:solicitation_id>/acknowledge")
@roles_required(*UNIT_ROLES)
def acknowledge(solicitation_id: int):
    solicitation = get_solicitation_for(current_user, solicitation_id, "acknowledge")
    done, recorded = commit_or_show(None, acknowledge_solicitation, current_user, solicitation)
    if done:
        flash("已签收" if recorded else "本单位已签收过此约稿", "success")
    return redirect(url_for("solicitations.detail", solicitation_id=solicitation_id))


# ---- reporting priorities -----------------------------------------------------------------

@bp.get("/priorities")
@roles_required(*READERS)
def priorities():
    return render_page("solicitations/priorities.html", priorities=list_priorities())


@bp.route("/priorities/new", methods=["GET", "POST"])
@roles_required("editor")
def priority_new():
    form = PriorityForm()
    if form.validate_on_submit():
        if commit_or_show(form, publish_priority, current_user, form.title.data, form.body.data)[0]:
            flash("信息工作要点已发布，各单位首页可见", "success")
            return redirect(url_for("solicitations.priorities"))
    return render_page("solicitations/priority_form.html", form=form)
