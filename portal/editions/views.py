"""Edition pages: the list, compiling a draft (editors), reading a locked edition (everyone), and the
admin's publications."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..items.wechat import photo_url, send_photos
from ..pdf import render_pdf, send_pdf
from ..web.access import ask_confirmation, roles_required
from ..web.downloads import DOCX_MIMETYPE, send_download
from ..web.fields import query_int
from ..web.filters import office_today
from ..web.errors import commit_or_show, show_error
from ..web.forms import is_form_key, new_form_key, strip_control_characters
from ..web.htmx import render_page
from ..web.wechat import render_wechat_page
from .forms import AddItemsForm, EditionNewForm, EditionSettingsForm, PublicationForm
from .models import NUMBERINGS
from .services import (
    update_entries,
    describe_edition_deletion,
    describe_locking,
    EditionError,
    PublicationFields,
    add_items,
    compiled_by_of,
    create_edition,
    delete_edition,
    describe_number,
    entry_body,
    entry_unit_name,
    find_edition_by_form_key,
    find_publication,
    get_edition_for,
    get_entry_for,
    get_publication,
    group_entries,
    list_candidate_items,
    list_channel_choices,
    list_editions,
    list_publications,
    list_recipients,
    lock_edition,
    masthead_of,
    move_entry,
    office_lines,
    remove_entry,
    save_publication,
    update_edition,
)
from .wechat import edition_article
from .word import build_edition_docx


bp = Blueprint("editions", __name__)


@bp.app_template_global("edition_number")
def _edition_number(edition) -> str:
    return describe_number(edition)


def _section_choices(edition) -> dict[str, str]:
    return {"": "不分栏目"} | {name: name for name in edition.publication.section_list}


def _reading_context(edition) -> dict:
    """What the reading page and the PDF both show, from the one place."""
    internal_mark, people = office_lines()
    return dict(edition=edition, groups=group_entries(edition), body_of=entry_body, unit_of=entry_unit_name,
                compiled_by=compiled_by_of(edition.publication), recipients=list_recipients(edition.publication),
                masthead=masthead_of(edition.publication), internal_mark=internal_mark, people=people)


def _reading(template: str, edition):
    return render_page(template, **_reading_context(edition))


@bp.get("/editions")
@login_required
def index():
    publications = list_publications()
    publication_id = query_int("publication")
    if publication_id not in {publication.id for publication in publications}:  # also a number no row can have
        publication_id = None
    return render_page("editions/index.html", editions=list_editions(current_user, publication_id),
                       publications=publications, publication_id=publication_id)


@bp.route("/editions/new", methods=["GET", "POST"])
@roles_required("editor")
def new():
    form = EditionNewForm()
    form.publication_id.choices = {p.id: p.name for p in list_publications(active_only=True)}
    if not (form.is_submitted() and is_form_key(form.form_key.data)):
        form.form_key.data = new_form_key()
    form_key = form.form_key.data
    if not form.is_submitted():
        form.issued_on.data = office_today()
    elif (existing := find_edition_by_form_key(form_key)) is not None:  # a replayed submit
        return redirect(url_for("editions.detail", edition_id=existing.id))
    elif form.validate():
        try:
            done, edition = commit_or_show(form, create_edition, current_user,
                                           find_publication(form.publication_id.data), form.issued_on.data, form_key)
        except IntegrityError:
            # A concurrent replay of the same form committed first: that draft is the one.
            db.session.rollback()
            if (edition := find_edition_by_form_key(form_key)) is None:
                raise
            return redirect(url_for("editions.detail", edition_id=edition.id))
        if done:
            return redirect(url_for("editions.detail", edition_id=edition.id))
    return render_page("editions/new.html", form=form)


def _compile_page(edition, settings_form=None, add_form=None):
    settings_form = settings_form or EditionSettingsForm(data={"issued_on": edition.issued_on,
                                                                "editor_note": edition.editor_note})
    add_form = add_form or AddItemsForm()
    add_form.section.choices = _section_choices(edition)
    query_text = strip_control_characters(request.args.get("q", ""))
    return render_page("editions/compile.html", "editions/_candidates.html", edition=edition,
                       groups=group_entries(edition), settings_form=settings_form, add_form=add_form,
                       candidates=list_candidate_items(edition, query_text), q=query_text,
                       sections=_section_choices(edition), lock_question=describe_locking(edition),
                       delete_question=describe_edition_deletion(edition))


@bp.get("/editions/<int:edition_id>")
@login_required
def detail(edition_id: int):
    edition = get_edition_for(current_user, edition_id)
    if not edition.is_locked:
        return _compile_page(edition)
    return _reading("editions/detail.html", edition)


@bp.get("/editions/<int:edition_id>.pdf")
@login_required
def pdf(edition_id: int):
    edition = get_edition_for(current_user, edition_id)
    data = render_pdf("pdf/edition.html", **_reading_context(edition))
    return send_pdf(data, f"{edition.publication.name}{describe_number(edition)}.pdf")


@bp.get("/editions/<int:edition_id>.docx")
@login_required
def docx(edition_id: int):
    """The edition as a Word document, from the same context as the PDF."""
    edition = get_edition_for(current_user, edition_id)
    return send_download(build_edition_docx(**_reading_context(edition)),
                         f"{edition.publication.name}{describe_number(edition)}.docx", DOCX_MIMETYPE)


def _locked_edition(edition_id: int):
    edition = get_edition_for(current_user, edition_id)
    if not edition.is_locked:
        abort(404)
    return edition


@bp.get("/editions/<int:edition_id>/wechat")
@login_required
def wechat(edition_id: int):
    """The locked edition for the street's 公众号: clean HTML to copy, its photos to download."""
    edition = _locked_edition(edition_id)
    article = edition_article(edition, photo_url)
    has_photos = any(entry.item.photos for entry in edition.entries)
    return render_wechat_page(article, url_for("editions.detail", edition_id=edition.id),
                              photos=url_for("editions.wechat_photos", edition_id=edition.id) if has_photos else None)


