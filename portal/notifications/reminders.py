"""Deadline reminders, created by `flask remind` (cron/systemd, every 10 minutes).

For each deadline (solicitation, roster request, feedback on an instruction) a unit that has not yet
met it gets, per reporter/signer, one reminder in each window before the deadline
(REMIND_BEFORE_HOURS, default 24 h and 2 h) and one once it is missed. Each reminder carries a
Notification.dedupe_key, so running the command again creates nothing twice.

From REMIND_QUOTA_WEEKDAY (ISO weekday, default 4 = Thursday) at REMIND_QUOTA_HOUR (default 9, office
time) on, a unit that has not yet filed its weekly quota gets one reminder for that week; weekday 0
turns this reminder off."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import current_app, url_for
from flask.cli import with_appcontext
from sqlalchemy import select

from ..auth.services import list_unit_member_ids
from ..extensions import db, utcnow
from ..items.models import Item
from ..items.services import remove_pending_photos
from ..items.workflow import OFFICE_VISIBLE
from ..jobs import SKIPPED, run_alone
from ..roster.models import RosterRequest, RosterResponse
from ..scoring.engine import ANY_CATEGORY, CATEGORIES
from ..scoring.models import Instruction
from ..scoring.quota_windows import list_week_quota_gaps
from ..solicitations.models import Solicitation
from ..web.filters import to_local
from .delivery import send_due_deliveries
from .models import Notification
from .services import create_notification


@dataclass
class Due:
    """One unit's unmet deadline."""

    key: str  # e.g. "sol:3:u7"
    unit_id: int
    deadline: datetime
    what: str  # e.g. 约稿《…》
    url: str


@dataclass
class Summary:
    created: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def _url(endpoint: str, **values) -> str:
    # No request during a CLI run: build the path in a throwaway request context (no database use).
    with current_app.test_request_context(method="POST"):
        return url_for(endpoint, **values)


def _hours() -> list[int]:
    return sorted({int(h) for h in current_app.config.get("REMIND_BEFORE_HOURS", [24, 2])}, reverse=True)


def reminder_window(deadline: datetime, now: datetime) -> str | None:
    """Which reminder is due now: "24h" while 2 h < left <= 24 h, "2h" while 0 <= left <= 2 h (for the
    default hours), "missed" once the deadline has passed (an answer exactly at it is on time), None
    before the first window."""
    left = deadline - now
    if left < timedelta(0):
        return "missed"
    hours = _hours()
    for index, hour in enumerate(hours):
        lower = timedelta(hours=hours[index + 1]) if index + 1 < len(hours) else timedelta(0)
        if lower <= left <= timedelta(hours=hour) and (left > lower or index + 1 == len(hours)):
            return f"{hour}h"
    return None


def _deadline_text(moment: datetime) -> str:
    return to_local(moment).strftime("%m月%d日%H:%M")


def _horizon(now: datetime) -> tuple[datetime, datetime]:
    """Deadlines worth looking at: not further ahead than the first window, and missed at most
    REMIND_MISSED_DAYS ago (a first run on an old database does not remind of last year)."""
    ahead = timedelta(hours=max(_hours() or [0]))
    behind = timedelta(days=int(current_app.config.get("REMIND_MISSED_DAYS", 7)))
    return now - behind, now + ahead


def solicitation_dues(now: datetime) -> list[Due]:
    start, end = _horizon(now)
    dues = []
    for solicitation in db.session.scalars(
        select(Solicitation).where(Solicitation.status == "open", Solicitation.deadline >= start,
                                   Solicitation.deadline <= end).order_by(Solicitation.id)
    ):
        # Any submitted answer before the deadline is on time; after it, a late one still stops the 未报送 reminder.
        answered = set(db.session.scalars(
            select(Item.unit_id).where(Item.solicitation_id == solicitation.id, Item.status.in_(OFFICE_VISIBLE),
                                       Item.submitted_at.is_not(None)).distinct()
        ))
        for target in solicitation.targets:
            if target.unit_id not in answered:
                dues.append(Due(f"sol:{solicitation.id}:u{target.unit_id}", target.unit_id, solicitation.deadline,
                                f"约稿《{solicitation.topic}》",
                                _url("solicitations.detail", solicitation_id=solicitation.id)))
    return dues


def roster_dues(now: datetime) -> list[Due]:
    start, end = _horizon(now)
    rows = db.session.execute(
        select(RosterResponse.request_id, RosterResponse.unit_id, RosterRequest.deadline_at)
        .join(RosterRequest, RosterRequest.id == RosterResponse.request_id)
        .where(RosterResponse.responded_at.is_(None), RosterRequest.deadline_at >= start,
               RosterRequest.deadline_at <= end)
        .order_by(RosterResponse.request_id, RosterResponse.unit_id)
    ).all()
    url = _url("roster.index") if rows else ""
    return [Due(f"roster:{request_id}:u{unit_id}", unit_id, deadline, "信息员名单确认", url)
            for request_id, unit_id, deadline in rows]


