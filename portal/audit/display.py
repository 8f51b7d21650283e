"""How the audit page names the fields and coded values an event stored, in Chinese."""
import json
from dataclasses import dataclass
from typing import Any

from ..auth.models import ROLES
from ..bulletins.models import KINDS as BULLETIN_KINDS
from ..bulletins.models import STATUSES as BULLETIN_STATUSES
from ..editions.models import EDITION_STATUSES, NUMBERINGS
from ..items.models import CATEGORIES
from ..items.models import STATUSES as ITEM_STATUSES
from ..notifications.models import DELIVERY_STATUSES
from ..scoring.records import FEEDBACK_STATES
from ..solicitations.models import STATUSES as SOLICITATION_STATUSES
from ..solicitations.models import VERDICTS as SOLICITATION_VERDICTS
from ..units.models import UNIT_KINDS
from .models import AuditEvent

FIELD_LABELS = {
    "title": "标题", "body": "正文", "category": "类别", "event_end_at": "事件结束时间", "major": "重大事项",
    "follow_up_of_id": "续报的信息编号", "solicitation_id": "约稿编号", "status": "状态", "submitted_at": "报送时间",
    "edited_title": "编辑后的标题", "edited_body": "编辑后的正文", "decision_note": "处理意见",
    "username": "用户名", "name": "名称", "unit_id": "单位编号", "roles": "角色", "phone": "电话", "email": "电子邮箱",
    "active": "启用", "kind": "类型", "parent_id": "上级单位编号", "tier_id": "单位类别编号", "sort_order": "排序",
    "key": "代码", "item_id": "信息编号", "channel": "采用载体", "adopted_on": "采用日期",
    "leader_name": "批示领导", "rank": "领导职务", "instructed_on": "批示日期", "text": "批示内容",
    "feedback_required": "需要反馈", "feedback_due_at": "反馈期限", "feedback_text": "反馈内容", "feedback_at": "反馈时间",
    "feedback_verdict": "反馈审核", "feedback_decided_at": "审核时间",
    "topic": "主题", "requirements": "约稿要求", "contact_name": "联系人", "room": "报送地点", "deadline": "截止时间",
    "closed_at": "结束时间", "unit_ids": "约稿单位编号", "solicitation_verdict": "约稿答复评定",
    "period_start": "考核期开始", "period_end": "考核期结束", "data": "规则内容", "active_rule_set": "启用的规则",
    "submitted_target": "报送目标", "adopted_target": "采用目标",
    "channel_id": "采用载体编号", "numbering": "编号方式", "show_total": "显示总期号", "total_start": "总期号起点",
    "compiled_by": "编印单位", "sections": "栏目", "report_to": "报", "send_to": "送", "issue_to": "发",
    "print_count": "印数", "attempts": "已尝试次数",
    "publication_id": "刊物编号", "issued_on": "编发日期", "editor_note": "编者按", "year": "年度", "number": "期号",
    "total_number": "总期号", "item_ids": "编入的信息编号", "headline": "标题", "section": "栏目", "position": "顺序",
    "edition_id": "刊期编号",
    "part": "期次", "addressee": "主送单位", "preamble": "导语", "closing": "结束语", "doc_number": "发文字号",
    "corrects_id": "更正的通报编号",
    "leader_position": "领导职务", "leader_mobile": "领导手机", "leader_phone": "领导办公电话",
    "leader_email": "领导邮箱", "officers": "信息员", "deadline_at": "截止时间", "note": "通知说明",
    "acknowledged_at": "签收时间", "responded_at": "答复时间",
    "caption": "照片说明", "form_key": "表单编号", "stored_name": "存储文件名", "width": "宽（像素）",
    "height": "高（像素）", "size": "大小（字节）", "format": "格式", "units": "单位数",
    "backup": "备份目录", "created_at": "备份时间", "operator": "操作系统账号", "audit_events_lost": "回退的审计记录数",
}
# The same field name meaning something else on one kind of target.
TYPE_FIELD_LABELS = {
    ("roster", "leader_name"): "分管领导", ("roster", "section"): "信息工作科室", ("tier", "key"): "类别代码",
    ("reporting_priority", "body"): "要点内容", ("user", "name"): "姓名",
}
VALUE_LABELS = {
    ("item", "status"): ITEM_STATUSES, ("item", "category"): CATEGORIES,
    ("bulletin", "status"): BULLETIN_STATUSES, ("bulletin", "kind"): BULLETIN_KINDS,
    ("edition", "status"): EDITION_STATUSES, ("publication", "numbering"): NUMBERINGS,
    ("solicitation", "status"): SOLICITATION_STATUSES, ("item", "solicitation_verdict"): SOLICITATION_VERDICTS,
    ("instruction", "feedback_verdict"): FEEDBACK_STATES, ("delivery", "status"): DELIVERY_STATUSES,
    ("unit", "kind"): UNIT_KINDS, ("roster_request", "kind"): {"confirmed": "确认无变化", "updated": "已更新"}, ("user", "roles"): ROLES,
}


# Fields holding a whole document (a rule set's JSON): the log keeps both versions, the table says what
# happened in words (a page of JSON in a table cell reads as code, not as a change).
WHOLE_DOCUMENTS = {("rule_set", "data"): "规则内容"}


@dataclass
class Change:
    field: str
    old: str
    new: str


def _describe_document(label: str, old: Any, new: Any) -> "Change":
    def size(value):
        return f"共{len(json.dumps(value, ensure_ascii=False))}字" if value else ""

    if old and new:
        return Change(label, size(old), size(new) + ("（已修改）" if old != new else "（未改）"))
    return Change(label, size(old), size(new))


def _show(value: Any, names: dict) -> str:
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_show(v, names) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(names.get(value, value)) if isinstance(value, str) else str(value)


def list_changes(event: AuditEvent) -> list[Change]:
    """The event's old → new values, field by field; a side the event has no value for stays empty."""
    old = json.loads(event.old_values) if event.old_values else {}
    new = json.loads(event.new_values) if event.new_values else {}
    changes = []
    for key in sorted(old.keys() | new.keys()):
        if (event.target_type, key) in WHOLE_DOCUMENTS:
            changes.append(_describe_document(WHOLE_DOCUMENTS[(event.target_type, key)], old.get(key), new.get(key)))
            continue
        names = VALUE_LABELS.get((event.target_type, key), {})
        label = TYPE_FIELD_LABELS.get((event.target_type, key)) or FIELD_LABELS.get(key, key)
        changes.append(Change(label, _show(old[key], names) if key in old else "",
                              _show(new[key], names) if key in new else ""))
    return changes
