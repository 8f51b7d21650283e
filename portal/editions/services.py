"""Editions (刊物编发): an editor compiles adopted items into a draft edition of one of the office's
publications, orders and groups them by section, edits their headlines, adds an editor's note, and
locks it (定版). Locking numbers the edition, dates each item's adoption on the publication's channel
by the edition (scoring counts it then), copies the text in, and tells the units concerned."""
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from flask import abort, current_app, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..audit.services import record_event, snapshot
from ..auth.services import list_unit_member_ids
from ..extensions import db, utcnow
from ..items.models import Item
from ..notifications.services import notify_users
from ..scoring.adoptions import FactDateError, record_edition_adoption
from ..scoring.models import Channel
from ..web.errors import UserError, load_for
from ..web.fields import EARLIEST_YEAR
from ..web.filters import format_date, office_today
from ..web.forms import clean_text
from .models import NUMBERINGS, Edition, EditionEntry, Publication

HEADLINE_MAX = 100
NOTE_MAX = 2000
SECTION_MAX = 30
RECIPIENTS_MAX = 300
CANDIDATE_LIMIT = 50


class EditionError(UserError):
    """A refused edition or publication change."""


def _require_editor(user) -> None:
    if not user.has_role("editor"):
        raise EditionError("只有办公室编辑可以编发刊物")


def _require_draft(edition: Edition) -> None:
    if edition.is_locked:
        raise EditionError("本期已定版，不能再修改")


# ---- publications (admin) -------------------------------------------------------------------

@dataclass
class PublicationFields:
    name: str
    channel_id: int
    numbering: str = "yearly"
    show_total: bool = True
    total_start: int = 0
    compiled_by: str = ""
    sections: str = ""
    report_to: str = ""
    send_to: str = ""
    issue_to: str = ""
    print_count: int = 0
    active: bool = True


def list_publications(active_only: bool = False) -> list[Publication]:
    query = select(Publication).order_by(Publication.id)
    if active_only:
        query = query.where(Publication.active.is_(True))
    return list(db.session.scalars(query))


def find_publication(publication_id: int | None) -> Publication | None:
    return db.session.get(Publication, publication_id) if publication_id else None


def get_publication(publication_id: int) -> Publication:
    return db.session.get(Publication, publication_id) or abort(404)


def list_channel_choices() -> dict[int, str]:
    """The office's own channels (body "office"): an edition's items are adopted on one of them. A new
    publication worth points needs its channel in the rule set first (积分规则)."""
    channels = db.session.scalars(
        select(Channel).where(Channel.active.is_(True), Channel.body == "office").order_by(Channel.sort_order, Channel.id)
    )
    return {channel.id: channel.name for channel in channels}


_PUBLICATION_FIELDS = ("name", "channel_id", "numbering", "show_total", "total_start", "compiled_by", "sections",
                       "report_to", "send_to", "issue_to", "print_count", "active")
_EDITION_FIELDS = ("publication_id", "issued_on", "editor_note", "status", "year", "number", "total_number")


def _edition_name(edition: Edition) -> str:
    return f"{edition.publication.name}（{format_date(edition.issued_on)}）"


def save_publication(publication: Publication | None, fields: PublicationFields) -> Publication:
    name = clean_text(fields.name)
    if not name:
        raise EditionError("请填写刊物名称", "name")
    duplicate = db.session.scalar(select(Publication.id).where(Publication.name == name))
    if duplicate is not None and (publication is None or duplicate != publication.id):
        raise EditionError("已有同名刊物", "name")
    if fields.channel_id not in list_channel_choices():
        raise EditionError("请选择本办的采用载体", "channel_id")
    if fields.numbering not in NUMBERINGS:
        raise EditionError("请选择编号方式", "numbering")
    sections = [line.strip() for line in clean_text(fields.sections).splitlines() if line.strip()]
    if any(len(section) > SECTION_MAX for section in sections):
        raise EditionError(f"每个栏目名称不超过{SECTION_MAX}个字", "sections")
    action = "publication.update" if publication is not None else "publication.create"
    if publication is None:
        publication = Publication()
        db.session.add(publication)
    before = snapshot(publication, *_PUBLICATION_FIELDS) if action == "publication.update" else None
    publication.name, publication.channel_id, publication.numbering = name, fields.channel_id, fields.numbering
    publication.show_total, publication.total_start = fields.show_total, fields.total_start
    publication.compiled_by, publication.sections = clean_text(fields.compiled_by), "\n".join(sections)
    publication.report_to, publication.send_to = clean_text(fields.report_to), clean_text(fields.send_to)
    publication.issue_to, publication.print_count = clean_text(fields.issue_to), fields.print_count
    publication.active = fields.active
    db.session.flush()
    record_event(None, action, publication, f"{'修改' if before else '新建'}刊物“{name}”", before,
                 snapshot(publication, *_PUBLICATION_FIELDS))
    return publication


