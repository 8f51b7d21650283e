"""What happens to an item after submission: adoptions by any channel of the active rule set (补录
included), leader instructions (领导批示), the unit's feedback (反馈) and the editor's verdict on it.

Every refusal is a RecordError with a Chinese message; views show it and never turn it into a 500.
"""
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import abort, url_for
from sqlalchemy import and_, or_, select

from ..audit.services import record_event, snapshot
from ..auth.services import list_user_ids_with_role
from ..extensions import db, utcnow
from ..items.models import Item
from ..items.services import list_item_people, transition_item
from ..items.workflow import OFFICE_VISIBLE, UNIT_ROLES, can_view_item, in_own_unit
from ..notifications.services import notify_users
from ..units.office import kept_by_office
from ..web.countdown import Countdown, describe_countdown
from ..web.errors import UserError
from ..web.filters import office_today, office_tz, to_local
from ..web.forms import clean_text
from . import engine
from .adoptions import INTERNAL_CHANNEL, fact_day_refusal, record_adoption
from .models import Adoption, Channel, Instruction
from .periods import get_active_rule_set, parse_rules

# Items the office has received and not ruled out: invalid items earn nothing, so nothing is recorded on them.
RECORDABLE = OFFICE_VISIBLE - {"invalid"}
LEADER_NAME_MAX = 40
TEXT_MAX = 2000
COMMENT_MAX = 200
# How many rows the instruction list shows; older rows stay reachable from their items.
LIST_LIMIT = 200

FEEDBACK_STATES = {
    "not_required": "无需反馈",
    "awaiting": "待反馈",
    "pending": "反馈待审核",
    "accepted": "反馈已采纳",
    "rejected": "反馈被退回",
}


class RecordError(UserError):
    """A refused adoption, instruction or feedback."""


# ---- the active rule set's vocabulary -------------------------------------------------------

@kept_by_office  # every item page the editor opens asks
def _active_rules() -> engine.RuleSet:
    try:
        return parse_rules(get_active_rule_set())
    except LookupError:
        raise RecordError("当前没有启用的考核规则集，请联系管理员") from None


def _recordable_channels(rules: engine.RuleSet) -> list[Channel]:
    """Active channels the rule set scores, bar the office's own: that one is recorded by the
    item's 采用 transition, which also moves the item's status."""
    channels = db.session.scalars(
        select(Channel).where(Channel.active.is_(True), Channel.key != INTERNAL_CHANNEL)
        .order_by(Channel.sort_order, Channel.id)
    )
    return [channel for channel in channels if channel.key in rules.channels]


@kept_by_office  # the item page's adoption form
def list_channel_choices() -> dict[str, dict[str, str]]:
    """{issuing body's name: {channel key: channel name}}, the shape of a grouped select. Kept: not to be changed."""
    try:
        rules = _active_rules()
    except RecordError:
        return {}
    groups: dict[str, dict[str, str]] = {}
    for channel in _recordable_channels(rules):
        groups.setdefault(rules.body_name(channel.body), {})[channel.key] = channel.name
    return groups


def list_rank_choices() -> dict[str, str]:
    try:
        rules = _active_rules()
    except RecordError:
        return {}
    return {rank: rules.rank_name(rank) for rank in rules.instruction_bonus}


def default_due_days() -> int:
    try:
        return _active_rules().feedback.default_due_days
    except RecordError:
        return engine.FeedbackRules().default_due_days


def default_feedback_due(instructed_on: date, due_days: int) -> datetime:
    """The end of the day `due_days` after the instruction, in office time (the engine's default)."""
    day = instructed_on + timedelta(days=due_days)
    return datetime.combine(day, time.max, office_tz()).astimezone(UTC)


# ---- loading with permission ----------------------------------------------------------------

def _item_of(instruction: Instruction) -> Item:
    return db.session.get(Item, instruction.item_id)


def _is_editor(user) -> bool:
    return user.has_role("editor")


