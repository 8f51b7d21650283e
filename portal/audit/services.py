"""The audit log: one record_event() for every service that changes something worth answering for."""
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db, on_session
from ..web.filters import local_day_start
from ..web.paging import Page, paginate
from .models import AuditEvent

logger = logging.getLogger("portal.audit")

CLI_ADDRESS = "命令行"

ACTIONS = {
    "login.success": "登录成功",
    "login.failure": "登录失败",
    "user.create": "新建账号",
    "user.update": "修改账号",
    "user.activate": "启用账号",
    "user.deactivate": "停用账号",
    # Labels of actions, not passwords.
    "user.reset_password": "重置密码",  # nosec B105
    "user.change_password": "修改本人密码",  # nosec B105
    "unit.create": "新建单位",
    "unit.update": "修改单位",
    "tier.create": "新建单位类别",
    "tier.update": "修改单位类别",
    "item.create": "创建信息草稿",
    "item.edit": "修改信息",
    "item.send": "送审签",
    "item.withdraw": "撤回修改",
    "item.sign": "审签报送",
    "item.sign_first": "审签并报主管领导",
    "item.lead_sign": "主管领导审签报送",
    "item.return": "退回修改",
    "item.accept": "开始处理",
    "item.adopt": "采用信息",
    "item.reject": "不采用信息",
    "item.invalidate": "认定不计分",
    "item.editor_edit": "编辑修改信息",
    "item.recategorize": "更正信息类别",
    "item.delete": "删除草稿",
    "adoption.record": "录入采用",
    "adoption.remove": "撤销采用记录",
    "adoption.correct": "更正采用日期",
    "instruction.record": "录入领导批示",
    "instruction.correct": "更正领导批示",
    "instruction.remove": "删除领导批示记录",
    "feedback.submit": "报送批示落实情况",
    "feedback.verdict": "审核批示落实情况",
    "solicitation.issue": "发布约稿",
    "solicitation.update": "修改约稿",
    "solicitation.extend": "延长约稿期限",
    "solicitation.close": "结束约稿",
    "solicitation.verdict": "认定约稿答复",
    "solicitation.acknowledge": "签收约稿",
    "priority.publish": "发布报送重点",
    "rule_set.create": "新建积分规则",
    "rule_set.update": "修改积分规则",
    "rule_set.activate": "启用积分规则",
    "annual_target.save": "设置年度目标",
    "publication.create": "新建刊物",
    "publication.update": "修改刊物设置",
    "delivery.requeue": "重新外发",
    "edition.create": "新建刊期",
    "edition.update": "修改刊期",
    "edition.delete": "删除刊期",
    "edition.add_items": "编入信息",
    "edition.update_entry": "修改编入条目",
    "edition.move_entry": "调整条目顺序",
    "edition.remove_entry": "移出条目",
    "edition.lock": "刊期定稿编号",
    "bulletin.create": "新建通报",
    "bulletin.update": "修改通报",
    "bulletin.delete": "删除通报草稿",
    "bulletin.correct": "更正通报",
    "bulletin.publish": "冻结并发布通报",
    "roster.save": "保存信息员名单",
    "roster.confirm": "确认名单无变化",
    "roster_request.issue": "发出名单确认通知",
    "roster_request.update": "修改名单确认通知",
    "roster.export": "导出信息员名单",
    "photo.add": "上传照片",
    "photo.remove": "删除照片",
    "photo.caption": "修改照片说明",
    "backup.restore": "从备份恢复",
}

TARGET_TYPES = {
    "user": "账号",
    "unit": "单位",
    "tier": "单位类别",
    "item": "信息",
    "adoption": "采用记录",
    "instruction": "批示",
    "solicitation": "约稿",
    "reporting_priority": "报送重点",
    "rule_set": "积分规则",
    "annual_target": "年度目标",
    "publication": "刊物",
    "delivery": "外发记录",
    "edition": "刊期",
    "edition_entry": "刊期条目",
    "bulletin": "通报",
    "roster": "信息员名单",
    "roster_request": "名单确认通知",
    "item_photo": "照片",
}

