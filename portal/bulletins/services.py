"""Bulletins (通报): windows, drafts, the figures, publishing and corrections.

Every figure comes from one engine run of the active rule set as of the window's end (or now, while
the window lasts): points are that run's ledger rows dated in the window, cumulative scores and ranks
are its totals. Nothing is recomputed by a separate path. Counts of items (submitted, late, invalid)
come from the items themselves, and the adopted items from the same adoption facts the engine scored.

build_bulletin_figures is the one function that figures a bulletin: a draft's page calls it live,
publishing freezes what it returns. A published bulletin is shown from its frozen figures alone.

Every refusal is a BulletinError with a Chinese message; `field` names the form field it belongs to.
"""
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import partial

from flask import current_app, url_for
from sqlalchemy import func, select

from ..audit.services import record_event, snapshot
from ..auth.services import list_unit_member_ids, list_user_ids_with_role
from ..extensions import db, utcnow
from ..items.models import Item
from ..notifications.services import notify_users
from ..scoring import engine
from ..scoring.filings import Filings, count_filings
from ..scoring.gather import gather_facts
from ..scoring.periods import get_active_rule_set, parse_rules, period_of, resolve_year_window
from ..scoring.standings import UNTIERED_NAME, describe_out_of_period, rank_within_tiers
from ..units.models import Unit
from ..units.services import list_reporting_units
from ..web.errors import UserError, load_for
from ..web.fields import EARLIEST_YEAR, LATEST_YEAR
from ..web.filters import office_today, to_local
from .models import KINDS, Bulletin

# Years outside this range are typing slips (and far-off years overflow time-zone arithmetic).
TITLE_MAX = 100
ADDRESSEE_MAX = 100
TEXT_MAX = 3000
SNAPSHOT_VERSION = 2
QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
# The form field that chooses the part of the year, per kind: where a refusal about the window belongs.
PART_FIELDS = {"month": "month", "quarter": "quarter", "year": "year"}
CORRECTION_MARK = "（更正）"

DEFAULT_PREAMBLE = "为进一步做好政务信息报送工作，现将{label}各单位政务信息报送、采用及考核积分情况通报如下。"
DEFAULT_CLOSING = ("请各单位对照通报，认真总结经验、查找不足。排名靠前的单位要再接再厉；"
                   "未完成报送任务的单位要明确专人负责，切实提高信息报送的时效和质量。")


class BulletinError(UserError):
    """A refused bulletin operation, worded in Chinese."""


# ---- windows ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    kind: str
    year: int
    part: int
    first: date
    last: date

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.part}月"
        if self.kind == "quarter":
            return f"{self.year}年第{QUARTER_NAMES[self.part]}季度"
        return f"{self.year}年度"

    @property
    def default_title(self) -> str:
        label = f"{self.label}份" if self.kind == "month" else self.label
        return f"关于{label}政务信息报送情况的通报"