INSTRUCTION_ACTIONS = {
    "view": lambda user, item: True,
    "feedback": in_own_unit,
    "decide": lambda user, item: _is_editor(user),
    "correct": lambda user, item: _is_editor(user),
}


def get_instruction_for(user, instruction_id: int, action: str = "view") -> Instruction:
    """404 when the user may not see the instruction's item (ids reveal nothing), 403 when they may
    see it but not do this."""
    instruction = db.session.get(Instruction, instruction_id)
    item = _item_of(instruction) if instruction is not None else None
    if item is None or not can_view_item(user, item):
        abort(404)
    check = INSTRUCTION_ACTIONS.get(action)
    if check is None or not check(user, item):
        abort(403)
    return instruction


def get_adoption_for(user, adoption_id: int) -> Adoption:
    """Only editors act on adoptions; the same 404-before-403 rule as items."""
    adoption = db.session.get(Adoption, adoption_id)
    item = db.session.get(Item, adoption.item_id) if adoption is not None else None
    if item is None or not can_view_item(user, item):
        abort(404)
    if not _is_editor(user):
        abort(403)
    return adoption


# ---- adoptions ------------------------------------------------------------------------------

def _require_editor(user) -> None:
    if not _is_editor(user):
        raise RecordError("只有办公室编辑可以进行此操作")


def recordable_refusal(item: Item) -> str | None:
    """Why nothing may be recorded on this item, or None when it may."""
    if item.status in RECORDABLE:
        return None
    if item.status == "invalid":
        return "该信息已判定为不计分，不能记录采用或批示"
    return "该信息尚未报送到办公室，不能记录采用或批示"


def _require_recordable(item: Item) -> None:
    refusal = recordable_refusal(item)
    if refusal is not None:
        raise RecordError(refusal)


def _check_day(item: Item, day: date | None, what: str, field_name: str, now: datetime | None) -> None:
    refusal = fact_day_refusal(day, item.submitted_at, what, now)
    if refusal:
        raise RecordError(refusal, field_name)


def _title(item: Item) -> str:
    return f"《{item.display_title}》"


def _item_url(item: Item, anchor: str = "records") -> str:
    return url_for("items.detail", item_id=item.id, _anchor=anchor)


def record_adoption_by(editor, item: Item, channel_key: str, adopted_on: date | None,
                       now: datetime | None = None) -> Adoption:
    """An upper office's adoption, dated. On a not_adopted item this is 补录: the item reached the
    upper office by another route, and the item becomes adopted (without the office's own points)."""
    _require_editor(editor)
    _require_recordable(item)
    rules = _active_rules()
    channel = next((c for c in _recordable_channels(rules) if c.key == channel_key), None)
    if channel is None:
        if channel_key == INTERNAL_CHANNEL:
            raise RecordError("本办刊物的采用请使用信息的“采用”操作", "channel")
        raise RecordError("请选择当前考核规则中启用的刊物", "channel")
    _check_day(item, adopted_on, "采用日期", "adopted_on", now)
    existing = db.session.scalar(
        select(Adoption).where(Adoption.item_id == item.id, Adoption.channel_id == channel.id)
    )
    if existing is not None:
        raise RecordError(f"该信息已记录被{channel.name}采用（{_day_text(existing.adopted_on)}），不能重复记录",
                          "channel")
    adoption = record_adoption(item.id, channel.key, adopted_on, editor.id, now)
    if item.status == "not_adopted":
        # 补录: the item is adopted after all, though not by the office's own publication. The unit was
        # told 未被采用: one notice says the verdict changed, old and new, and who adopted it.
        transition_item(item, editor, "adopt", comment=f"补录：被{channel.name}采用", internal_adoption=False, now=now)
        notify_users(list_item_people(item), "item_corrected",
                     f"更正：{_title(item)}的处理结果由“未采用”改为“已采用”（补录：被{channel.name}采用）", _item_url(item),
                     now)
    else:
        notify_users([item.author_id], "item_adopted_upper", f"{_title(item)}被{channel.name}采用", _item_url(item),
                     now)
    return adoption