def instruction_dues(now: datetime) -> list[Due]:
    start, end = _horizon(now)
    rows = db.session.execute(
        select(Instruction.id, Instruction.feedback_due_at, Item.id, Item.unit_id, Item.title)
        .join(Item, Item.id == Instruction.item_id)
        .where(Instruction.feedback_required.is_(True), Instruction.feedback_at.is_(None),
               Instruction.feedback_due_at.is_not(None), Instruction.feedback_due_at >= start,
               Instruction.feedback_due_at <= end)
        .order_by(Instruction.id)
    ).all()
    return [Due(f"instr:{instruction_id}:u{unit_id}", unit_id, due, f"《{title}》领导批示的反馈",
                _url("items.detail", item_id=item_id) + f"#instruction-{instruction_id}")
            for instruction_id, due, item_id, unit_id, title in rows]


def _text(due: Due, window: str) -> str:
    if window == "missed":
        return f"{due.what}已于{_deadline_text(due.deadline)}截止，本单位尚未完成，请尽快处理"
    return f"提醒：{due.what}将于{_deadline_text(due.deadline)}截止（不足{window[:-1]}小时），本单位尚未完成"


def quota_reminder_due(now: datetime) -> bool:
    local = to_local(now)
    weekday = int(current_app.config.get("REMIND_QUOTA_WEEKDAY", 4))
    hour = int(current_app.config.get("REMIND_QUOTA_HOUR", 9))
    if weekday == 0:
        return False
    return local.isoweekday() > weekday or (local.isoweekday() == weekday and local.hour >= hour)


def _day_text(day) -> str:
    return f"{day.month}月{day.day}日"


def _create_quota_reminders(now: datetime, summary: Summary) -> None:
    if not quota_reminder_due(now):
        return
    url = _url("items.new")
    for unit_id, gap in list_week_quota_gaps(now):
        what = "" if gap.category == ANY_CATEGORY else CATEGORIES.get(gap.category, gap.category)
        text = (f"提醒：本周（{_day_text(gap.first)}至{_day_text(gap.last)}）本单位已报送{what}信息{gap.submitted}条，"
                f"还差{gap.required - gap.submitted}条（每周至少{gap.required}条），请抓紧报送")
        for user_id in list_unit_member_ids([unit_id]):
            _create_once(f"quota:{gap.quota_index}:{gap.first.isoformat()}:u{unit_id}:{user_id}", user_id,
                         "quota", text, url, summary)


def _create_once(key: str, user_id: int, kind: str, text: str, url: str, summary: Summary) -> None:
    if db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is not None:
        return
    create_notification(user_id, f"remind_{kind}", text, url, dedupe_key=key)
    summary.created += 1
    summary.by_kind[kind] = summary.by_kind.get(kind, 0) + 1


def create_reminders(now: datetime | None = None) -> Summary:
    """Creates the reminders due at `now` that were not created before; commits."""
    now = now or utcnow()
    summary = Summary()
    for kind, finder in (("solicitation", solicitation_dues), ("roster", roster_dues),
                         ("instruction", instruction_dues)):
        for due in finder(now):
            window = reminder_window(due.deadline, now)
            if window is None:
                continue
            for user_id in list_unit_member_ids([due.unit_id]):
                _create_once(f"{due.key}:{window}:{user_id}", user_id, kind, _text(due, window), due.url, summary)
    _create_quota_reminders(now, summary)
    db.session.commit()
    return summary


def run_reminders(now: datetime | None = None) -> tuple[Summary, dict[str, int]]:
    now = now or utcnow()
    summary = create_reminders(now)
    return summary, send_due_deliveries(now)


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("请使用 ISO 时间，例如 2026-12-01T08:00:00+08:00") from None
    if moment.tzinfo is None:
        raise click.BadParameter("请带上时区，例如 2026-12-01T08:00:00+08:00")
    return moment


@click.command("remind")
@click.option("--now", "now_text", default=None, help="Pretend it is this time (ISO 8601 with offset); for tests.")
@with_appcontext
def remind_command(now_text: str | None) -> None:
    """Create deadline reminders, send pending e-mail/webhook deliveries and remove photos of forms never
    saved (idempotent; run every 10 min)."""
    now = _parse_now(now_text)
    # Every server's timer may start it: one run reminds and sends, the others skip (portal.jobs).
    with run_alone("remind") as alone:
        if not alone:
            click.echo(SKIPPED.format(command="remind"))
            return
        summary, sent = run_reminders(now)
        # The periodic job of the portal: photos of forms never saved go here too.
        removed = remove_pending_photos(now)
        db.session.commit()
    details = "，".join(f"{kind} {count}" for kind, count in sorted(summary.by_kind.items()))
    click.echo(f"新提醒 reminders created: {summary.created}" + (f"（{details}）" if details else ""))
    click.echo(f"外发 deliveries: 已发送 sent {sent['sent']}，待重试 retry {sent['retry']}，失败 failed {sent['failed']}")
    click.echo(f"未保存表单的过期照片 stale pending photos removed: {removed}")