def list_recipients(publication: Publication) -> list[str]:
    """The 报/送/发 lines of the 版记, as printed."""
    return [f"{label}：{value}" for label, value in (("报", publication.report_to), ("送", publication.send_to),
                                                    ("发", publication.issue_to)) if value]


def compiled_by_of(publication: Publication) -> str:
    return publication.compiled_by or current_app.config["OFFICE_NAME"]


def masthead_of(publication: Publication) -> str:
    """The name as the 报头 prints it: alone, without the 书名号 a sentence puts around it (《高新信息》)."""
    return publication.name.strip().strip("《》〈〉").strip() or publication.name


def office_lines() -> tuple[str, str]:
    """The office's settings for its editions: the 内部资料 mark above the 报头, and the 签发 / 责任编辑
    line of the 版记 (each empty when the office does not print it)."""
    config = current_app.config
    people = "　".join(f"{label}：{name}" for label, name in (("责任编辑", config["EDITION_EDITOR"]),
                                                           ("签发", config["EDITION_SIGNED_BY"])) if name)
    return config["EDITION_INTERNAL_MARK"], people


# ---- numbering ------------------------------------------------------------------------------

def describe_number(edition: Edition) -> str:
    """2026年第15期（总第123期）, 总第123期 under running numbering; a draft has no number yet."""
    if not edition.is_locked:
        return "（定版后编号）"
    publication = edition.publication
    if publication.numbering == "running":
        return f"总第{edition.total_number}期"
    text = f"{edition.year}年第{edition.number}期"
    return text + (f"（总第{edition.total_number}期）" if publication.show_total else "")


def _next_numbers(publication: Publication, year: int) -> tuple[int, int]:
    number = db.session.scalar(
        select(func.max(Edition.number)).where(Edition.publication_id == publication.id, Edition.year == year)
    )
    total = db.session.scalar(select(func.max(Edition.total_number)).where(Edition.publication_id == publication.id))
    return (number or 0) + 1, max(total or 0, publication.total_start) + 1


# ---- editions -------------------------------------------------------------------------------

def get_edition_for(user, edition_id: int, action: str = "view") -> Edition:
    """A locked edition is for every reader; a draft only for editors (404 to anyone else)."""
    editor = user.has_role("editor")
    return load_for(Edition, edition_id, lambda edition: edition.is_locked or editor,
                    lambda _edition: action != "edit" or editor)


def get_entry_for(user, entry_id: int) -> EditionEntry:
    entry = db.session.get(EditionEntry, entry_id)
    if entry is None:
        abort(404)
    get_edition_for(user, entry.edition_id, "edit")
    return entry


def list_editions(user, publication_id: int | None = None, limit: int = 50) -> list[Edition]:
    query = select(Edition).order_by(Edition.issued_on.desc(), Edition.id.desc()).limit(limit)
    if not user.has_role("editor"):
        query = query.where(Edition.status == "locked")
    if publication_id is not None:
        query = query.where(Edition.publication_id == publication_id)
    return list(db.session.scalars(query.options(selectinload(Edition.entries))))


def _check_issued_on(issued_on: date | None) -> None:
    if issued_on is None:
        raise EditionError("请填写编发日期", "issued_on")
    if issued_on.year < EARLIEST_YEAR:
        raise EditionError("编发日期的年份不合理", "issued_on")
    if issued_on > office_today():
        raise EditionError("编发日期不能晚于今天", "issued_on")


def find_edition_by_form_key(form_key: str) -> Edition | None:
    return db.session.scalar(select(Edition).where(Edition.form_key == form_key))


def create_edition(editor, publication: Publication | None, issued_on: date | None,
                   form_key: str | None = None) -> Edition:
    _require_editor(editor)
    if publication is None:
        raise EditionError("请选择刊物", "publication_id")
    if not publication.active:
        raise EditionError("该刊物已停用", "publication_id")
    _check_issued_on(issued_on)
    edition = Edition(publication=publication, issued_on=issued_on, editor_note="", created_by_id=editor.id,
                      form_key=form_key)
    db.session.add(edition)
    db.session.flush()
    record_event(editor, "edition.create", edition, f"新建刊期 {_edition_name(edition)}",
                 new=snapshot(edition, *_EDITION_FIELDS))
    return edition


def update_edition(editor, edition: Edition, issued_on: date | None, editor_note: str) -> None:
    _require_editor(editor)
    _require_draft(edition)
    _check_issued_on(issued_on)
    note = clean_text(editor_note)
    if len(note) > NOTE_MAX:
        raise EditionError(f"编者按不超过{NOTE_MAX}字", "editor_note")
    before = snapshot(edition, *_EDITION_FIELDS)
    edition.issued_on, edition.editor_note = issued_on, note
    record_event(editor, "edition.update", edition, f"修改刊期 {_edition_name(edition)}", before,
                 snapshot(edition, *_EDITION_FIELDS))


