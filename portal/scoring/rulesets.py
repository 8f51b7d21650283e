"""Rule sets as admins keep them: create, edit, import, export, activate; and annual targets.

A rule set's JSON is validated by the engine whenever it is stored, so a stored rule set always loads.
What the engine cannot know is checked here too: that channel keys and names fit the Channel table that
activation syncs, and (on save and on activation) that every unit tier in use has a count in every quota,
which the engine would otherwise only discover at scoring time.
"""
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ..audit.services import record_event, snapshot
from ..extensions import db, utcnow
from ..units.models import Tier, Unit
from ..web.errors import UserError
from ..web.fields import EARLIEST_YEAR, LATEST_YEAR, year_in_range
from ..web.filters import to_local
from . import engine
from .models import AnnualTarget, Channel, RuleSet
from .periods import find_active_rule_set

MAX_IMPORT_BYTES = 1024 * 1024
NAME_MAX = 100
UNTIERED_LABEL = "未分类单位"
TARGET_MAX = 100000


class RuleSetError(UserError):
    """A refusal worded in Chinese; `field` names the form field it belongs next to (the rules by default)."""

    def __init__(self, message: str, field: str = "rules"):
        super().__init__(message, field)


# ---- reading and validating ----------------------------------------------------------------

def list_rule_sets() -> list[RuleSet]:
    return list(db.session.scalars(
        select(RuleSet).order_by(RuleSet.active.desc(), RuleSet.period_start.desc(), RuleSet.id.desc())
    ))


def get_rule_set(rule_set_id: int) -> RuleSet | None:
    return db.session.get(RuleSet, rule_set_id)


# Python's JSON messages are English; admins editing in a browser need them in Chinese.
_JSON_PROBLEMS = {
    "Expecting value": "此处缺少值（或多了逗号）",
    "Expecting ',' delimiter": "此处缺少逗号",
    "Expecting ':' delimiter": "此处缺少冒号",
    "Expecting property name enclosed in double quotes": "字段名应使用英文双引号括起（或多了逗号）",
    "Unterminated string starting at": "字符串缺少结尾的双引号",
    "Invalid control character at": "字符串中含有换行或控制字符",
    "Invalid \\escape": "无效的转义字符（反斜杠）",
    "Extra data": "JSON 已结束，后面还有多余内容",
}
_FULL_WIDTH = "，：“”‘’｛｝［］　"


def _json_problem(error: json.JSONDecodeError) -> str:
    reason = next((text for prefix, text in _JSON_PROBLEMS.items() if error.msg.startswith(prefix)), "格式错误")
    message = f"JSON 格式有误：第{error.lineno}行第{error.colno}列，{reason}"
    near = error.doc[max(0, error.pos - 1):error.pos + 1]
    if any(char in _FULL_WIDTH for char in near):
        message += "。请使用英文标点（逗号、冒号、引号、括号）"
    return message


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads would silently keep the last of two equal keys; an admin should learn of the first.
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise RuleSetError(f"JSON 中字段“{key}”在同一对象中出现了两次")
        seen[key] = value
    return seen


# Points, quotas and targets are small numbers; a longer one is a typo or an attack (a 5,000-digit
# number is refused by Python's int() itself, a 400-digit one would overflow the score columns).
RULE_NUMBER_DIGITS = 9


def _rule_number(text: str) -> int | float:
    digits = sum(char.isdigit() for char in text.split("e")[0].split("E")[0])
    number = float(text) if any(char in text for char in ".eE") else None
    if digits > RULE_NUMBER_DIGITS or (number is not None and not abs(number) < 10**RULE_NUMBER_DIGITS):
        raise RuleSetError(f"规则集中的数字“{text[:20]}”过大（不超过{RULE_NUMBER_DIGITS}位）")
    return int(text) if number is None else number


def _no_constant(name: str):
    raise RuleSetError(f"规则集中不能使用 {name}，请填写数字")


def parse_rule_text(text: str) -> dict[str, Any]:
    """The JSON text as a validated rule set dict, or RuleSetError with a Chinese message."""
    if not text.strip():
        raise RuleSetError("请填写规则集内容（JSON）")
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_int=_rule_number, parse_float=_rule_number,
                          parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise RuleSetError(_json_problem(error)) from None
    except RecursionError:
        raise RuleSetError("JSON 嵌套层数过多") from None
    load_rules(data)
    return data