def remove_adoption(editor, adoption: Adoption) -> None:
    """Deletes a mistaken record. The office's own adoption belongs to the item's 采用 transition."""
    _require_editor(editor)
    if adoption.channel.key == INTERNAL_CHANNEL:
        raise RecordError("本办刊物的采用由信息的“采用”操作产生，不能在此删除")
    record_event(editor, "adoption.remove", adoption, f"删除信息 #{adoption.item_id} 被{adoption.channel.name}采用的记录",
                 old={"item_id": adoption.item_id, "channel": adoption.channel.name, "adopted_on": adoption.adopted_on})
    # The unit was told of the adoption; it is told of the retraction too, with what it was.
    item = db.session.get(Item, adoption.item_id)
    notify_users(list_item_people(item), "adoption_removed",
                 f"更正：{_title(item)}被{adoption.channel.name}采用（{_day_text(adoption.adopted_on)}）的记录有误，已删除，"
                 "相应积分不再计入", _item_url(item))
    db.session.delete(adoption)


def correct_adoption_date(editor, adoption: Adoption, adopted_on: date | None, now: datetime | None = None) -> None:
    """An upper office's adoption recorded with the wrong date (a typo, not a re-dating: the date is set
    once, and this is its audited correction). The points move to the right day; the unit, told of the
    adoption, is told of the correction, old and new."""
    _require_editor(editor)
    if adoption.channel.key == INTERNAL_CHANNEL:
        raise RecordError("本办刊物的采用日期由信息的“采用”操作确定，不能在此更正")
    item = db.session.get(Item, adoption.item_id)
    _check_day(item, adopted_on, "采用日期", "adopted_on", now)
    if adopted_on == adoption.adopted_on:
        raise RecordError("采用日期没有变化", "adopted_on")
    old = adoption.adopted_on
    before = snapshot(adoption, "adopted_on")
    adoption.adopted_on = adopted_on
    record_event(editor, "adoption.correct", adoption,
                 f"信息 #{item.id} 被{adoption.channel.name}采用的日期由{_day_text(old)}更正为{_day_text(adopted_on)}",
                 before, snapshot(adoption, "adopted_on"))
    notify_users(list_item_people(item), "adoption_corrected",
                 f"更正：{_title(item)}被{adoption.channel.name}采用的日期由“{_day_text(old)}”更正为“{_day_text(adopted_on)}”",
                 _item_url(item))


@dataclass
class AdoptionLine:
    adoption: Adoption
    body_name: str
    removable: bool


# ---- instructions ---------------------------------------------------------------------------

def _day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _due_text(due: datetime) -> str:
    local = to_local(due)
    return f"{local.month}月{local.day}日{local:%H:%M}"


_INSTRUCTION_FIELDS = ("item_id", "leader_name", "rank", "instructed_on", "text", "feedback_required",
                       "feedback_due_at")
_FEEDBACK_FIELDS = ("feedback_text", "feedback_at", "feedback_verdict", "feedback_decided_at")


def _check_leader(item: Item, rules: engine.RuleSet, leader_name: str, rank: str, instructed_on: date | None,
                  now: datetime | None) -> str:
    """Who instructed and when, as recording and correcting an instruction both check it; the cleaned name."""
    leader_name = clean_text(leader_name)
    if not leader_name:
        raise RecordError("请填写批示领导姓名", "leader_name")
    if len(leader_name) > LEADER_NAME_MAX:
        raise RecordError(f"领导姓名不超过{LEADER_NAME_MAX}个字", "leader_name")
    if rank not in rules.instruction_bonus:
        raise RecordError("请选择当前考核规则中的领导职务", "rank")
    _check_day(item, instructed_on, "批示日期", "instructed_on", now)
    return leader_name