def describe_locking(edition: Edition) -> str:
    """What 定版 will do, said before it is done (the confirmation)."""
    publication, issued_on = edition.publication, edition.issued_on or office_today()
    number, total = _next_numbers(publication, issued_on.year)
    name = f"总第{total}期" if publication.numbering == "running" else f"{issued_on.year}年第{number}期"
    units = len({entry.item.unit_id for entry in edition.entries})
    return (f"定版后编为{publication.name}{name}，{len(edition.entries)}条信息按编发日期{format_date(issued_on)}"
            f"记为本刊采用并计分，通知{units}个相关单位。定版后本期不能再修改。")


def describe_edition_deletion(edition: Edition) -> str:
    return f"删除本期草稿？已编入的{len(edition.entries)}条信息回到待编入列表，其采用记录不受影响。"


def delete_edition(editor, edition: Edition) -> None:
    _require_editor(editor)
    _require_draft(edition)
    record_event(editor, "edition.delete", edition, f"删除刊期 {_edition_name(edition)}",
                 old=snapshot(edition, *_EDITION_FIELDS) | {"item_ids": [entry.item_id for entry in edition.entries]})
    db.session.delete(edition)


# ---- compiling ------------------------------------------------------------------------------

def _published_item_ids(publication_id: int):
    return (select(EditionEntry.item_id).join(Edition)
            .where(Edition.publication_id == publication_id, Edition.status == "locked"))


def _candidates(edition: Edition):
    """Adopted items not yet carried by a locked edition of this publication nor in this one."""
    return select(Item).where(
        Item.status == "adopted",
        Item.id.not_in(_published_item_ids(edition.publication_id)),
        Item.id.not_in(select(EditionEntry.item_id).where(EditionEntry.edition_id == edition.id)),
    )


def is_in_locked_edition(item_id: int) -> bool:
    return db.session.scalar(
        select(EditionEntry.id).join(Edition).where(EditionEntry.item_id == item_id, Edition.status == "locked").limit(1)
    ) is not None


def list_candidate_items(edition: Edition, query_text: str = "", limit: int = CANDIDATE_LIMIT) -> list[Item]:
    query = _candidates(edition).order_by(Item.submitted_at.desc(), Item.id.desc()).limit(limit)
    words = clean_text(query_text)
    if words:
        pattern = f"%{words}%"
        query = query.where(or_(Item.title.like(pattern), Item.edited_title.like(pattern)))
    return list(db.session.scalars(query))


def _check_section(edition: Edition, section: str) -> str:
    section = clean_text(section)
    if section and section not in edition.publication.section_list:
        raise EditionError("请选择本刊物的栏目", "section")
    return section


def add_items(editor, edition: Edition, item_ids: list[int], section: str = "") -> int:
    """Appends the chosen adopted items; ones already in, or no longer adoptable, are skipped.
    Returns how many were added."""
    _require_editor(editor)
    _require_draft(edition)
    section = _check_section(edition, section)
    if not item_ids:
        raise EditionError("请勾选要编入本期的信息", "item_ids")
    allowed = {item.id: item for item in db.session.scalars(_candidates(edition).where(Item.id.in_(item_ids)))}
    before = {"item_ids": [entry.item_id for entry in edition.entries]}
    position = max((entry.position for entry in edition.entries), default=0)
    added = 0
    for item_id in item_ids:
        item = allowed.pop(item_id, None)
        if item is None:
            continue
        position += 1
        edition.entries.append(EditionEntry(item_id=item.id, item=item, position=position, section=section,
                                            headline=item.display_title[:HEADLINE_MAX]))
        added += 1
    db.session.flush()
    if added:
        record_event(editor, "edition.add_items", edition, f"{_edition_name(edition)}编入{added}条信息",
                     before, {"item_ids": [entry.item_id for entry in edition.entries]})
    return added


def update_entries(editor, edition: Edition, typed: dict[int, tuple[str, str]]) -> int:
    """The builder's one 保存: every entry whose headline or section was changed, all or nothing (the view
    rolls back on a refusal). typed: entry id -> (headline, section). Returns how many changed."""
    changed = 0
    for entry in edition.entries:
        if entry.id in typed and typed[entry.id] != (entry.headline, entry.section or ""):
            update_entry(editor, entry, *typed[entry.id])
            changed += 1
    return changed