def load_rules(data: Any) -> engine.RuleSet:
    try:
        rules = engine.load_ruleset(data)
    except engine.ScoringError as error:
        raise RuleSetError(str(error)) from None
    _check_fits_tables(rules)
    return rules


def _check_fits_tables(rules: engine.RuleSet) -> None:
    for key, channel in rules.channels.items():
        if not key or len(key) > 40:
            raise RuleSetError(f"规则集 channels 中的载体代码“{key}”应为1至40个字符")
        if len(channel.name) > 60:
            raise RuleSetError(f"规则集 channels.{key}.name 不能超过60个字符")
        if len(channel.body) > 40:
            raise RuleSetError(f"规则集 channels.{key}.body 不能超过40个字符")


def tiers_in_use() -> dict[str, str]:
    """{tier key: label} for the tiers of the units that are scored; "default" stands for untiered units."""
    rows = db.session.execute(
        select(Tier.key, Tier.name).select_from(Unit).outerjoin(Tier, Unit.tier_id == Tier.id)
        .where(Unit.kind != "office").distinct()
    )
    return {(key or engine.DEFAULT_TIER): (name or UNTIERED_LABEL) for key, name in rows}


def check_tiers(rules: engine.RuleSet) -> None:
    """Every unit tier in use needs a count in every quota (or the quota's "default"), else the engine
    refuses to score the whole office: refuse the rule set now, naming the tier."""
    in_use = tiers_in_use()
    for quota in rules.quotas:
        if engine.DEFAULT_TIER in quota.counts:
            continue
        for key, label in sorted(in_use.items()):
            if key not in quota.counts:
                raise RuleSetError(
                    f"规则集 quotas[{quota.index}].count 没有为单位类别“{label}”（{key}）规定数量，"
                    f"也没有 default；请补上该类别或 default"
                )


def rule_set_problem(rule_set: RuleSet) -> str | None:
    """Why the stored rule set could not score today's units (a tier added since it was saved), or None."""
    try:
        check_tiers(load_rules(json.loads(rule_set.data)))
    except (RuleSetError, ValueError) as error:
        return str(error)
    return None


def _check_period(period_start: date | None, period_end: date | None) -> None:
    if period_start is None:
        raise RuleSetError("请填写考核期起始日", "period_start")
    if period_end is None:
        raise RuleSetError("请填写考核期截止日", "period_end")
    if period_start > period_end:
        raise RuleSetError("考核期起始日不能晚于截止日", "period_end")


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise RuleSetError("请填写规则集名称", "name")
    if len(name) > NAME_MAX:
        raise RuleSetError(f"规则集名称不能超过{NAME_MAX}个字符", "name")
    return name


def _to_text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


# ---- writing -------------------------------------------------------------------------------

def _store(rule_set: RuleSet, name: str, data: dict[str, Any], period_start: date | None,
           period_end: date | None, *, tiers: bool) -> RuleSet:
    name = _check_name(name)
    _check_period(period_start, period_end)
    # The record's name is the rule set's name: an exported file then imports under the same name.
    data = {"name": name, **{key: value for key, value in data.items() if key != "name"}}
    rules = load_rules(data)
    if tiers:
        check_tiers(rules)
    rule_set.name, rule_set.data = name, _to_text(data)
    rule_set.period_start, rule_set.period_end = period_start, period_end
    rule_set.updated_at = utcnow()
    if rule_set.active:
        # Editors record adoptions against the active rule set's channels: keep them in step.
        sync_channels(rules)
    return rule_set


_AUDITED = ("name", "period_start", "period_end", "data")


def create_rule_set(name: str, data: dict[str, Any], period_start: date, period_end: date) -> RuleSet:
    """A new, inactive rule set. Its quota counts are not checked against today's unit tiers yet:
    a copy or an import is often made precisely to fix them, and saving or activating checks them."""
    rule_set = RuleSet(active=False)
    _store(rule_set, name, data, period_start, period_end, tiers=False)
    db.session.add(rule_set)
    db.session.flush()
    record_event(None, "rule_set.create", rule_set, f"新建积分规则“{rule_set.name}”",
                 new=snapshot(rule_set, *_AUDITED))
    return rule_set