def record_instruction(editor, item: Item, leader_name: str, rank: str, instructed_on: date | None, text: str,
                       feedback_required: bool, feedback_due_at: datetime | None = None,
                       now: datetime | None = None) -> Instruction:
    """A leader's instruction on an item. Without an explicit due time the feedback is due at the end
    of the day `default_due_days` after the instruction, in office time. A retried submit of the
    same instruction finds the one already recorded instead of adding a second."""
    _require_editor(editor)
    _require_recordable(item)
    rules = _active_rules()
    leader_name, text = _check_leader(item, rules, leader_name, rank, instructed_on, now), clean_text(text)
    if not text:
        raise RecordError("请填写批示内容", "text")
    if len(text) > TEXT_MAX:
        raise RecordError(f"批示内容不超过{TEXT_MAX}字", "text")
    due = None
    if feedback_required:
        due = feedback_due_at or default_feedback_due(instructed_on, rules.feedback.default_due_days)
        if to_local(due).date() < instructed_on:
            raise RecordError("反馈期限不能早于批示日期", "feedback_due")

    existing = db.session.scalar(
        select(Instruction).where(
            Instruction.item_id == item.id, Instruction.leader_name == leader_name, Instruction.rank == rank,
            Instruction.instructed_on == instructed_on, Instruction.text == text,
        )
    )
    if existing is not None:
        return existing
    instruction = Instruction(
        item_id=item.id, leader_name=leader_name, rank=rank, instructed_on=instructed_on, text=text,
        feedback_required=bool(feedback_required), feedback_due_at=due, feedback_verdict="pending",
        recorded_by_id=editor.id, recorded_at=now or utcnow(),
    )
    db.session.add(instruction)
    db.session.flush()
    record_event(editor, "instruction.record", instruction, f"{_title(item)}录入{leader_name}批示",
                 new=snapshot(instruction, *_INSTRUCTION_FIELDS))
    message = f"{_title(item)}获{rules.rank_name(rank)}批示"
    if due is not None:
        message += f"，请于{_due_text(due)}前反馈"
    notify_users(list_item_people(item), "instruction", message, _item_url(item, f"instruction-{instruction.id}"),
                 now)
    return instruction


def _describe(instruction: Instruction, rules: engine.RuleSet | None) -> str:
    rank = rules.rank_name(instruction.rank) if rules else instruction.rank
    return f"{rank}{instruction.leader_name}批示（{_day_text(instruction.instructed_on)}）"


def remove_instruction(editor, instruction: Instruction) -> None:
    """Deletes a mistaken record (the wrong item, or no such instruction); its bonus and feedback points go
    with it, and the unit, told of the instruction, is told of the correction."""
    _require_editor(editor)
    item = _item_of(instruction)
    what = _describe(instruction, _rules_or_none())
    record_event(editor, "instruction.remove", instruction, f"删除{_title(item)}的{what}记录",
                 old=snapshot(instruction, *_INSTRUCTION_FIELDS, *_FEEDBACK_FIELDS))
    notify_users(list_item_people(item), "instruction_removed",
                 f"更正：{_title(item)}的{what}记录有误，已删除，相应加分不再计入，无需再反馈", _item_url(item))
    db.session.delete(instruction)


