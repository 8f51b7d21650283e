"""What happens to an item after submission: adoptions, leader instructions, feedback."""
from flask import flash, redirect, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..items.services import get_item_for
from ..web.access import roles_required
from ..web.errors import commit_or_show
from ..web.filters import local_to_utc, office_today
from ..web.forms import form_errors
from ..web.htmx import render_page
from .views import bp
from .record_forms import (
    BACK_TO_LIST,
    AdoptionDateForm,
    AdoptionForm,
    FeedbackForm,
    InstructionCorrectionForm,
    InstructionForm,
    RemovalForm,
    VerdictForm,
)
from .records import (
    RecordError,
    correct_adoption_date,
    correct_instruction,
    decide_feedback,
    default_due_days,
    describe_instruction_for,
    gather_item_records,
    get_adoption_for,
    get_instruction_for,
    list_channel_choices,
    list_instructions_for,
    list_rank_choices,
    record_adoption_by,
    record_instruction,
    recordable_refusal,
    remove_adoption,
    remove_instruction,
    submit_feedback,
)


@bp.app_template_global("item_records")
def item_records(item):
    """The item page's records panel (scoring/_item_records.html), without touching the items views."""
    return gather_item_records(current_user, item)


def _item_page(item_id: int, anchor: str = "records"):
    return redirect(url_for("items.detail", item_id=item_id, _anchor=anchor))


def _back(form, instruction):
    if form.next.data == BACK_TO_LIST:
        return redirect(url_for("scoring.instructions", _anchor=f"instruction-{instruction.id}"))
    return _item_page(instruction.item_id, f"instruction-{instruction.id}")


@bp.post("/items/<int:item_id>/adoptions")
@roles_required("editor")
def adoption_new(item_id: int):
    item = get_item_for(current_user, item_id)
    form = AdoptionForm(channels=list_channel_choices())
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _item_page(item.id)
    try:
        done, adoption = commit_or_show(None, record_adoption_by, current_user, item, form.channel.data,
                                        form.adopted_on.data)
    except IntegrityError:
        # A concurrent submit of the same channel committed first: the record exists once.
        db.session.rollback()
        flash("该刊物的采用已记录，不能重复记录", "error")
        done = False
    if done:
        flash(f"已记录：被{adoption.channel.name}采用", "success")
    return _item_page(item.id)


@bp.post("/adoptions/<int:adoption_id>/delete")
@roles_required("editor")
def adoption_delete(adoption_id: int):
    adoption = get_adoption_for(current_user, adoption_id)
    item_id, name = adoption.item_id, adoption.channel.name
    if commit_or_show(None, remove_adoption, current_user, adoption)[0]:
        flash(f"已删除被{name}采用的记录", "success")
    return _item_page(item_id)


@bp.post("/adoptions/<int:adoption_id>/correct")
@roles_required("editor")
def adoption_correct(adoption_id: int):
    adoption = get_adoption_for(current_user, adoption_id)
    form = AdoptionDateForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _item_page(adoption.item_id)
    if commit_or_show(None, correct_adoption_date, current_user, adoption, form.adopted_on.data)[0]:
        flash("采用日期已更正，已通知单位", "success")
    return _item_page(adoption.item_id)


@bp.route("/items/<int:item_id>/instructions/new", methods=["GET", "POST"])
@roles_required("editor")
def instruction_new(item_id: int):
    item = get_item_for(current_user, item_id)
    due_days = default_due_days()
    form = InstructionForm(ranks=list_rank_choices(), due_days=due_days)
    refusal = recordable_refusal(item)
    if not form.is_submitted():
        form.instructed_on.data = office_today()
    elif refusal is None and form.validate():
        if commit_or_show(form, record_instruction, current_user, item, form.leader_name.data, form.rank.data,
                          form.instructed_on.data, form.text.data, form.feedback_required.data,
                          local_to_utc(form.feedback_due.data) if form.feedback_due.data else None)[0]:
            flash("批示已记录，已通知单位", "success")
            return _item_page(item.id)
    return render_page("scoring/record_instruction_form.html", form=form, item=item, refusal=refusal,
                       recordable=recordable_refusal(item) is None, today_iso=office_today().isoformat())


@bp.app_template_global("instruction_rank_choices")
def instruction_rank_choices():
    """The ranks of the active rule set, for the instruction correction form."""
    return list_rank_choices()


@bp.post("/instructions/<int:instruction_id>/correct")
@roles_required("editor")
def instruction_correct(instruction_id: int):
    instruction = get_instruction_for(current_user, instruction_id, "correct")
    form = InstructionCorrectionForm(ranks=list_rank_choices())
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(form, instruction)
    if commit_or_show(None, correct_instruction, current_user, instruction, form.leader_name.data, form.rank.data,
                      form.instructed_on.data)[0]:
        flash("批示已更正，已通知单位", "success")
    return _back(form, instruction)


@bp.post("/instructions/<int:instruction_id>/delete")
@roles_required("editor")
def instruction_delete(instruction_id: int):
    instruction = get_instruction_for(current_user, instruction_id, "correct")
    item_id = instruction.item_id
    form = RemovalForm()
    back_to_list = form.next.data == BACK_TO_LIST
    if commit_or_show(None, remove_instruction, current_user, instruction)[0]:
        flash("已删除误录的批示记录，已通知单位", "success")
    return redirect(url_for("scoring.instructions")) if back_to_list else _item_page(item_id)


@bp.post("/instructions/<int:instruction_id>/feedback")
@roles_required("reporter", "signer")
def instruction_feedback(instruction_id: int):
    instruction = get_instruction_for(current_user, instruction_id, "feedback")
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            submit_feedback(current_user, instruction, form.text.data)
            db.session.commit()
        except RecordError as error:
            db.session.rollback()
            if error.field != "text":
                flash(str(error), "error")
                return _back(form, instruction)
            form.text.errors = list(form.text.errors) + [str(error)]
        else:
            flash("反馈已提交，等待办公室审核", "success")
            return _back(form, instruction)
    # Re-rendered with everything typed, so a refused feedback is not lost.
    return render_page("scoring/record_feedback.html", form=form, line=describe_instruction_for(current_user, instruction))


@bp.post("/instructions/<int:instruction_id>/verdict")
@roles_required("editor")
def instruction_verdict(instruction_id: int):
    instruction = get_instruction_for(current_user, instruction_id, "decide")
    form = VerdictForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(form, instruction)
    accepted = form.accepted.data == "yes"
    correcting = form.correcting.data == "1"
    if commit_or_show(None, decide_feedback, current_user, instruction, accepted, form.comment.data or "",
                      correcting=correcting)[0]:
        if correcting:
            flash(f"审核结果已更正为“{'采纳' if accepted else '退回'}”，已通知单位", "success")
        else:
            flash("反馈已采纳" if accepted else "反馈已退回，单位可修改后重新提交", "success")
    return _back(form, instruction)


@bp.get("/instructions")
@roles_required("reporter", "signer", "editor", "viewer")
def instructions():
    return render_page("scoring/record_instructions.html", lists=list_instructions_for(current_user))
