from flask import Blueprint, current_app, request

from ..web.access import roles_required
from ..web.fields import parse_whole_number, query_page
from ..web.htmx import render_page
from .display import list_changes
from .forms import AuditFilterForm
from .services import ACTIONS, TARGET_TYPES, AuditFilters, search_events


bp = Blueprint("audit", __name__)


def _filters(form: AuditFilterForm) -> AuditFilters:
    def ok(field):
        return field.data if not field.errors else None

    return AuditFilters(
        actor=(ok(form.actor) or "").strip(), action=ok(form.action) or "", target_type=ok(form.target_type) or "",
        # the one number parser: a blank typed in the field is no filter, not a server error
        target_id=parse_whole_number(ok(form.target_id)), address=(ok(form.address) or "").strip(),
        date_from=ok(form.date_from), date_to=ok(form.date_to),
    )


@bp.get("/admin/audit")
@roles_required("admin")
def index():
    form = AuditFilterForm(request.args)
    form.validate()  # fills field errors; a bad field is ignored, the others still filter
    page = search_events(_filters(form), query_page(), current_app.config["PAGE_SIZE"])
    query_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_page("audit/index.html", "audit/_results.html", form=form, page=page, query_args=query_args,
                       actions=ACTIONS, target_types=TARGET_TYPES, list_changes=list_changes)