def correct_instruction(editor, instruction: Instruction, leader_name: str, rank: str, instructed_on: date | None,
                        now: datetime | None = None) -> None:
    """Corrects who instructed and when (a 副市长 recorded as 市长 earns 5 points too many); the bonus
    follows, and the unit is told what changed, old and new. The text and the feedback stay as they are."""
    _require_editor(editor)
    item = _item_of(instruction)
    rules = _active_rules()
    leader_name = _check_leader(item, rules, leader_name, rank, instructed_on, now)
    if (leader_name, rank, instructed_on) == (instruction.leader_name, instruction.rank, instruction.instructed_on):
        raise RecordError("批示信息没有变化", "leader_name")
    old = _describe(instruction, rules)
    before = snapshot(instruction, *_INSTRUCTION_FIELDS)
    due_days = rules.feedback.default_due_days
    if instruction.feedback_due_at == default_feedback_due(instruction.instructed_on, due_days):
        # The default due time follows the corrected date; one the editor set stays.
        instruction.feedback_due_at = default_feedback_due(instructed_on, due_days)
    instruction.leader_name, instruction.rank, instruction.instructed_on = leader_name, rank, instructed_on
    new = _describe(instruction, rules)
    record_event(editor, "instruction.correct", instruction, f"{_title(item)}的批示由{old}更正为{new}",
                 before, snapshot(instruction, *_INSTRUCTION_FIELDS))
    notify_users(list_item_people(item), "instruction_corrected",
                 f"更正：{_title(item)}的批示由“{old}”更正为“{new}”，加分随之调整",
                 _item_url(item, f"instruction-{instruction.id}"))


def submit_feedback(user, instruction: Instruction, text: str, now: datetime | None = None) -> None:
    """The unit's feedback. It may be rewritten until the editor accepts it; a rewrite after a
    rejection goes back to the editor as pending."""
    item = _item_of(instruction)
    if not in_own_unit(user, item):
        raise RecordError("只有本单位的信息员或负责人可以反馈")
    if not instruction.feedback_required:
        raise RecordError("此批示不要求反馈")
    if instruction.feedback_verdict == "accepted":
        raise RecordError("反馈已被采纳，不能再修改")
    text = clean_text(text)
    if not text:
        raise RecordError("请填写反馈内容", "text")
    if len(text) > TEXT_MAX:
        raise RecordError(f"反馈内容不超过{TEXT_MAX}字", "text")
    resubmitted = instruction.feedback_verdict == "rejected"
    if not resubmitted and instruction.feedback_at is not None and instruction.feedback_text == text:
        return  # a retried submit: keep the first time, which is what timeliness is judged by
    before = snapshot(instruction, *_FEEDBACK_FIELDS)
    instruction.feedback_text = text
    instruction.feedback_at = now or utcnow()
    instruction.feedback_by_id = user.id
    instruction.feedback_verdict = "pending"
    instruction.feedback_decided_at = None
    record_event(user, "feedback.submit", instruction, f"{_title(item)}的批示反馈", before,
                 snapshot(instruction, *_FEEDBACK_FIELDS))
    editors = list_user_ids_with_role("editor")
    verb = "重新提交了" if resubmitted else "提交了"
    notify_users(editors, "feedback_submitted", f"{item.unit.name}{verb}{_title(item)}的批示落实情况反馈",
                 _item_url(item, f"instruction-{instruction.id}"), now)


VERDICT_NAMES = {"accepted": "采纳", "rejected": "退回"}


def decide_feedback(editor, instruction: Instruction, accepted: bool, comment: str = "",
                    now: datetime | None = None, correcting: bool = False) -> None:
    """The editor's verdict on the unit's feedback. correcting: a verdict already given was wrong and is
    turned round (采纳 ↔ 退回); the unit is told of the correction, old and new. Without it a decided
    feedback is refused (a retried or concurrent submit)."""
    _require_editor(editor)
    item = _item_of(instruction)
    if not instruction.feedback_required or instruction.feedback_at is None:
        raise RecordError("单位尚未提交反馈")
    verdict = "accepted" if accepted else "rejected"
    old = instruction.feedback_verdict
    if correcting and (old == "pending" or old == verdict):
        raise RecordError("审核结果没有变化，请刷新后查看")
    if not correcting and old != "pending":
        raise RecordError("该反馈已处理，请刷新后查看")
    comment = clean_text(comment)[:COMMENT_MAX]
    before = snapshot(instruction, *_FEEDBACK_FIELDS)
    instruction.feedback_verdict = verdict
    instruction.feedback_decided_at = now or utcnow()
    change = f"由“{VERDICT_NAMES[old]}”更正为“{VERDICT_NAMES[verdict]}”" if correcting else VERDICT_NAMES[verdict]
    record_event(editor, "feedback.verdict", instruction,
                 f"{_title(item)}的批示反馈{change}" + (f"：{comment}" if comment else ""),
                 before, snapshot(instruction, *_FEEDBACK_FIELDS))
    people = list_item_people(item) + ([instruction.feedback_by_id] if instruction.feedback_by_id else [])
    url = _item_url(item, f"instruction-{instruction.id}")
    if correcting:
        message = f"更正：{_title(item)}的批示反馈审核结果由“{VERDICT_NAMES[old]}”改为“{VERDICT_NAMES[verdict]}”"
        if not accepted:
            message += "，请修改后重新反馈"
        notify_users(people, "feedback_corrected", message + (f"：{comment}" if comment else ""), url, now)
        return
    if accepted:
        message = f"{_title(item)}的批示反馈已被采纳"
    else:
        message = f"{_title(item)}的批示反馈被退回，请修改后重新反馈"
        if comment:
            message += f"：{comment}"
    notify_users(people, "feedback_decided", message, url, now)