def copy_rule_set(source: RuleSet | None) -> RuleSet:
    """A new inactive rule set copied from `source`, or from the seed default when there is none."""
    if source is None:
        default = engine.dump_ruleset(engine.load_default_ruleset())
        start, end = default_period(engine.load_ruleset(default))
        return create_rule_set(default["name"], default, start, end)
    data = json.loads(source.data)
    name = f"{source.name}（副本）"[:NAME_MAX]
    return create_rule_set(name, data, source.period_start, source.period_end)


# Rule sets shipped as data files (rulesets/<key>.json) that an admin starts a new one from (从模板新建):
# the seed's complete method and a street office's, which the demo office runs.
TEMPLATES = {
    "default": "长春高新区管委会政务信息工作考核办法（2012年）：按季度通报，考核期1月1日至11月30日，"
               "按市委、市政府办公厅和省办、国办刊物采用及市领导批示加分",
    "chengnan": "城南街道政务信息和公众号工作考核办法：每月通报，按自然年考核，"
                "按《城南信息》、街道公众号和区委办、区政府办刊物采用及区领导批示加分",
}


def load_template(key: str) -> dict[str, Any]:
    """A template's rule set as stored in its file."""
    if key not in TEMPLATES:
        raise RuleSetError("请选择一个模板", "template")
    return json.loads((engine.DEFAULT_RULESET_PATH.parent / f"{key}.json").read_text(encoding="utf-8"))


def create_rule_set_from_template(key: str) -> RuleSet:
    """A new inactive rule set, a copy of the template, its period this year's by the template's pattern."""
    data = load_template(key)
    start, end = default_period(load_rules(data))
    return create_rule_set(data["name"], data, start, end)


def save_rule_set(rule_set: RuleSet, name: str, text: str, period_start: date | None,
                  period_end: date | None) -> RuleSet:
    """Stores the edited rule set; RuleSetError (with the field to show it by) when it is not valid."""
    _check_name(name)
    _check_period(period_start, period_end)
    before = snapshot(rule_set, *_AUDITED)
    _store(rule_set, name, parse_rule_text(text), period_start, period_end, tiers=True)
    record_event(None, "rule_set.update", rule_set, f"修改积分规则“{rule_set.name}”", before,
                 snapshot(rule_set, *_AUDITED))
    return rule_set


def import_rule_set(content: bytes) -> RuleSet:
    """A new inactive rule set from an exported file. Its period is the file's default period in the
    current year, else the active rule set's."""
    if len(content) > MAX_IMPORT_BYTES:
        raise RuleSetError("文件过大：规则集文件不应超过1MB", "file")
    if not content.strip():
        raise RuleSetError("文件是空的", "file")
    for encoding in ("utf-8-sig", "gb18030"):  # files saved by Windows Notepad may be GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RuleSetError("无法读取文件：应为 UTF-8 编码的 JSON 文本", "file")
    try:
        data = parse_rule_text(text)
        rules = load_rules(data)
        start, end = default_period(rules)
        name = (rules.name.strip() or "导入的规则集")[:NAME_MAX]
        return create_rule_set(name, data, start, end)
    except RuleSetError as error:
        raise RuleSetError(str(error), "file") from None


def default_period(rules: engine.RuleSet) -> tuple[date, date]:
    year = to_local(utcnow()).year
    if rules.period is not None:
        try:
            period = engine.resolve_period(rules, year)
            return period.start, period.end
        except engine.ScoringError:
            pass  # e.g. 02-29 in a common year: fall through to the active rule set's period
    active = find_active_rule_set()
    if active is not None:
        return active.period_start, active.period_end
    return date(year, 1, 1), date(year, 12, 31)


def export_rule_set(rule_set: RuleSet) -> str:
    data = json.loads(rule_set.data)
    data = {"name": rule_set.name, **{key: value for key, value in data.items() if key != "name"}}
    return _to_text(data) + "\n"


def activate_rule_set(rule_set: RuleSet) -> None:
    """Makes `rule_set` the only active one and syncs the Channel table from it."""
    rules = load_rules(json.loads(rule_set.data))
    check_tiers(rules)
    # Lock every rule set row in id order, so two admins activating at once queue instead of
    # both ending up active (or deadlocking) on PostgreSQL.
    previous = None
    for other in db.session.scalars(select(RuleSet).order_by(RuleSet.id).with_for_update()):
        previous = other if other.active else previous
        other.active = other.id == rule_set.id
    record_event(None, "rule_set.activate", rule_set, f"启用积分规则“{rule_set.name}”",
                 {"active_rule_set": previous.name if previous else None}, {"active_rule_set": rule_set.name})
    sync_channels(rules)
    db.session.flush()


