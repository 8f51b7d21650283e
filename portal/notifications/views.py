from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..web.access import roles_required
from ..web.fields import query_page
from ..web.htmx import render_page
from .delivery import count_deliveries, get_delivery, list_deliveries, retry_delivery
from .models import DELIVERY_STATUSES
from .services import count_unread_for_page, get_notification_for, list_notifications, mark_all_read, mark_read


bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _unread_count():
    if current_user.is_authenticated:
        return {"unread_count": count_unread_for_page(current_user.id)}
    return {"unread_count": 0}


@bp.get("/notifications")
@login_required
def index():
    return render_page("notifications/index.html", notifications=list_notifications(current_user.id))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    notification = get_notification_for(current_user.id, notification_id) or abort(404)
    mark_read(notification)
    db.session.commit()
    return redirect(notification.url or url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    mark_all_read(current_user.id)
    db.session.commit()
    return redirect(url_for("notifications.index"))


@bp.get("/admin/deliveries")
@roles_required("admin")
def deliveries():
    status = request.args.get("status") if request.args.get("status") in DELIVERY_STATUSES else None
    page = list_deliveries(status, query_page(), current_app.config["PAGE_SIZE"])
    return render_page("notifications/deliveries.html", "notifications/_delivery_list.html", page=page,
                       status=status, statuses=DELIVERY_STATUSES, counts=count_deliveries())


@bp.post("/admin/deliveries/<int:delivery_id>/retry")
@roles_required("admin")
def retry(delivery_id: int):
    if retry_delivery(get_delivery(delivery_id)):
        db.session.commit()
        flash("已重新排入发送队列，下次运行 remind 时发送", "success")
    else:
        flash("只有发送失败的记录可以重新发送", "error")
    return redirect(url_for("notifications.deliveries", status=request.args.get("status")))
