"""Bulletin pages: the list, a new draft, its texts, the page (a draft's live preview or the frozen
bulletin), publishing, corrections, and the spreadsheet."""
from decimal import Decimal

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..web.access import ask_confirmation, roles_required
from ..web.downloads import DOCX_MIMETYPE, XLSX_MIMETYPE, send_download
from ..web.errors import commit_or_show
from ..web.htmx import render_page
from .documents import read_bulletin_file, store_bulletin_documents
from .forms import BulletinTextForm, NewBulletinForm
from .services import (
    DELETE_DRAFT_QUESTION,
    describe_publishing,
    correct_bulletin,
    create_bulletin,
    default_window,
    delete_bulletin,
    find_correction_of,
    get_bulletin_for,
    list_bulletins_for,
    publish_bulletin,
    read_bulletin,
    resolve_window,
    update_bulletin,
)
from .table import PART_HEADERS, bulletin_filename, chinese_date, missed_window_text, summarise_adoptions


bp = Blueprint("bulletins", __name__)

bp.add_app_template_global(summarise_adoptions, "adoption_summary")
bp.add_app_template_filter(missed_window_text, "missed_window")


@bp.app_template_global("part_headers")
def _part_headers() -> dict[str, tuple[str, str]]:
    return PART_HEADERS


@bp.app_template_filter("iso_date")
def _iso_date(value: str | None) -> str:
    return chinese_date(value)


@bp.app_template_filter("signed_points")
def _signed_points(value: str | None) -> str:
    """Points of the figures with their sign (+12, -2, 0); a dash when the rule set could not score."""
    if value is None:
        return "—"
    number = Decimal(value)
    return f"{number:+f}" if number else "0"


def _detail(bulletin_id: int):
    return redirect(url_for("bulletins.detail", bulletin_id=bulletin_id))


@bp.get("/bulletins")
@login_required
def index():
    return render_page("bulletins/index.html", entries=list_bulletins_for(current_user))


@bp.route("/bulletins/new", methods=["GET", "POST"])
@roles_required("editor")
def new():
    form = NewBulletinForm()
    if not form.is_submitted():
        window = default_window()
        form.year.data, form.month.data = window.year, window.part
    if form.validate_on_submit():
        kind = form.kind.data
        part = {"month": form.month.data, "quarter": form.quarter.data}.get(kind, 0)
        # The window is checked inside: a month 13 is a refusal shown at its field.
        done, bulletin = commit_or_show(form, lambda: create_bulletin(current_user, resolve_window(kind, form.year.data, part)))
        if done:
            flash("通报草稿已生成，请核对数据、修改文字后发布", "success")
            return _detail(bulletin.id)
    return render_page("bulletins/new.html", form=form)


@bp.route("/bulletins/<int:bulletin_id>/edit", methods=["GET", "POST"])
@roles_required("editor")
def edit(bulletin_id: int):
    bulletin = get_bulletin_for(current_user, bulletin_id, "edit")
    form = BulletinTextForm(obj=bulletin)
    if form.validate_on_submit():
        done, _ = commit_or_show(form, update_bulletin, current_user, bulletin, form.title.data, form.addressee.data,
                                 form.preamble.data, form.closing.data)
        if done:
            flash("已保存", "success")
            return _detail(bulletin.id)
    return render_page("bulletins/edit.html", form=form, bulletin=bulletin)


@bp.get("/bulletins/<int:bulletin_id>")
@login_required
def detail(bulletin_id: int):
    bulletin = get_bulletin_for(current_user, bulletin_id)
    return render_page("bulletins/detail.html", bulletin=bulletin, doc=read_bulletin(bulletin),
                       publish_question=None if bulletin.is_published else describe_publishing(bulletin),
                       delete_question=DELETE_DRAFT_QUESTION,
                       corrected_by=find_correction_of(bulletin) if bulletin.is_published else None)


@bp.post("/bulletins/<int:bulletin_id>/publish")
@roles_required("editor")
def publish(bulletin_id: int):
    bulletin = get_bulletin_for(current_user, bulletin_id, "publish")
    if bulletin.is_published:
        flash(f"该通报已发布（{bulletin.doc_number}）", "success")
        return _detail(bulletin.id)
    if page := ask_confirmation(describe_publishing(bulletin), "发布并通知各单位"):
        return page
    if commit_or_show(None, publish_bulletin, current_user, bulletin)[0]:
        store_bulletin_documents(bulletin)
        db.session.commit()
        flash(f"通报已发布（{bulletin.doc_number}），已通知各单位", "success")
    return _detail(bulletin_id)


@bp.post("/bulletins/<int:bulletin_id>/correct")
@roles_required("editor")
def correct(bulletin_id: int):
    original = get_bulletin_for(current_user, bulletin_id, "correct")
    correction = correct_bulletin(current_user, original)
    db.session.commit()
    flash(f"已生成更正通报草稿（更正{original.doc_number}），数据按最新情况重新统计", "success")
    return _detail(correction.id)


@bp.post("/bulletins/<int:bulletin_id>/delete")
@roles_required("editor")
def delete(bulletin_id: int):
    bulletin = get_bulletin_for(current_user, bulletin_id, "delete")
    if page := ask_confirmation(DELETE_DRAFT_QUESTION, "删除草稿"):
        return page
    delete_bulletin(current_user, bulletin)
    db.session.commit()
    flash("通报草稿已删除", "success")
    return redirect(url_for("bulletins.index"))


MIMETYPES = {"pdf": "application/pdf", "xlsx": XLSX_MIMETYPE, "docx": DOCX_MIMETYPE}


def _download(bulletin_id: int, file_format: str):
    bulletin = get_bulletin_for(current_user, bulletin_id)
    doc = read_bulletin(bulletin)
    data = read_bulletin_file(bulletin, doc, file_format)
    db.session.commit()  # a published bulletin's file made at its first download is kept
    return send_download(data, bulletin_filename(doc, file_format), MIMETYPES[file_format])


@bp.get("/bulletins/<int:bulletin_id>.xlsx")
@login_required
def export(bulletin_id: int):
    """The spreadsheet: the ranking with every per-unit figure, and the adopted items."""
    return _download(bulletin_id, "xlsx")


@bp.get("/bulletins/<int:bulletin_id>.pdf")
@login_required
def pdf(bulletin_id: int):
    """The 通报 as the office prints it (GB/T 9704)."""
    return _download(bulletin_id, "pdf")


@bp.get("/bulletins/<int:bulletin_id>.docx")
@login_required
def docx(bulletin_id: int):
    """The 通报 as a Word document, for the office to edit before 签发."""
    return _download(bulletin_id, "docx")