def sync_channels(rules: engine.RuleSet) -> None:
    """Channels in the rule set become active (created or renamed as needed); the others inactive.
    None is deleted: adoptions keep pointing at their channel."""
    existing = {channel.key: channel for channel in db.session.scalars(select(Channel))}
    for position, (key, spec) in enumerate(rules.channels.items()):
        channel = existing.get(key)
        if channel is None:
            channel = Channel(key=key)
            db.session.add(channel)
        channel.name, channel.body, channel.sort_order, channel.active = spec.name, spec.body, position, True
    for key, channel in existing.items():
        if key not in rules.channels:
            channel.active = False


# ---- a readable rendering --------------------------------------------------------------------

WINDOW_NAMES = {"week": "周", "month": "月", "quarter": "季度", "period": "考核期"}
NORMALIZE_NAMES = {"top_100": "折合成百分制：各单位原始分×100÷本考核期最高原始分，保留两位小数",
                   "none": "不折算，按原始分排名"}


def fmt_points(value: Decimal) -> str:
    number = Decimal(value).normalize()
    return f"{number:f}"


@dataclass
class ChannelLine:
    key: str
    name: str
    points: str
    brief_points: str | None


@dataclass
class BodyGroup:
    key: str
    name: str
    channels: list[ChannelLine] = field(default_factory=list)


@dataclass
class RuleSetDescription:
    name: str
    description: str
    base: str
    normalize: str
    timezone: str
    period_template: str | None
    bodies: list[BodyGroup]
    bonuses: list[tuple[str, str, str]]
    feedback: list[str]
    solicitation: list[str]
    quotas: list[str]
    # 主管领导审签: the category names signed twice, in the portal's order
    second_signoff: list[str] = field(default_factory=list)


def describe_rule_set(rule_set: RuleSet) -> RuleSetDescription:
    rules = load_rules(json.loads(rule_set.data))
    bodies: OrderedDict[str, BodyGroup] = OrderedDict()
    for key, channel in rules.channels.items():
        group = bodies.setdefault(channel.body, BodyGroup(channel.body, rules.body_name(channel.body)))
        brief = None if channel.brief_points is None else fmt_points(channel.brief_points)
        group.channels.append(ChannelLine(key, channel.name, fmt_points(channel.points), brief))
    template = None
    if rules.period is not None:
        (start_month, start_day), (end_month, end_day) = rules.period
        template = f"每年{start_month}月{start_day}日至{end_month}月{end_day}日"
        if (start_month, start_day) > (end_month, end_day):
            template = f"上年{start_month}月{start_day}日至当年{end_month}月{end_day}日"
    return RuleSetDescription(
        name=rules.name,
        description=rules.description,
        base=fmt_points(rules.base),
        normalize=NORMALIZE_NAMES[rules.normalize],
        timezone=rules.timezone,
        period_template=template,
        bodies=list(bodies.values()),
        bonuses=[(rules.rank_name(rank), rank, fmt_points(bonus)) for rank, bonus in rules.instruction_bonus.items()],
        feedback=_describe_feedback(rules.feedback),
        solicitation=_describe_solicitation(rules.solicitation),
        quotas=[describe_quota(quota, _tier_names()) for quota in rules.quotas],
        second_signoff=[name for key, name in engine.CATEGORIES.items() if key in rules.second_signoff],
    )


def _describe_feedback(rules: engine.FeedbackRules) -> list[str]:
    lines = [f"领导批示要求反馈的，反馈期限默认为批示之日起{rules.default_due_days}天（当天24时前），批示录入时可另行指定"]
    if rules.on_time:
        lines.append(f"在期限内反馈且未被退回的，加{fmt_points(rules.on_time)}分")
    if rules.missed:
        lines.append(f"期限已过仍无被接受的反馈的，扣{fmt_points(-rules.missed)}分")
    if not rules.on_time and not rules.missed:
        lines.append("反馈不加分也不扣分")
    return lines


def _describe_solicitation(rules: engine.SolicitationRules) -> list[str]:
    lines = [f"按时回复约稿并被采纳的，每篇加{fmt_points(rules.answered)}分" if rules.answered
             else "回复约稿不加分"]
    lines.append(f"约稿对象单位到截止时间未按时回复的，扣{fmt_points(-rules.missed)}分" if rules.missed
                 else "未回复约稿不扣分")
    return lines