def update_entry(editor, entry: EditionEntry, headline: str, section: str) -> None:
    _require_editor(editor)
    _require_draft(entry.edition)
    headline = clean_text(headline).replace("\n", " ")
    if not headline:
        raise EditionError("请填写标题", "headline")
    if len(headline) > HEADLINE_MAX:
        raise EditionError(f"标题不超过{HEADLINE_MAX}个字", "headline")
    before = snapshot(entry, "headline", "section")
    entry.headline, entry.section = headline, _check_section(entry.edition, section)
    record_event(editor, "edition.update_entry", entry, f"修改{_edition_name(entry.edition)}的条目《{headline}》",
                 before, snapshot(entry, "headline", "section"))


def move_entry(editor, entry: EditionEntry, direction: str) -> None:
    """Swaps the entry with its neighbour in the same section (the order readers see)."""
    _require_editor(editor)
    _require_draft(entry.edition)
    if direction not in ("up", "down"):
        return
    same = [e for e in entry.edition.entries if e.section == entry.section]
    index = same.index(entry)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(same):
        return
    neighbour = same[other]
    before = snapshot(entry, "position")
    entry.position, neighbour.position = neighbour.position, entry.position
    if entry.position == neighbour.position:  # equal positions from older data: make the order explicit
        entry.position += -1 if direction == "up" else 1
    db.session.flush()
    record_event(editor, "edition.move_entry", entry,
                 f"{_edition_name(entry.edition)}的条目《{entry.headline}》{'上移' if direction == 'up' else '下移'}",
                 before, snapshot(entry, "position"))


def remove_entry(editor, entry: EditionEntry) -> None:
    _require_editor(editor)
    _require_draft(entry.edition)
    record_event(editor, "edition.remove_entry", entry, f"从{_edition_name(entry.edition)}移出《{entry.headline}》",
                 old=snapshot(entry, "edition_id", "item_id", "headline", "section"))
    db.session.delete(entry)


@dataclass
class SectionGroup:
    name: str
    entries: list[EditionEntry]


def group_entries(edition: Edition) -> list[SectionGroup]:
    """Entries by section, in the publication's section order (entries without a section first),
    each section in the editor's order."""
    order = {name: index for index, name in enumerate(edition.publication.section_list, start=1)}
    entries = sorted(edition.entries, key=lambda e: (order.get(e.section, 0 if not e.section else len(order) + 1),
                                                    e.section, e.position, e.id))
    return [SectionGroup(name, list(group)) for name, group in groupby(entries, key=lambda e: e.section)]


def entry_body(entry: EditionEntry) -> str:
    return entry.body if entry.body is not None else entry.item.display_body


def entry_unit_name(entry: EditionEntry) -> str:
    return entry.unit_name if entry.unit_name is not None else entry.item.unit.name


# ---- locking --------------------------------------------------------------------------------

def lock_edition(editor, edition: Edition, now: datetime | None = None) -> Edition:
    """定版: numbers the edition, freezes its entries, links their adoptions to the edition (their dates
    stay as recorded), and tells the units whose items it carries."""
    _require_editor(editor)
    _require_draft(edition)
    if not edition.entries:
        raise EditionError("本期还没有编入信息，不能定版")
    not_adopted = [entry.headline for entry in edition.entries if entry.item.status != "adopted"]
    if not_adopted:
        raise EditionError(f"《{not_adopted[0]}》已不是“已采用”状态，请移出后再定版")
    _check_issued_on(edition.issued_on)
    publication = edition.publication
    before = snapshot(edition, *_EDITION_FIELDS)
    edition.year = edition.issued_on.year
    edition.number, edition.total_number = _next_numbers(publication, edition.year)
    edition.status, edition.locked_at, edition.locked_by_id = "locked", now or utcnow(), editor.id
    for entry in edition.entries:
        entry.body, entry.unit_name = entry.item.display_body, entry.item.unit.name
        try:
            record_edition_adoption(entry.item_id, publication.channel.key, edition.id, edition.issued_on, editor.id)
        except FactDateError as error:
            raise EditionError(f"《{entry.headline}》：{error}", "issued_on") from None
    db.session.flush()
    record_event(editor, "edition.lock", edition, f"定版 {publication.name}{describe_number(edition)}", before,
                 snapshot(edition, *_EDITION_FIELDS))
    _notify_units(edition)
    return edition


def _notify_units(edition: Edition) -> None:
    url = url_for("editions.detail", edition_id=edition.id)
    by_unit: dict[int, list[EditionEntry]] = {}
    for entry in edition.entries:
        by_unit.setdefault(entry.item.unit_id, []).append(entry)
    where = f"{edition.publication.name}{describe_number(edition)}"
    for unit_id, entries in by_unit.items():
        more = f"等{len(entries)}条信息" if len(entries) > 1 else ""
        notify_users(list_unit_member_ids([unit_id]), "edition_locked",
                     f"{where}已编发，刊登本单位《{entries[0].headline}》{more}", url)