# C0/C1 controls and the line/paragraph separators: anything that could start a forged line in a log
# file or a terminal. Bidi overrides (Cf) could make a line read differently than it is stored.
_UNSAFE = {"Cc", "Cf", "Zl", "Zp"}
_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def neutralize(text: Any) -> str:
    """Text as one visible line: CR, LF and every other control character become escapes like \\n."""
    text = str(text)
    if text.isprintable():  # the usual case, and quick: every unsafe category is unprintable
        return text
    return "".join(
        _ESCAPES.get(ch) or (f"\\u{ord(ch):04x}" if not ch.isprintable() and unicodedata.category(ch) in _UNSAFE
                             else ch) for ch in text
    )


def _plain(value: Any) -> Any:
    """A JSON-ready value with every string neutralised."""
    if isinstance(value, str):
        return neutralize(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {neutralize(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj, *fields: str) -> dict[str, Any]:
    """The named attributes of obj as JSON-ready values: taken before and after a change."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def _target_type(target) -> str:
    # Item -> "item", RuleSet -> "rule_set": the model's name is the type's code.
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(target).__name__).lower()


def client_address() -> str:
    if has_request_context():
        return (request.remote_addr or "")[:64]
    return CLI_ADDRESS


def _actor(actor):
    if actor is None and has_request_context() and current_user.is_authenticated:
        return current_user
    return actor


def record_event(actor, action: str, target, summary: str, old: dict | None = None,
                 new: dict | None = None) -> AuditEvent:
    """Adds the event to the current transaction, so it commits or rolls back with the change it
    records. actor None means the signed-in user (or nobody: a command, a failed login).
    Given both old and new values, only the fields that differ are kept."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    old, new = _plain(old or {}), _plain(new or {})
    if old and new:
        changed = {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
        old = {key: value for key, value in old.items() if key in changed}
        new = {key: value for key, value in new.items() if key in changed}
    target_type, target_id = "", None
    if target is not None:
        # A view may pass current_user: name the user behind the proxy, not the proxy.
        target = target._get_current_object() if hasattr(target, "_get_current_object") else target
        if getattr(target, "id", None) is None:
            db.session.flush()  # a new row: its id is the target's id
        target_type, target_id = _target_type(target), target.id
        if target_type not in TARGET_TYPES:
            raise ValueError(f"unknown audit target type {target_type!r}")
    actor = _actor(actor)
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_username=neutralize(actor.username)[:40] if actor else "",
        actor_name=neutralize(actor.name)[:40] if actor else "",
        address=neutralize(client_address())[:64],
        action=action, target_type=target_type, target_id=target_id,
        summary=neutralize(summary)[:500],
        old_values=json.dumps(old, ensure_ascii=False, sort_keys=True) if old else None,
        new_values=json.dumps(new, ensure_ascii=False, sort_keys=True) if new else None,
    )
    db.session.add(event)
    db.session.info.setdefault(_LOG_LINES, []).append((
        "audit %s actor=%s address=%s target=%s:%s %s", action, event.actor_username or "-", event.address,
        target_type or "-", target_id if target_id is not None else "-", event.summary,
    ))
    return event


# The Python log gets an event's line only once the event is committed: a refused operation that rolls
# back must not leave a line claiming it happened.
_LOG_LINES = "audit_log_lines"


def init_app(app) -> None:
    on_session("after_commit", _write_log_lines)
    on_session("after_rollback", _drop_log_lines)


def _write_log_lines(session) -> None:
    for line in session.info.pop(_LOG_LINES, []):
        logger.info(*line)


def _drop_log_lines(session) -> None:
    session.info.pop(_LOG_LINES, None)


# ---- browsing ------------------------------------------------------------------------------

@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: int | None = None
    address: str = ""
    date_from: date | None = None
    date_to: date | None = None


def search_events(filters: AuditFilters, page: int, per_page: int) -> Page:
    query = select(AuditEvent)
    if filters.actor:
        query = query.where(
            AuditEvent.actor_username.contains(filters.actor, autoescape=True)
            | AuditEvent.actor_name.contains(filters.actor, autoescape=True)
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEvent.target_id == filters.target_id)
    if filters.address:
        query = query.where(AuditEvent.address.contains(filters.address, autoescape=True))
    if filters.date_from:
        query = query.where(AuditEvent.created_at >= local_day_start(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.created_at < local_day_start(filters.date_to + timedelta(days=1)))
    return paginate(query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()), page, per_page)
