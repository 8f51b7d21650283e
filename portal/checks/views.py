from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..items.diff import diff_html
from ..items.services import get_item_for
from ..items.workflow import SIGNOFF_STATES, can_transition, can_view_item
from ..search.text import Term
from ..web.access import roles_required
from ..web.filters import office_today
from ..web.errors import commit_or_show
from ..web.forms import form_errors
from ..web.htmx import render_page
from .forms import CombineForm, DuplicateForm, SensitiveWordsForm
from .services import (
    add_sensitive_words,
    check_item,
    combine_items,
    get_similarity,
    item_text,
    list_similar_items,
    list_sensitive_words,
    mark_duplicate,
    read_item_records,
    remove_sensitive_word,
)


bp = Blueprint("checks", __name__)


@bp.get("/items/<int:item_id>/similar/<int:other_id>")
@login_required
def compare(item_id: int, other_id: int):
    """Side by side, what the two share and their differences marked: only when the reader may see both."""
    item, other = get_item_for(current_user, item_id), get_item_for(current_user, other_id)
    similarity = get_similarity(item.id, other.id)
    marks = similarity.marks if similarity else {}
    terms = [Term(word, (word,), False) for words in marks.values() for word in words]
    return render_page(
        "checks/compare.html", item=item, other=other, similarity=similarity, marks=marks, terms=terms,
        diff=diff_html(item_text(other), item_text(item)),
    )


def _choice_label(entry) -> str:
    return f"{entry.item.display_title}（{entry.item.unit.name}，{'、'.join(entry.marks) or '相似'}）"


def _duplicate_choices(item) -> dict[int, str]:
    return {entry.item.id: _choice_label(entry) for entry in list_similar_items(item, current_user)}


@bp.post("/items/<int:item_id>/duplicate")
@roles_required("editor")
def mark_duplicate_of(item_id: int):
    item = get_item_for(current_user, item_id, "invalidate")
    form = DuplicateForm()
    form.original_id.choices = _duplicate_choices(item)
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return redirect(url_for("items.detail", item_id=item.id))
    original = get_item_for(current_user, form.original_id.data)
    if commit_or_show(None, mark_duplicate, item, current_user, original, form.reason.data)[0]:
        flash(f"已标记为与《{original.display_title}》重复，不计分", "success")
    return redirect(url_for("items.detail", item_id=item.id))


@bp.route("/items/<int:item_id>/combine", methods=["GET", "POST"])
@roles_required("editor")
def combine(item_id: int):
    item = get_item_for(current_user, item_id, "adopt")
    similar = list_similar_items(item, current_user)
    form = CombineForm(data={"title": item.display_title, "body": item.display_body,
                             "adopted_on": office_today()})
    form.sources.choices = [(entry.item.id, _choice_label(entry)) for entry in similar]
    if form.validate_on_submit():
        sources = [get_item_for(current_user, source_id) for source_id in form.sources.data]
        if commit_or_show(form, combine_items, item, current_user, sources, form.title.data.strip(),
                          form.body.data.strip(), form.adopted_on.data or office_today())[0]:
            flash(f"已综合{len(sources) + 1}条信息并采用，各单位分别计分", "success")
            return redirect(url_for("items.detail", item_id=item.id))
    return render_page("checks/combine.html", item=item, form=form, similar=similar)


@bp.route("/admin/sensitive-words", methods=["GET", "POST"])
@roles_required("admin")
def words():
    form = SensitiveWordsForm()
    if form.validate_on_submit():
        added = add_sensitive_words(current_user, form.words.data, form.note.data or "")
        db.session.commit()
        flash(f"新增敏感词{added}个", "success")
        return redirect(url_for("checks.words"))
    return render_page("checks/words.html", form=form, words=list_sensitive_words())


@bp.post("/admin/sensitive-words/<int:word_id>/delete")
@roles_required("admin")
def word_delete(word_id: int):
    if not remove_sensitive_word(word_id):
        abort(404)
    db.session.commit()
    flash("敏感词已删除", "success")
    return redirect(url_for("checks.words"))


def item_checks_context(item) -> dict:
    """What the item page shows of this package: warnings for the unit before the item leaves it,
    similar items (each as far as the reader may see it), and the editor's duplicate and 综合 actions."""
    similar = list_similar_items(item, current_user)
    duplicate_form = None
    if similar and can_transition(current_user, item, "invalidate"):
        duplicate_form = DuplicateForm()
        duplicate_form.original_id.choices = _duplicate_choices(item)
    # Only the unit's own people (reporter, signer, 主管领导) ever see an item in these states.
    unit_side = item.status in ("draft", *SIGNOFF_STATES)
    records = read_item_records(item.id)
    mark, combined = records.duplicate_mark, records.combination
    return {
        "warnings": check_item(item) if unit_side else [],
        "similar": similar,
        "duplicate_form": duplicate_form,
        "can_combine": bool(similar) and current_user.has_role("editor")
        and (item.status == "adopted" or can_transition(current_user, item, "adopt")),
        "duplicate_mark": mark if mark and can_view_item(current_user, mark.original) else None,
        "combination": combined if combined and can_view_item(current_user, combined.combined_into) else None,
        "combined_sources": [source for source in records.combined_sources if can_view_item(current_user, source.item)],
        "reviews": records.reviews,
    }
