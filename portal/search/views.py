from flask import Blueprint, current_app, request
from flask_login import current_user

from ..auth.models import UNIT_ROLES
from ..items.forms import InboxFilterForm
from ..items.models import STATUSES
from ..items.workflow import OFFICE_ROLES, OFFICE_VISIBLE
from ..units.services import unit_filter_choices
from ..web.access import roles_required
from ..web.fields import query_page
from ..web.htmx import render_page
from .services import search_items
from .text import highlight, snippet


bp = Blueprint("search", __name__)

bp.add_app_template_filter(highlight, "highlight")
bp.add_app_template_filter(snippet, "snippet")


@bp.get("/search")
@roles_required(*UNIT_ROLES, *OFFICE_ROLES)
def search():
    """Units search their own items, drafts included; the office every submitted item, with the inbox's filters."""
    office = current_user.has_any_role(*OFFICE_ROLES)
    statuses = STATUSES if current_user.has_any_role(*UNIT_ROLES) else {
        key: name for key, name in STATUSES.items() if key in OFFICE_VISIBLE
    }
    form = InboxFilterForm(request.args, statuses=statuses,
                           units=unit_filter_choices() if office else {})
    terms, page = search_items(current_user, form.to_filters(), query_page(),
                               current_app.config["SEARCH_PAGE_SIZE"])
    query_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_page("search/search.html", "search/_results.html", form=form, terms=terms, page=page,
                       query_args=query_args, office=office)
