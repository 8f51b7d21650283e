from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from ..auth.models import SIGNOFF_ROLES, UNIT_ROLES
from ..checks.services import count_item_warnings, count_similar
from ..checks.views import item_checks_context
from ..extensions import db, utcnow, without_write_lock
from ..scoring.adoptions import INTERNAL_CHANNEL, get_channel_name
from ..scoring.filings import describe_unit_year
from ..scoring.quota_windows import list_open_quotas
from ..search.services import search_inbox
from ..solicitations.services import list_answer_choices
from ..units.services import unit_filter_choices
from ..web.access import ask_confirmation, roles_required
from ..web.errors import commit_or_show
from ..web.fields import parse_whole_number, query_int, query_page
from ..web.filters import format_date, local_to_utc, office_today, to_local_naive
from ..web.forms import is_form_key, loaded_version, new_form_key, strip_control_characters
from ..web.htmx import render_page
from ..web.wechat import render_wechat_page
from .diff import diff_html
from .forms import CategoryForm, DecisionForm, InboxFilterForm, ItemForm, ReviewForm
from .listing import (
    count_signoff_queue,
    count_unit_statuses,
    list_latest_unit_items,
    list_signoff_queue,
    list_signoff_rows,
    list_unit_items,
)
from .models import DECIDED, PENDING, RETURNED, STATUSES, UNIT_LISTS
from .photos import encode_uploads, photo_path
from .services import (
    describe_deletion,
    describe_signoff,
    EditConflict,
    ItemFields,
    WorkflowError,
    apply_photo_changes,
    correct_item_category,
    create_item,
    delete_item,
    edit_item_text,
    find_item_by_form_key,
    get_item_for,
    get_photo_for,
    list_coming_emergencies,
    list_follow_up_choices,
    list_follow_ups,
    list_form_photos,
    photo_room,
    transition_item,
    update_item,
)
from .signoff import list_missing_signers, missing_signer_message
from .wechat import item_article, photo_url, send_photos
from .workflow import (
    OFFICE_VISIBLE,
    allowed_transitions,
    awaited_states,
    can_correct_category,
    can_delete_item,
    can_edit_item,
    can_edit_item_text,
    can_view_item,
)


bp = Blueprint("items", __name__)


@bp.app_template_filter("status_name")
def _status_name(status: str) -> str:
    return STATUSES.get(status, status)


@bp.app_template_global("signoff_waiting")
def _signoff_waiting() -> int:
    """The menu's count on 待审签."""
    return count_signoff_queue(current_user.unit, awaited_states(current_user))


@bp.app_template_global("own_unit_lacks_signers")
def _own_unit_lacks_signers() -> list[str]:
    """For the reporter's form and dashboard: why 送审签 would wait for ever (empty when it would not)."""
    return [f"本单位{missing_signer_message(role)}" for role in list_missing_signers(current_user.unit_id)]



@bp.get("/")
@login_required
def home():
    if current_user.has_any_role(*UNIT_ROLES):
        return redirect(url_for("items.dashboard"))
    if current_user.has_role("supervisor"):
        # A 主管领导's one task here is the sign-off the rule set asks of them.
        return redirect(url_for("items.signoff"))
    if current_user.has_role("editor"):
        return redirect(url_for("items.inbox"))
    if current_user.has_role("viewer"):
        return redirect(url_for("scoring.overview"))
    return redirect(url_for("units.unit_list"))


@bp.get("/unit")
@roles_required(*UNIT_ROLES)
def dashboard():
    unit, unit_id = current_user.unit, current_user.unit_id
    return render_page(
        "items/dashboard.html",
        counts=count_unit_statuses(unit),
        year=describe_unit_year(unit_id, utcnow()),
        statuses=UNIT_LISTS,
        # the quota windows under way, as scoring counted them (stored with the unit's score)
        quotas=list_open_quotas(unit_id, utcnow()),
        queue=list_signoff_rows(unit, awaited_states(current_user)) if current_user.has_role("signer") else (),
        returned=list_latest_unit_items(unit, RETURNED, 5) if current_user.has_role("reporter") else (),
        returned_key=RETURNED,
        recent=list_latest_unit_items(unit, None, 8),
    )