@bp.get("/editions/<int:edition_id>/photos.zip")
@login_required
def wechat_photos(edition_id: int):
    edition = _locked_edition(edition_id)
    items = [entry.item for group in group_entries(edition) for entry in group.entries]
    return send_photos(items, f"{edition.publication.name}{describe_number(edition)}")


@bp.get("/editions/<int:edition_id>/preview")
@roles_required("editor")
def preview(edition_id: int):
    return _reading("editions/detail.html", get_edition_for(current_user, edition_id, "edit"))


def _refused(edition, error: EditionError):
    flash(str(error), "error")
    return redirect(url_for("editions.detail", edition_id=edition.id))


def _submit(edition, form, operation, *args) -> tuple[bool, object]:
    """Runs operation(current_user, edition, *args) for a valid form and commits. A refusal of a field
    is shown at it (the page re-renders with what was typed); one that concerns no field (the edition
    was locked meanwhile) ends the request with a flash and a redirect."""
    if not form.validate():
        return False, None
    try:
        result = operation(current_user, edition, *args)
        db.session.commit()
    except EditionError as error:
        db.session.rollback()
        if not error.field:
            abort(_refused(edition, error))
        show_error(form, error)
        return False, None
    return True, result


@bp.post("/editions/<int:edition_id>/settings")
@roles_required("editor")
def settings(edition_id: int):
    edition = get_edition_for(current_user, edition_id, "edit")
    form = EditionSettingsForm()
    saved, _ = _submit(edition, form, update_edition, form.issued_on.data, form.editor_note.data or "")
    if saved:
        flash("已保存", "success")
        return redirect(url_for("editions.detail", edition_id=edition.id))
    return _compile_page(edition, settings_form=form)