# ---- what the pages show --------------------------------------------------------------------

def feedback_state(instruction: Instruction) -> str:
    if not instruction.feedback_required:
        return "not_required"
    if instruction.feedback_verdict in ("accepted", "rejected"):
        return instruction.feedback_verdict
    return "pending" if instruction.feedback_at is not None else "awaiting"


@dataclass
class InstructionLine:
    instruction: Instruction
    item: Item
    rank_name: str
    state: str
    due: datetime | None
    # shown while the unit still owes feedback: "还剩 2 天 3 小时" or "已逾期"
    countdown: Countdown | None
    # feedback given after the due time (judged by the engine as late)
    late_feedback: bool
    can_feedback: bool
    can_decide: bool
    # the editor may correct a verdict already given (采纳 ↔ 退回)
    can_correct: bool = False
    # the editor may correct or delete the instruction's record itself
    can_correct_record: bool = False

    @property
    def state_name(self) -> str:
        return FEEDBACK_STATES[self.state]

    @property
    def owing(self) -> bool:
        """The unit still owes (new or revised) feedback."""
        return self.state in ("awaiting", "rejected")


def describe_instruction(user, instruction: Instruction, item: Item, rules: engine.RuleSet | None,
                         now: datetime) -> InstructionLine:
    state = feedback_state(instruction)
    due = instruction.feedback_due_at
    if due is None and instruction.feedback_required:
        due = default_feedback_due(instruction.instructed_on,
                                   rules.feedback.default_due_days if rules else engine.FeedbackRules().default_due_days)
    owing = state in ("awaiting", "rejected")
    countdown = describe_countdown(due, now, passed="已逾期") if owing and due is not None else None
    return InstructionLine(
        instruction=instruction,
        item=item,
        rank_name=rules.rank_name(instruction.rank) if rules else instruction.rank,
        state=state,
        due=due,
        countdown=countdown,
        late_feedback=instruction.feedback_at is not None and due is not None and instruction.feedback_at > due,
        can_feedback=state in ("awaiting", "pending", "rejected") and in_own_unit(user, item),
        can_decide=state == "pending" and _is_editor(user),
        can_correct=state in ("accepted", "rejected") and _is_editor(user),
        can_correct_record=_is_editor(user),
    )


def describe_instruction_for(user, instruction: Instruction, now: datetime | None = None) -> InstructionLine:
    return describe_instruction(user, instruction, _item_of(instruction), _rules_or_none(), now or utcnow())


def _rules_or_none() -> engine.RuleSet | None:
    try:
        return _active_rules()
    except RecordError:
        return None


@dataclass
class ItemRecords:
    """Everything the item page shows under the item: adoptions, instructions, and what the user may do."""

    item: Item
    adoptions: list[AdoptionLine]
    instructions: list[InstructionLine]
    can_record: bool
    channel_choices: dict[str, dict[str, str]] = field(default_factory=dict)
    today: date | None = None

    @property
    def empty(self) -> bool:
        return not self.adoptions and not self.instructions and not self.can_record