@bp.get("/items")
@roles_required(*UNIT_ROLES)
def unit_items():
    status = request.args.get("status") if request.args.get("status") in UNIT_LISTS else None
    page = list_unit_items(current_user.unit, status, query_page(), current_app.config["PAGE_SIZE"])
    return render_page("items/unit_items.html", "items/_item_list.html", page=page, status=status,
                       statuses=UNIT_LISTS, counts=count_unit_statuses(current_user.unit))


@bp.get("/signoff")
@roles_required(*SIGNOFF_ROLES)
def signoff():
    mine = awaited_states(current_user)
    waiting_anywhere = list_signoff_queue(current_user.unit_id)  # one read, in the queue's order, split below
    queue = [item for item in waiting_anywhere if item.status in mine]
    # What the unit head signed and the 主管领导 has still to sign: shown so nobody wonders where it went.
    waiting = [item for item in waiting_anywhere if item.status not in mine]
    return render_page("items/signoff.html", queue=queue, waiting=waiting, warnings=count_item_warnings(queue + waiting))


@bp.get("/inbox")
@roles_required("editor", "viewer")
def inbox():
    # Opened from the menu (no filter at all), the inbox shows what waits for the office: 待处理.
    args = request.args if request.args else MultiDict({"status": PENDING})
    form = InboxFilterForm(args, statuses={PENDING: "待处理"} | {k: v for k, v in STATUSES.items() if k in OFFICE_VISIBLE},
                           units=unit_filter_choices())
    page, counts = search_inbox(form.to_filters(), query_page(), current_app.config["PAGE_SIZE"])
    query_args = {k: v for k, v in args.items() if k != "page" and v}

    return render_page("items/inbox.html", "items/_inbox_results.html", form=form, page=page,
                       counts=counts, statuses=STATUSES, decided=DECIDED, query_args=query_args,
                       similar_counts=count_similar([item.id for item in page.items]),
                       coming=list_coming_emergencies())


def _item_fields(form: ItemForm) -> ItemFields:
    return ItemFields(
        title=form.title.data.strip(),
        body=form.body.data.strip(),
        category=form.category.data,
        event_end_at=local_to_utc(form.event_end.data) if form.event_end.data else None,
        major=form.major.data,
        follow_up_of_id=form.follow_up_of_id.data or None,
        solicitation_id=form.solicitation_id.data or None,
    )


FIND_FOLLOW_UP = "find"


def _photo_inputs() -> tuple[dict[int, str], set[int]]:
    captions, removals = {}, set()
    for key, value in request.form.items():
        prefix, _, text = key.partition("-")
        if (photo_id := parse_whole_number(text)) is not None:
            if prefix == "caption":
                captions[photo_id] = strip_control_characters(value).strip()
            elif prefix == "remove":
                removals.add(photo_id)
    return captions, removals


def _save_item_form(item):
    """New and edit share one form. Good photos are kept before the text is validated, so a
    re-rendered form loses nothing; a replayed submit of a new item finds the item it created."""
    form = ItemForm(obj=item)
    # The 续报 picker: newest first, with date and status (several items of one event often share a
    # title), narrowed by the words typed beside it (查找 without scripts, as typed with them).
    words = strip_control_characters(request.values.get("follow_up_q", "")).strip()[:50]
    chosen = form.follow_up_of_id.data if form.is_submitted() or item else query_int("follow_up_of", 0)
    earlier_items = list_follow_up_choices(current_user.unit_id, item and item.id, words, chosen)
    none = f"（没有标题含“{words}”的信息）" if words and not earlier_items else "（不是续报）"
    form.follow_up_of_id.choices = {0: none} | {
        earlier.id: f"{format_date(earlier.submitted_at)} {earlier.display_title}（{earlier.status_name}）"
        for earlier in earlier_items
    }
    form.solicitation_id.choices = {0: "（不是约稿回复）"} | list_answer_choices(
        current_user.unit_id, item.solicitation_id if item else None
    )
    if form.solicitation_id.data is None:  # an item answering no solicitation
        form.solicitation_id.data = 0
    if item is not None:
        form.form_key.data = item.form_key
    elif not (form.is_submitted() and is_form_key(form.form_key.data)):
        form.form_key.data = new_form_key()
    form_key = form.form_key.data
    if not form.is_submitted():
        form.event_end.data = to_local_naive(item.event_end_at) if item and item.event_end_at else None
        if item is None:
            form.follow_up_of_id.data = query_int("follow_up_of", 0)
            # "写约稿信息" on a solicitation opens this form with the link chosen.
            answering = query_int("solicitation", 0)
            form.solicitation_id.data = answering if answering in form.solicitation_id.choices else 0
    elif item is None and (existing := find_item_by_form_key(form_key)) is not None:
        return _show_saved(existing)
    elif _store_item_form(form, item, form_key):
        return _show_saved(find_item_by_form_key(form_key))
    return render_page("items/form.html", form=form, item=item, photos=list_form_photos(form_key, current_user.id),
                       follow_up_q=words)