@bp.post("/editions/<int:edition_id>/entries")
@roles_required("editor")
def add(edition_id: int):
    edition = get_edition_for(current_user, edition_id, "edit")
    form = AddItemsForm()
    form.section.choices = _section_choices(edition)
    saved, added = _submit(edition, form, add_items, list(form.item_ids.data or ()), form.section.data or "")
    if saved:
        flash(f"已编入{added}条信息" if added else "所选信息已编入或已不能编入", "success" if added else "error")
        return redirect(url_for("editions.detail", edition_id=edition.id))
    return _compile_page(edition, add_form=form)


def _back_to(entry):
    return redirect(url_for("editions.detail", edition_id=entry.edition_id, _anchor=f"entry-{entry.id}"))


def _attempt(operation, *args) -> bool:
    """Runs a service operation as the current user and commits; a refusal is rolled back and shown
    as a flash message. Returns whether it was done."""
    return commit_or_show(None, operation, current_user, *args)[0]


@bp.post("/editions/<int:edition_id>/entries/save")
@roles_required("editor")
def entries_save(edition_id: int):
    edition = get_edition_for(current_user, edition_id, "edit")
    typed = {entry.id: (strip_control_characters(request.form.get(f"headline-{entry.id}", entry.headline)),
                        request.form.get(f"section-{entry.id}", entry.section or ""))
             for entry in edition.entries}
    if _attempt(update_entries, edition, typed):
        flash("本期各条标题和栏目已保存", "success")
    return redirect(url_for("editions.detail", edition_id=edition_id))


@bp.post("/editions/entries/<int:entry_id>/move/<action>")
@roles_required("editor")
def entry_move(entry_id: int, action: str):
    entry = get_entry_for(current_user, entry_id)
    _attempt(move_entry, entry, action)
    return _back_to(entry)


@bp.post("/editions/entries/<int:entry_id>/remove")
@roles_required("editor")
def entry_remove(entry_id: int):
    entry = get_entry_for(current_user, entry_id)
    edition_id = entry.edition_id
    _attempt(remove_entry, entry)
    return redirect(url_for("editions.detail", edition_id=edition_id))


@bp.post("/editions/<int:edition_id>/lock")
@roles_required("editor")
def lock(edition_id: int):
    edition = get_edition_for(current_user, edition_id, "edit")
    if not edition.is_locked and (page := ask_confirmation(describe_locking(edition), "确认定版")):
        return page
    if _attempt(lock_edition, edition):
        flash(f"已定版：{edition.publication.name}{describe_number(edition)}，已通知相关单位", "success")
    return redirect(url_for("editions.detail", edition_id=edition_id))


@bp.post("/editions/<int:edition_id>/delete")
@roles_required("editor")
def delete(edition_id: int):
    edition = get_edition_for(current_user, edition_id, "edit")
    if not edition.is_locked and (page := ask_confirmation(describe_edition_deletion(edition), "删除草稿")):
        return page
    if not _attempt(delete_edition, edition):
        return redirect(url_for("editions.detail", edition_id=edition_id))
    flash("草稿已删除", "success")
    return redirect(url_for("editions.index"))


# ---- publications (admin) -------------------------------------------------------------------

@bp.get("/admin/publications")
@roles_required("admin")
def publications():
    return render_page("editions/publications.html", publications=list_publications(), numberings=NUMBERINGS)


def _publication_form(publication):
    form = PublicationForm(obj=publication)
    form.channel_id.choices = list_channel_choices()
    if form.validate_on_submit():
        fields = PublicationFields(**{name: getattr(form, name).data for name in PublicationFields.__dataclass_fields__})
        if commit_or_show(form, save_publication, publication, fields)[0]:
            flash("刊物已保存", "success")
            return redirect(url_for("editions.publications"))
    return render_page("editions/publication_form.html", form=form, publication=publication)


@bp.route("/admin/publications/new", methods=["GET", "POST"])
@roles_required("admin")
def publication_new():
    return _publication_form(None)


@bp.route("/admin/publications/<int:publication_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def publication_edit(publication_id: int):
    return _publication_form(get_publication(publication_id))
