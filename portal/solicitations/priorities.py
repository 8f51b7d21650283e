"""Reporting priorities (信息工作要点): the office's note of what to report on, on every unit's dashboard;
the newest supersedes the ones before."""
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import select

from ..audit.services import record_event, snapshot
from ..auth.services import list_unit_member_ids
from ..extensions import db, utcnow
from ..notifications.services import notify_users
from ..units.office import kept_by_office
from ..units.services import list_reporting_units
from ..web.forms import clean_text
from .models import ReportingPriority
from .services import SolicitationError, require_editor

PRIORITY_TITLE_MAX = 100
PRIORITY_BODY_MAX = 10000


def publish_priority(editor, title: str, body: str, now: datetime | None = None) -> ReportingPriority:
    """Publishes a note to every unit; it supersedes the previous one on their dashboards. A retried
    submit of the same note finds the one already published."""
    require_editor(editor)
    title, body = clean_text(title), clean_text(body)
    if not title:
        raise SolicitationError("请填写标题", "title")
    if len(title) > PRIORITY_TITLE_MAX:
        raise SolicitationError(f"标题不超过{PRIORITY_TITLE_MAX}个字", "title")
    if not body:
        raise SolicitationError("请填写要点内容", "body")
    if len(body) > PRIORITY_BODY_MAX:
        raise SolicitationError(f"要点内容不超过{PRIORITY_BODY_MAX}字", "body")
    latest = current_priority()
    if latest is not None and latest.title == title and latest.body == body:
        return latest
    now = now or utcnow()
    priority = ReportingPriority(title=title, body=body, published_by_id=editor.id, published_at=now)
    db.session.add(priority)
    db.session.flush()
    record_event(editor, "priority.publish", priority, f"发布信息工作要点：{title}",
                 new=snapshot(priority, "title", "body"))
    notify_users(list_unit_member_ids(unit.id for unit in list_reporting_units()), "priority_published",
                 f"办公室发布信息工作要点：{title}", url_for("items.dashboard"), now)
    return priority


def current_priority() -> ReportingPriority | None:
    return db.session.scalar(
        select(ReportingPriority).order_by(ReportingPriority.published_at.desc(), ReportingPriority.id.desc()).limit(1)
    )


@dataclass(frozen=True)
class PriorityNote:
    """The current 信息工作要点 as every unit's dashboard shows it."""
    title: str
    body: str
    published_at: datetime


@kept_by_office
def describe_current_priority() -> PriorityNote | None:
    priority = current_priority()
    return PriorityNote(priority.title, priority.body, priority.published_at) if priority is not None else None


def list_priorities(limit: int = 50) -> list[ReportingPriority]:
    return list(db.session.scalars(
        select(ReportingPriority).order_by(ReportingPriority.published_at.desc(), ReportingPriority.id.desc())
        .limit(limit)
    ))