def _tier_names() -> dict[str, str]:
    return dict(db.session.execute(select(Tier.key, Tier.name)).all())


def describe_quota(quota: engine.Quota, tier_names: dict[str, str]) -> str:
    """E.g. 每周报送1篇（任何类别），每少1篇扣2分，跨考核期的周不计."""
    window = WINDOW_NAMES[quota.window]
    what = "任何类别" if quota.category == engine.ANY_CATEGORY else f"{engine.CATEGORIES[quota.category]}类"
    every = "整个考核期" if quota.window == "period" else f"每{window}"
    if set(quota.counts) == {engine.DEFAULT_TIER}:
        text = f"{every}报送{quota.counts[engine.DEFAULT_TIER]}篇（{what}）"
    else:
        parts = []
        for tier, count in quota.counts.items():
            label = "其他单位" if tier == engine.DEFAULT_TIER else tier_names.get(tier, tier)
            parts.append(f"{label}{count}篇")
        text = f"{every}报送（{what}）：{'、'.join(parts)}"
    if quota.penalty:
        text += f"，每少1篇扣{fmt_points(quota.penalty)}分"
    else:
        text += "，未完成不扣分"
    if quota.bonus_beyond:
        text += f"，超出部分每篇加{fmt_points(quota.bonus_beyond)}分"
    if quota.window != "period":
        if quota.partial == "skip":
            text += f"，跨考核期的{window}不计"
        else:
            text += f"，跨考核期的{window}只算考核期内的部分（任务数不变）"
    return text


# ---- annual targets ----------------------------------------------------------------------------

@dataclass
class TargetRow:
    tier_id: int | None
    label: str
    submitted_target: int | None
    adopted_target: int | None

    @property
    def key(self) -> str:
        return "none" if self.tier_id is None else str(self.tier_id)


def list_annual_targets(year: int) -> list[TargetRow]:
    """One row per unit tier, then the untiered units; targets None where none is set."""
    stored = {t.tier_id: t for t in db.session.scalars(select(AnnualTarget).where(AnnualTarget.year == year))}
    tiers = [(tier.id, tier.name) for tier in db.session.scalars(select(Tier).order_by(Tier.sort_order, Tier.id))]
    rows = []
    for tier_id, label in [*tiers, (None, UNTIERED_LABEL)]:
        target = stored.get(tier_id)
        rows.append(TargetRow(tier_id, label, target and target.submitted_target, target and target.adopted_target))
    return rows


def _check_year(year: int) -> None:
    if not year_in_range(year):
        raise RuleSetError(f"年份应在{EARLIEST_YEAR}至{LATEST_YEAR}之间", "year")


def save_annual_target(year: int, tier_id: int | None, submitted_target: int | None,
                       adopted_target: int | None) -> AnnualTarget | None:
    """Sets a tier's targets for a year. Both None removes them (the tier then has no target of its own)."""
    _check_year(year)
    if tier_id is not None and db.session.get(Tier, tier_id) is None:
        raise RuleSetError("单位类别不存在", "tier")
    for value in (submitted_target, adopted_target):
        if value is not None and not 0 <= value <= TARGET_MAX:
            raise RuleSetError(f"目标应为0至{TARGET_MAX}之间的整数", "tier")
    query = select(AnnualTarget).where(AnnualTarget.year == year)
    query = query.where(AnnualTarget.tier_id.is_(None) if tier_id is None else AnnualTarget.tier_id == tier_id)
    target = db.session.scalar(query)
    fields = ("submitted_target", "adopted_target")
    before = snapshot(target, *fields) if target is not None else {}
    summary = f"设置{year}年{db.session.get(Tier, tier_id).name if tier_id else UNTIERED_LABEL}的年度目标"
    if submitted_target is None and adopted_target is None:
        if target is not None:
            record_event(None, "annual_target.save", target, summary, before, dict.fromkeys(fields))
            db.session.delete(target)
        return None
    if target is None:
        target = AnnualTarget(year=year, tier_id=tier_id)
        db.session.add(target)
    target.submitted_target, target.adopted_target = submitted_target or 0, adopted_target or 0
    record_event(None, "annual_target.save", target, summary, before, snapshot(target, *fields))
    return target