def _show_saved(item):
    # The explicit "this item is stored" the browser waits for before it forgets its copy of the form
    # (base.html turns it into data-saved; portal.js matches it against the copy's form_key).
    flash(item.form_key, "saved")
    return redirect(url_for("items.detail", item_id=item.id))


def _store_item_form(form: ItemForm, item, form_key: str) -> bool:
    # 查找 (the 续报 picker's search without scripts) sends the form to narrow the picker: the photos
    # chosen are kept as for a refused save, nothing is validated or saved.
    valid = request.form.get("intent") != FIND_FOLLOW_UP and form.validate()
    captions, removals = _photo_inputs()
    # Only real files (a text field named photos is no upload), counted before any is read or decoded.
    files = [upload for upload in request.files.getlist("photos") if upload.filename]
    room = photo_room(form_key, item, current_user, removals) if files else (0, "")
    with without_write_lock():  # encoding a phone photo takes tens of milliseconds of CPU
        uploads = encode_uploads(files, *room)
    # A caption written beside a chosen photo's thumbnail (portal.js) travels as new-caption-<n>, n its
    # place among the files chosen.
    new_captions = [strip_control_characters(request.form.get(f"new-caption-{index}", "")).strip()
                    for index in range(len(files))]
    photo_errors = apply_photo_changes(form_key, item, current_user, uploads, captions, removals, new_captions)
    form.photos.errors = list(form.photos.errors) + photo_errors
    if valid and not photo_errors:
        try:
            # The item's changes are all-or-nothing: a refusal halfway (the send after the save)
            # undoes the save too, while the photos accepted above are kept for the re-rendered form.
            with db.session.begin_nested():
                if item is None:
                    item = create_item(current_user, _item_fields(form), form_key)
                else:
                    update_item(item, current_user, _item_fields(form), loaded_version())
                if request.form.get("intent") == "send":
                    db.session.flush()
                    transition_item(item, current_user, "send")
            db.session.commit()
        except WorkflowError as error:
            _show_refusal(form, error, item, "follow_up_of_id")
        except IntegrityError:
            # A concurrent replay of the same form committed first: that item is the one.
            db.session.rollback()
            if find_item_by_form_key(form_key) is None:
                raise
            return True
        else:
            flash("已送审签" if item.status == "awaiting_signoff" else "草稿已保存", "success")
            return True
    db.session.commit()  # keep the accepted photos for the re-rendered form
    return False


def _show_refusal(form, error: WorkflowError, item, default_field: str) -> None:
    if isinstance(error, EditConflict):
        # The form keeps what was typed; re-sent as it is, it now knowingly replaces the newer version.
        form.version.errors = [str(error)]
        form.version.data = item.version
    else:
        target = getattr(form, error.field or default_field)
        target.errors = list(target.errors) + [str(error)]


@bp.route("/items/new", methods=["GET", "POST"])
@roles_required("reporter")
def new():
    return _save_item_form(None)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required("reporter")
def edit(item_id: int):
    return _save_item_form(get_item_for(current_user, item_id, "edit"))


@bp.post("/items/<int:item_id>/delete")
@roles_required("reporter")
def delete(item_id: int):
    item = get_item_for(current_user, item_id, "delete")
    if page := ask_confirmation(describe_deletion(item), "删除草稿"):
        return page
    title = item.title
    delete_item(item, current_user)
    db.session.commit()
    flash(f"草稿《{title}》已删除", "success")
    return redirect(url_for("items.unit_items"))