def _month_last(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def resolve_window(kind: str, year: int | None, part: int | None) -> Window:
    if kind not in KINDS:
        raise BulletinError("请选择通报类型：月度、季度或年度", "kind")
    if year is None or not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise BulletinError(f"年份应在{EARLIEST_YEAR}至{LATEST_YEAR}年之间", "year")
    if kind == "month":
        if part not in range(1, 13):
            raise BulletinError("月份应为1至12月", "month")
        return Window(kind, year, part, date(year, part, 1), _month_last(year, part))
    if kind == "quarter":
        if part not in range(1, 5):
            raise BulletinError("季度应为第一至第四季度", "quarter")
        return Window(kind, year, part, date(year, 3 * part - 2, 1), _month_last(year, 3 * part))
    return Window(kind, year, 0, *resolve_year_window(year))


def window_of(bulletin: Bulletin) -> Window:
    return Window(bulletin.kind, bulletin.year, bulletin.part, bulletin.first_day, bulletin.last_day)


def default_window(now: datetime | None = None) -> Window:
    """What a new bulletin starts with: last month, the usual monthly bulletin."""
    first_of_month = office_today(now).replace(day=1)
    last_month = first_of_month - timedelta(days=1)
    return resolve_window("month", last_month.year, last_month.month)


def _window_bounds(window: Window, tz) -> tuple[datetime, datetime]:
    return (datetime.combine(window.first, time(), tz),
            datetime.combine(window.last + timedelta(days=1), time(), tz))


# ---- access -----------------------------------------------------------------------------------

def can_view_bulletin(user, bulletin: Bulletin) -> bool:
    """Published bulletins are for everyone logged in; drafts for the office's editors only."""
    return bulletin.is_published or user.has_role("editor")


ACTIONS = {
    "view": lambda user, b: True,
    "edit": lambda user, b: user.has_role("editor") and not b.is_published,
    "delete": lambda user, b: user.has_role("editor") and not b.is_published,
    # Publishing twice (a retried submit) is answered with the bulletin already published.
    "publish": lambda user, b: user.has_role("editor"),
    "correct": lambda user, b: user.has_role("editor") and b.is_published,
}


def get_bulletin_for(user, bulletin_id: int, action: str = "view") -> Bulletin:
    """The one way views load a bulletin: 404 when the user may not see it (a unit asking for a draft),
    403 when they may see it but not do this."""
    return load_for(Bulletin, bulletin_id, partial(can_view_bulletin, user), partial(ACTIONS[action], user))


@dataclass
class BulletinEntry:
    bulletin: Bulletin
    # the user's own unit line of a published bulletin (units see their rank in the list)
    own: dict | None
    corrected_by: Bulletin | None


def list_bulletins_for(user) -> list[BulletinEntry]:
    """Newest first; an editor's drafts before everything published."""
    published = list(db.session.scalars(
        select(Bulletin).where(Bulletin.status == "published")
        .order_by(Bulletin.published_at.desc(), Bulletin.id.desc())
    ))
    drafts = list(db.session.scalars(
        select(Bulletin).where(Bulletin.status == "draft").order_by(Bulletin.created_at.desc(), Bulletin.id.desc())
    )) if user.has_role("editor") else []
    # published newest first, so the first correction met for an original is its latest one
    corrections: dict[int, Bulletin] = {}
    for bulletin in published:
        if bulletin.corrects_id is not None:
            corrections.setdefault(bulletin.corrects_id, bulletin)
    # Only a unit's members have a line of their own: the office's lists never parse the frozen figures.
    unit_member = user.has_any_role("reporter", "signer")
    return [
        BulletinEntry(bulletin, own_line(bulletin.frozen, user) if unit_member and bulletin.is_published else None,
                      corrections.get(bulletin.id))
        for bulletin in drafts + published
    ]


def own_line(figures: dict, user) -> dict | None:
    return next((line for line in figures["units"] if line["unit_id"] == user.unit_id), None)


def find_correction_of(bulletin: Bulletin) -> Bulletin | None:
    """The latest published bulletin that corrects this one."""
    return db.session.scalar(
        select(Bulletin).where(Bulletin.corrects_id == bulletin.id, Bulletin.status == "published")
        .order_by(Bulletin.published_at.desc(), Bulletin.id.desc()).limit(1)
    )


# ---- drafts -----------------------------------------------------------------------------------

def _require_editor(user) -> None:
    if not user.has_role("editor"):
        raise BulletinError("只有办公室编辑可以编制通报")


def _same_window(window: Window):
    return (Bulletin.kind == window.kind) & (Bulletin.first_day == window.first) & (Bulletin.last_day == window.last)


# What a bulletin's audit events compare (the frozen figures are the bulletin itself, not repeated here).
_AUDITED = ("kind", "year", "part", "title", "addressee", "preamble", "closing", "status", "doc_number",
            "corrects_id")


def create_bulletin(editor, window: Window, now: datetime | None = None) -> Bulletin:
    """A draft for the window, with the default title and texts. A window already published is refused
    (a change is a correction); asking again for a window with a draft returns that draft, so a retried
    submit never makes two."""
    _require_editor(editor)
    field = PART_FIELDS[window.kind]
    if window.first > office_today(now):
        raise BulletinError(f"{window.label}尚未开始，不能编制通报", field)
    published = db.session.scalar(
        select(Bulletin).where(_same_window(window), Bulletin.status == "published")
        .order_by(Bulletin.published_at.desc()).limit(1)
    )
    if published is not None:
        raise BulletinError(f"{window.label}的通报已发布（{published.doc_number}）；如需更正，请打开该通报点“更正”",
                            field)
    draft = db.session.scalar(
        select(Bulletin).where(_same_window(window), Bulletin.status == "draft", Bulletin.corrects_id.is_(None))
        .limit(1)
    )
    if draft is not None:
        return draft
    bulletin = Bulletin(
        kind=window.kind, year=window.year, part=window.part, first_day=window.first, last_day=window.last,
        title=window.default_title, addressee=current_app.config["BULLETIN_ADDRESSEE"],
        preamble=DEFAULT_PREAMBLE.format(label=window.label), closing=DEFAULT_CLOSING, created_by_id=editor.id,
        created_at=now or utcnow(),
    )
    db.session.add(bulletin)
    db.session.flush()
    record_event(editor, "bulletin.create", bulletin, f"新建通报《{bulletin.title}》", new=snapshot(bulletin, *_AUDITED))
    return bulletin


def correct_bulletin(editor, original: Bulletin) -> Bulletin:
    """A new draft for the same window that corrects a published bulletin; it says so when published.
    The original stays as it was issued."""
    _require_editor(editor)
    if not original.is_published:
        raise BulletinError("只能更正已发布的通报")
    draft = db.session.scalar(
        select(Bulletin).where(Bulletin.corrects_id == original.id, Bulletin.status == "draft").limit(1)
    )
    if draft is not None:
        return draft
    base = original.title.removesuffix(CORRECTION_MARK)
    bulletin = Bulletin(
        kind=original.kind, year=original.year, part=original.part, first_day=original.first_day,
        last_day=original.last_day, title=base[:TITLE_MAX - len(CORRECTION_MARK)] + CORRECTION_MARK,
        addressee=original.addressee, preamble=original.preamble, closing=original.closing,
        corrects_id=original.id, created_by_id=editor.id,
    )
    db.session.add(bulletin)
    db.session.flush()
    record_event(editor, "bulletin.correct", bulletin, f"编制更正通报，更正{original.doc_number}",
                 new=snapshot(bulletin, *_AUDITED))
    return bulletin


def update_bulletin(editor, bulletin: Bulletin, title: str, addressee: str, preamble: str, closing: str) -> None:
    _require_editor(editor)
    if bulletin.is_published:
        raise BulletinError("通报已发布，不能再修改；如需更正，请点“更正”编制更正通报")
    title, addressee = (title or "").strip(), (addressee or "").strip()
    preamble, closing = (preamble or "").strip(), (closing or "").strip()
    if not title:
        raise BulletinError("请填写标题", "title")
    if len(title) > TITLE_MAX:
        raise BulletinError(f"标题不超过{TITLE_MAX}个字", "title")
    if len(addressee) > ADDRESSEE_MAX:
        raise BulletinError(f"主送单位不超过{ADDRESSEE_MAX}个字", "addressee")
    for name, text in (("preamble", preamble), ("closing", closing)):
        if len(text) > TEXT_MAX:
            raise BulletinError(f"不超过{TEXT_MAX}个字", name)
    before = snapshot(bulletin, *_AUDITED)
    bulletin.title, bulletin.addressee, bulletin.preamble, bulletin.closing = title, addressee, preamble, closing
    record_event(editor, "bulletin.update", bulletin, f"修改通报《{title}》", before, snapshot(bulletin, *_AUDITED))


def delete_bulletin(editor, bulletin: Bulletin) -> None:
    _require_editor(editor)
    if bulletin.is_published:
        raise BulletinError("已发布的通报不能删除")
    record_event(editor, "bulletin.delete", bulletin, f"删除通报草稿《{bulletin.title}》", old=snapshot(bulletin, *_AUDITED))
    db.session.delete(bulletin)


# ---- figures ----------------------------------------------------------------------------------

def _text(value: Decimal) -> str:
    """Decimals as the page prints them (80, 12.5, 100.00): JSON has no decimal type."""
    return f"{value:f}"


def _window_adoptions(rules: engine.RuleSet, items: list[engine.Item], window: Window,
                      as_of: datetime) -> list[tuple[engine.Item, engine.Adoption]]:
    """Adoptions dated in the window on the items the engine counts (not invalid, submitted before
    as_of), in the order the list prints them."""
    found = []
    for item in items:
        if item.verdict == "invalid" or item.submitted_at >= as_of:
            continue
        for adoption in item.adoptions:
            on = adoption.date
            if window.first <= on <= window.last and datetime.combine(on, time(), rules.tz) < as_of:
                found.append((item, adoption))
    order = {key: position for position, key in enumerate(rules.channels)}
    found.sort(key=lambda pair: (pair[1].date, order[pair[1].channel], pair[0].id))
    return found


def _bodies(rules: engine.RuleSet, adopted: list[tuple[engine.Item, engine.Adoption]]) -> list[dict]:
    """The issuing bodies that adopted something in the window, in the rule set's order: the table's
    adoption columns (a body nobody reached would be a column of zeros)."""
    used = {rules.channels[adoption.channel].body for _, adoption in adopted}
    keys = dict.fromkeys(channel.body for channel in rules.channels.values())
    return [{"key": key, "name": rules.body_name(key)} for key in keys if key in used]


# The parts of 本期得分 a bulletin row prints, each a sum of ledger rows by rule: every row of the
# engine belongs to exactly one, so the parts add up to 本期得分 (bulletins check it as they are built).
POINT_PARTS = {
    "adoption": ("adoption",),
    "instruction": ("instruction",),
    "feedback": ("feedback_on_time", "feedback_missed"),
    "solicitation": ("solicitation_answered", "solicitation_missed"),
    "quota_bonus": ("quota_bonus",),
    "quota_shortfall": ("quota_shortfall",),
}
_PART_OF = {rule: part for part, rules in POINT_PARTS.items() for rule in rules}


def _points_in(score: engine.UnitScore, first: date, last: date) -> Decimal:
    return sum((row.points for row in score.ledger if first <= row.date <= last), Decimal(0))


def _unit_line(unit: Unit, filed: Filings, adopted: dict[str, list], score: engine.UnitScore | None,
               window: Window, backfill: Decimal) -> dict:
    line = {
        "unit_id": unit.id, "name": unit.name, "submitted": filed.submitted, "late": filed.late,
        "invalid": filed.invalid,
        "adopted": {body: len(rows) for body, rows in adopted.items()},
        "adopted_total": sum(len(rows) for rows in adopted.values()),
        "instructions": 0, "solicitations": 0, "shortfalls": 0, "shortfall_points": "0",
        "parts": {part: "0" for part in POINT_PARTS}, "backfill": _text(backfill),
        "points": None, "raw": None, "final": None, "rank": None, "missed": [],
    }
    if score is None:
        return line
    rows = [row for row in score.ledger if window.first <= row.date <= window.last]
    shortfalls = [row for row in rows if row.rule_key == "quota_shortfall"]
    parts = {part: Decimal(0) for part in POINT_PARTS}
    for row in rows:
        parts[_PART_OF[row.rule_key]] += row.points
    line |= {
        "parts": {part: _text(points) for part, points in parts.items()},
        "instructions": sum(row.rule_key == "instruction" for row in rows),
        "solicitations": sum(row.rule_key == "solicitation_answered" for row in rows),
        "shortfalls": len(shortfalls),
        "shortfall_points": _text(sum((row.points for row in shortfalls), Decimal(0))),
        "points": _text(sum((row.points for row in rows), Decimal(0))),
        "raw": _text(score.raw), "final": _text(score.final), "rank": score.rank,
        "missed": [row.rule for row in shortfalls],
    }
    return line


def _rank_tiers(lines: list[dict], tiers: dict[int, object], bodies: list[dict]) -> list[dict]:
    """分类排位: when units have tiers, each tier is ranked on its own (ties share a rank), the tiers in
    their order and untiered units last; each line gets its tier's name and its rank within it, each
    tier its units in order and its own totals (小计). Empty when no unit has a tier: the one ranking
    is the bulletin's."""
    if not any(tiers.values()):
        return []
    groups: dict[object, list[dict]] = {}
    for line in lines:
        groups.setdefault(tiers.get(line["unit_id"]), []).append(line)
    order = sorted(groups, key=lambda tier: (tier is None, getattr(tier, "sort_order", 0), getattr(tier, "id", 0)))
    scored = [line for line in lines if line["final"] is not None]
    ranks = rank_within_tiers({line["unit_id"]: Decimal(line["final"]) for line in scored},
                              {line["unit_id"]: tiers.get(line["unit_id"]) for line in scored})
    result = []
    for tier in order:
        members = groups[tier]
        name = tier.name if tier else UNTIERED_NAME
        for line in members:
            line["tier"], line["tier_rank"] = name, ranks.get(line["unit_id"])
        result.append({"name": name, "unit_ids": [line["unit_id"] for line in members],
                       "totals": _totals(members, bodies)})
    return result


def _totals(lines: list[dict], bodies: list[dict]) -> dict:
    def total(key):
        return sum(line[key] for line in lines)

    points = [Decimal(line["points"]) for line in lines if line["points"] is not None]
    return {
        "submitted": total("submitted"), "late": total("late"), "invalid": total("invalid"),
        "adopted": {body["key"]: sum(line["adopted"].get(body["key"], 0) for line in lines) for body in bodies},
        "adopted_total": total("adopted_total"), "instructions": total("instructions"),
        "solicitations": total("solicitations"), "shortfalls": total("shortfalls"),
        "shortfall_points": _text(sum((Decimal(line["shortfall_points"]) for line in lines), Decimal(0))),
        "parts": {part: _text(sum((Decimal(line["parts"][part]) for line in lines), Decimal(0))) for part in POINT_PARTS},
        "backfill": _text(sum((Decimal(line["backfill"]) for line in lines), Decimal(0))),
        "points": _text(sum(points, Decimal(0))) if points else None,
    }


def _header(bulletin: Bulletin) -> dict:
    """The words around the figures, frozen with them: what the bulletin says is part of what it was."""
    corrects = bulletin.corrects
    published_on = to_local(bulletin.published_at).date().isoformat() if bulletin.published_at else None
    return {
        "title": bulletin.title, "addressee": bulletin.addressee, "preamble": bulletin.preamble,
        "closing": bulletin.closing, "doc_number": bulletin.doc_number, "published_on": published_on,
        "office_name": current_app.config["OFFICE_NAME"], "copy_to": current_app.config["BULLETIN_COPY_TO"],
        "corrects": None if corrects is None else {
            "id": corrects.id, "title": corrects.title, "doc_number": corrects.doc_number,
            "published_on": to_local(corrects.published_at).date().isoformat() if corrects.published_at else None,
        },
    }


def build_bulletin_figures(bulletin: Bulletin, now: datetime | None = None) -> dict:
    """Every figure and name the bulletin shows: the draft's live preview, and what publishing freezes.

    One engine run as of the window's end (now, while it lasts) gives each unit's points in the window
    (the sum of its ledger rows dated in it), the counts by rule, and the cumulative raw and final score
    and rank. A rule set that cannot score leaves the points empty and says why in `error`."""
    window = window_of(bulletin)
    rule_set = get_active_rule_set()
    rules = parse_rules(rule_set)
    period = period_of(rule_set, window.last)
    start, end = _window_bounds(window, rules.tz)
    as_of = min(end, now or utcnow()).astimezone(timezone.utc)
    facts = gather_facts(rules, period=period)
    try:
        result = engine.score_units(rules, period, as_of, facts.units, facts.items, facts.solicitations)
        error = ""
    except engine.ScoringError as problem:
        result, error = None, str(problem)
    scores = {score.unit: score for score in result.units} if result else {}

    adopted_pairs = _window_adoptions(rules, facts.items, window, as_of)
    # 采用 counts adoption rows (篇次): an item adopted by two publications counts twice.
    adopted_by_unit: dict[int, dict[str, list]] = {}
    for item, adoption in adopted_pairs:
        body = rules.channels[adoption.channel].body
        adopted_by_unit.setdefault(item.unit, {}).setdefault(body, []).append(item.id)
    item_ids = {item.id for item, _ in adopted_pairs}
    titles = dict(db.session.execute(
        select(Item.id, func.coalesce(Item.edited_title, Item.title)).where(Item.id.in_(item_ids))
    ).all()) if item_ids else {}

    units = list(db.session.scalars(
        select(Unit).where(Unit.id.in_([unit.id for unit in facts.units])).order_by(Unit.sort_order, Unit.id)
    ))
    names = {unit.id: unit.name for unit in units}
    counts = count_filings(window.first, window.last)
    backfill = _figure_backfill(bulletin, rule_set, rules, period, as_of, scores, names) if result else []
    late_points: dict[int, Decimal] = {}
    for entry in backfill:
        late_points[entry["unit_id"]] = late_points.get(entry["unit_id"], Decimal(0)) + Decimal(entry["points"])
    lines = [_unit_line(unit, counts.get(unit.id, Filings()), adopted_by_unit.get(unit.id, {}),
                        scores.get(unit.id), window, late_points.get(unit.id, Decimal(0))) for unit in units]
    if result:
        lines.sort(key=lambda line: line["rank"])  # stable: ties keep the unit order
    bodies = _bodies(rules, adopted_pairs)
    tiers = _rank_tiers(lines, {unit.id: unit.tier for unit in units}, bodies)
    return {
        "version": SNAPSHOT_VERSION,
        "kind": window.kind, "year": window.year, "part": window.part, "label": window.label,
        "first_day": window.first.isoformat(), "last_day": window.last.isoformat(),
        "as_of": as_of.isoformat(), "complete": as_of >= end.astimezone(timezone.utc),
        "rule_set": {"name": rule_set.name, "period_start": period.start.isoformat(),
                     "period_end": period.end.isoformat(), "base": _text(rules.base)},
        # a window the scoring period does not reach: filings and adoptions are still reported
        "out_of_period": None if window.first <= period.end and period.start <= window.last
        else describe_out_of_period(window.kind),
        "error": error,
        **_header(bulletin),
        "bodies": bodies,
        "units": lines,
        "totals": _totals(lines, bodies),
        "adoptions": [
            {"unit_id": item.unit, "unit": names.get(item.unit, ""), "item_id": item.id,
             "title": titles.get(item.id, ""), "channel": rules.channels[adoption.channel].name,
             "body": rules.body_name(rules.channels[adoption.channel].body), "date": adoption.date.isoformat()}
            for item, adoption in adopted_pairs
        ],
        "missed": [{"unit_id": line["unit_id"], "unit": line["name"], "windows": line["missed"],
                    "points": line["shortfall_points"]} for line in lines if line["missed"]],
        "backfill": backfill,
        "tiers": tiers,
    }


def _published_of_kind(bulletin: Bulletin) -> list[Bulletin]:
    """The other published bulletins of the bulletin's kind, in the order they were published."""
    return list(db.session.scalars(
        select(Bulletin).where(Bulletin.kind == bulletin.kind, Bulletin.status == "published",
                               Bulletin.figures_json.is_not(None), Bulletin.id != bulletin.id)
        .order_by(Bulletin.published_at, Bulletin.id)
    ))


def _previous_period(rule_set, period: engine.Period) -> engine.Period | None:
    before = period_of(rule_set, period.start - timedelta(days=1))
    return before if before.end < period.start else None


def _figure_backfill(bulletin: Bulletin, rule_set, rules: engine.RuleSet, period: engine.Period, as_of: datetime,
                     scores: dict[int, engine.UnitScore], names: dict[int, str]) -> list[dict]:
    """补录: points dated in an earlier window of this kind whose bulletin is published, which that
    bulletin (and the 补录 lines published since) did not count: recorded late, or changed by a
    correction. Each is shown once, by the next bulletin of the kind, naming its window; so published
    bulletins never count a point twice, and a kind's bulletins plus their 补录 add up to the ledger.
    A window's own published figures are those of its latest publication (a 更正 replaces the
    original). Windows of this period and of the one before are reconciled (a December point recorded
    in January reaches January's bulletin); older periods are closed."""
    previous = _previous_period(rule_set, period)
    periods = [p for p in (period, previous) if p is not None]
    counted: dict[tuple[date, date], dict[int, Decimal]] = {}
    labels: dict[tuple[date, date], str] = {}
    for published in _published_of_kind(bulletin):
        figures = published.frozen
        key = (published.first_day, published.last_day)
        if key[1] < bulletin.first_day and any(p.start <= key[0] and key[1] <= p.end for p in periods):
            # A later publication of the same window replaces what was counted for it until then.
            counted[key] = {line["unit_id"]: Decimal(line["points"] or 0) for line in figures["units"]}
            labels[key] = figures["label"]
        for entry in figures.get("backfill", []):
            entry_key = (date.fromisoformat(entry["first_day"]), date.fromisoformat(entry["last_day"]))
            if entry_key in counted:
                window_counts = counted[entry_key]
                window_counts[entry["unit_id"]] = window_counts.get(entry["unit_id"], Decimal(0)) + Decimal(entry["points"])
    earlier: dict[int, engine.UnitScore] | None = None
    lines = []
    for (first, last), units in sorted(counted.items()):
        ledger = scores
        if not period.start <= first:
            if earlier is None:  # the period before, scored once, only when one of its windows is reconciled
                facts = gather_facts(rules, period=previous)
                try:
                    result = engine.score_units(rules, previous, as_of, facts.units, facts.items, facts.solicitations)
                except engine.ScoringError:
                    result = None  # the rules cannot score that year now: its bulletins stay as published
                earlier = {score.unit: score for score in result.units} if result else {}
            ledger = earlier
        for unit_id, score in ledger.items():
            late = _points_in(score, first, last) - units.get(unit_id, Decimal(0))
            if late:
                lines.append({"unit_id": unit_id, "unit": names.get(unit_id, ""), "label": labels[(first, last)],
                              "first_day": first.isoformat(), "last_day": last.isoformat(), "points": _text(late)})
    return lines


def read_bulletin(bulletin: Bulletin, now: datetime | None = None) -> dict:
    """What the page, the spreadsheet and the PDF show: the frozen figures once published, else the
    figures as they stand now."""
    if bulletin.is_published:
        return bulletin.frozen
    return build_bulletin_figures(bulletin, now)


# ---- publishing -------------------------------------------------------------------------------

def format_doc_number(prefix: str, year: int, number: int) -> str:
    """发文字号 per GB/T 9704: 〔year〕 in hexagonal brackets, the serial without leading zeros or 第."""
    return f"{prefix}〔{year}〕{number}号"


def _next_number(year: int) -> int:
    return (db.session.scalar(select(func.max(Bulletin.number)).where(Bulletin.number_year == year)) or 0) + 1


def freeze_bulletin(editor, bulletin: Bulletin, now: datetime | None = None) -> Bulletin:
    """Numbers the bulletin and freezes its figures as of `now`; publish_bulletin also tells the readers.
    Refused while the window lasts or when the rule set cannot score (the view rolls back)."""
    _require_editor(editor)
    if bulletin.is_published:
        return bulletin
    now = now or utcnow()
    last = bulletin.last_day
    if to_local(now).date() <= last:
        raise BulletinError(f"统计期到{last.year}年{last.month}月{last.day}日才结束，结束后才能发布")
    year = to_local(now).year
    before = snapshot(bulletin, *_AUDITED)
    bulletin.number_year, bulletin.number = year, _next_number(year)
    bulletin.doc_number = format_doc_number(current_app.config["BULLETIN_DOC_PREFIX"], year, bulletin.number)
    bulletin.status, bulletin.published_at, bulletin.published_by_id = "published", now, editor.id
    with db.session.no_autoflush:  # the status and the figures are written together, in one flush
        figures = build_bulletin_figures(bulletin, now)
    if figures["error"]:
        raise BulletinError(f"计分规则无法计算，暂不能发布：{figures['error']}")
    bulletin.figures_json = json.dumps(figures, ensure_ascii=False, sort_keys=True)
    db.session.flush()
    record_event(editor, "bulletin.publish", bulletin, f"发布通报{bulletin.doc_number}《{bulletin.title}》", before,
                 snapshot(bulletin, *_AUDITED))
    return bulletin


def list_bulletin_readers() -> list[int]:
    """Who is told of a new bulletin: every unit's reporters and signers, and the office's leaders."""
    readers = list_unit_member_ids(unit.id for unit in list_reporting_units())
    return readers + list_user_ids_with_role("viewer")


def publish_bulletin(editor, bulletin: Bulletin, now: datetime | None = None) -> Bulletin:
    """Numbers and freezes the bulletin and tells its readers; its files are made once it is committed
    (documents.store_bulletin_documents). A bulletin already published is left as it is (a retried submit)."""
    if bulletin.is_published:
        return bulletin
    freeze_bulletin(editor, bulletin, now)
    notify_users(list_bulletin_readers(), "bulletin_published", bulletin_notice(bulletin),
                 url_for("bulletins.detail", bulletin_id=bulletin.id))
    return bulletin


def describe_publishing(bulletin: Bulletin) -> str:
    """What 发布 will do, said before it is done (the confirmation)."""
    year = to_local(utcnow()).year
    number = format_doc_number(current_app.config["BULLETIN_DOC_PREFIX"], year, _next_number(year))
    return (f"发布后编为{number}，全部数据固定不再变化，并通知各单位信息员、负责人和领导"
            f"（{len(list_bulletin_readers())}人）。发布后不能撤回，只能另发更正通报。")


DELETE_DRAFT_QUESTION = "删除这份通报草稿？草稿未发布，删除不影响任何数据，可随时重新编制。"


def bulletin_notice(bulletin: Bulletin) -> str:
    return f"办公室印发{bulletin.doc_number}《{bulletin.title}》"