def gather_item_records(user, item: Item, now: datetime | None = None) -> ItemRecords:
    now = now or utcnow()
    rules = _rules_or_none()
    editor = _is_editor(user)
    adoptions = [
        AdoptionLine(adoption, rules.body_name(adoption.channel.body) if rules else adoption.channel.body,
                     editor and adoption.channel.key != INTERNAL_CHANNEL)
        for adoption in db.session.scalars(
            select(Adoption).where(Adoption.item_id == item.id).order_by(Adoption.adopted_on, Adoption.id)
        )
    ]
    instructions = [
        describe_instruction(user, instruction, item, rules, now)
        for instruction in db.session.scalars(
            select(Instruction).where(Instruction.item_id == item.id)
            .order_by(Instruction.instructed_on, Instruction.id)
        )
    ]
    can_record = editor and item.status in RECORDABLE and rules is not None
    return ItemRecords(item, adoptions, instructions, can_record,
                       list_channel_choices() if can_record else {}, office_today(now))


@dataclass
class InstructionLists:
    unit_lines: list[InstructionLine] | None
    office_lines: list[InstructionLine] | None


# Lines that need the viewer's action come first, soonest due first.
def _unit_order(line: InstructionLine) -> tuple:
    if line.owing:
        return (0, line.due.timestamp() if line.due else 0.0, line.instruction.id)
    return (1, -line.instruction.instructed_on.toordinal(), -line.instruction.id)


def _office_order(line: InstructionLine) -> tuple:
    waiting = line.state == "pending"
    at = line.instruction.feedback_at if waiting else line.due
    return (not waiting, at.timestamp() if at else 0, line.instruction.id)


def list_instructions_for(user, now: datetime | None = None) -> InstructionLists:
    """A unit member sees the unit's instructions; an editor sees those whose feedback awaits a
    verdict or is overdue."""
    now = now or utcnow()
    rules = _rules_or_none()
    unit_lines = office_lines = None
    if user.has_any_role(*UNIT_ROLES):
        rows = db.session.execute(
            select(Instruction, Item).join(Item, Item.id == Instruction.item_id)
            .where(Item.unit_id == user.unit_id)
            .order_by(Instruction.instructed_on.desc(), Instruction.id.desc()).limit(LIST_LIMIT)
        )
        unit_lines = sorted((describe_instruction(user, i, item, rules, now) for i, item in rows), key=_unit_order)
    if _is_editor(user):
        awaiting_verdict = and_(Instruction.feedback_at.is_not(None), Instruction.feedback_verdict == "pending")
        owing = or_(Instruction.feedback_at.is_(None), Instruction.feedback_verdict == "rejected")
        rows = db.session.execute(
            select(Instruction, Item).join(Item, Item.id == Instruction.item_id)
            .where(Item.status.in_(OFFICE_VISIBLE), Instruction.feedback_required.is_(True),
                   or_(awaiting_verdict, and_(owing, Instruction.feedback_due_at <= now)))
            .order_by(Instruction.feedback_due_at, Instruction.id).limit(LIST_LIMIT)
        )
        office_lines = sorted((describe_instruction(user, i, item, rules, now) for i, item in rows),
                              key=_office_order)
    elif user.has_role("viewer"):
        # A leader reads the latest instructions of every unit (and the feedback), acting on none.
        rows = db.session.execute(
            select(Instruction, Item).join(Item, Item.id == Instruction.item_id).where(Item.status.in_(OFFICE_VISIBLE))
            .order_by(Instruction.instructed_on.desc(), Instruction.id.desc()).limit(LIST_LIMIT)
        )
        office_lines = [describe_instruction(user, i, item, rules, now) for i, item in rows]
    return InstructionLists(unit_lines, office_lines)
