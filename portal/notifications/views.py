from flask import abort, redirect, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..web.htmx import render_page
from . import bp
from .services import get_notification_for, list_notifications, mark_all_read, mark_read


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