@bp.get("/items/<int:item_id>")
@login_required
def detail(item_id: int):
    item = get_item_for(current_user, item_id)
    return render_page(
        "items/detail.html",
        item=item,
        **item_checks_context(item),
        transitions=allowed_transitions(current_user, item),
        signoff=describe_signoff(item),
        can_edit=can_edit_item(current_user, item),
        can_delete=can_delete_item(current_user, item),
        delete_question=describe_deletion(item),
        can_edit_text=can_edit_item_text(current_user, item),
        category_form=CategoryForm(data={"category": item.category}) if can_correct_category(current_user, item) else None,
        follow_ups=list_follow_ups(item),
        diff=diff_html(item.title + "\n" + item.body, item.display_title + "\n" + item.display_body)
        if item.is_edited else None,
        internal_channel_name=get_channel_name(INTERNAL_CHANNEL),
        today=office_today(),
    )


def _adopted_item(item_id: int):
    item = get_item_for(current_user, item_id)
    if item.status != "adopted":
        abort(404)
    return item


@bp.get("/items/<int:item_id>/wechat")
@login_required
def wechat(item_id: int):
    """The adopted item for the street's 公众号: clean HTML to copy, its photos to download."""
    item = _adopted_item(item_id)
    article = item_article(item, photo_url)
    return render_wechat_page(article, url_for("items.detail", item_id=item.id),
                              photos=url_for("items.wechat_photos", item_id=item.id) if item.photos else None)


@bp.get("/items/<int:item_id>/photos.zip")
@login_required
def wechat_photos(item_id: int):
    item = _adopted_item(item_id)
    return send_photos([item], item.display_title)


@bp.post("/items/<int:item_id>/category")
@roles_required("editor")
def recategorize(item_id: int):
    item = get_item_for(current_user, item_id, "recategorize")
    form = CategoryForm()
    if form.validate_on_submit():
        if commit_or_show(None, correct_item_category, item, current_user, form.category.data, form.reason.data)[0]:
            flash(f"已更正类别为“{item.category_name}”，积分已重新计算，已通知单位", "success")
    else:
        flash("；".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("items.detail", item_id=item.id))


@bp.post("/items/<int:item_id>/act/<action>")
@login_required
def act(item_id: int, action: str):
    item = get_item_for(current_user, item_id, action)
    form = DecisionForm()
    if form.validate_on_submit():
        if commit_or_show(None, transition_item, item, current_user, action, form.comment.data or "", form.adopted_on.data)[0]:
            flash(f"已{item.events[-1].action_name}", "success")
            if not can_view_item(current_user, item):
                # Returned to the unit: a draft again, which the office no longer sees.
                return redirect(url_for("items.home"))
    else:
        flash("；".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("items.detail", item_id=item.id))


@bp.route("/items/<int:item_id>/review", methods=["GET", "POST"])
@roles_required("editor")
def review(item_id: int):
    item = get_item_for(current_user, item_id, "edit_text")
    form = ReviewForm(data={"title": item.display_title, "body": item.display_body, "version": item.version})
    if form.validate_on_submit():
        try:
            edit_item_text(item, current_user, form.title.data.strip(), form.body.data.strip(), loaded_version())
        except WorkflowError as error:
            _show_refusal(form, error, item, "title")
        else:
            db.session.commit()
            flash("修改已保存，原稿保留可对照", "success")
            return redirect(url_for("items.detail", item_id=item.id))
    return render_page("items/review.html", item=item, form=form)


def _send_photo(photo_id: int, thumb: bool):
    photo = get_photo_for(current_user, photo_id)
    # The name is the server's, never the uploader's; no-store and nosniff come from portal.web.security.
    return send_file(photo_path(photo, thumb), mimetype="image/jpeg", download_name=f"photo-{photo.id}.jpg")


@bp.get("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    return _send_photo(photo_id, thumb=False)


@bp.get("/photos/<int:photo_id>/thumb")
@login_required
def photo_thumb(photo_id: int):
    return _send_photo(photo_id, thumb=True)
