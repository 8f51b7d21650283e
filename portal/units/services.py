"""The unit tree and unit tiers."""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from ..audit.services import ACTIONS, record_event, snapshot
from ..extensions import db, prepared
from ..web.errors import UserError
from .models import UNIT_KINDS, Tier, Unit
from .office import kept_by_office


class UnitError(UserError):
    """A user-facing refusal, worded in Chinese."""


def list_units_tree(include_inactive: bool = True) -> list[tuple[Unit, int]]:
    """Units in tree order with their depth, read in one query."""
    query = select(Unit).order_by(Unit.sort_order, Unit.id)
    if not include_inactive:
        query = query.where(Unit.active.is_(True))
    units = list(db.session.scalars(query))
    by_parent: dict[int | None, list[Unit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    known = {unit.id for unit in units}
    ordered: list[tuple[Unit, int]] = []

    def walk(parent_id, depth):
        for unit in by_parent.get(parent_id, []):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    # Children of an inactive (filtered out) parent still belong in the list.
    for unit in units:
        if unit.parent_id is not None and unit.parent_id not in known:
            ordered.append((unit, 0))
    return ordered


def unit_choices(include_inactive: bool = False, reporting_only: bool = False) -> dict[int, str]:
    """{id: name} in tree order, indented by depth, for a select field."""
    return {
        unit.id: "　" * depth + unit.name
        for unit, depth in list_units_tree(include_inactive)
        if not (reporting_only and unit.is_office)
    }


def unit_filter_choices() -> dict[int, str] | None:
    """unit_choices for a filter's select, or None where there are more reporting units than a select
    can hold (UNIT_SELECT_LIMIT; a province has thousands): the filter then takes part of a unit's name."""
    kept = _filter_choices(current_app.config["UNIT_SELECT_LIMIT"])
    return None if kept is None else dict(kept)


@kept_by_office  # the editor's inbox and search read it on every view; units change a few times a year
def _filter_choices(limit: int) -> tuple[tuple[int, str], ...] | None:
    reporting = db.session.scalar(select(func.count(Unit.id)).where(Unit.kind != "office"))
    if reporting > limit:
        return None
    return tuple(unit_choices(include_inactive=True, reporting_only=True).items())


def list_reporting_units() -> list[Unit]:
    return list(
        db.session.scalars(
            select(Unit).where(Unit.kind != "office", Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id)
        )
    )


def get_unit(unit_id: int) -> Unit | None:
    return db.session.get(Unit, unit_id)


def _check_unit(unit: Unit | None, name: str, kind: str, parent_id: int | None) -> None:
    if kind not in UNIT_KINDS:
        raise UnitError("单位类型无效")
    clash = select(Unit.id).where(func.lower(Unit.name) == name.lower())
    if unit is not None:
        clash = clash.where(Unit.id != unit.id)
    if db.session.scalar(clash):
        raise UnitError("已有同名单位")
    ancestor_id = parent_id
    while ancestor_id is not None:
        if unit is not None and ancestor_id == unit.id:
            raise UnitError("上级单位不能是本单位或其下级单位")
        ancestor = db.session.get(Unit, ancestor_id)
        if ancestor is None:
            raise UnitError("上级单位不存在")
        ancestor_id = ancestor.parent_id


_UNIT_FIELDS = ("name", "kind", "parent_id", "tier_id", "active", "sort_order", "contact_name", "contact_phone")
_TIER_FIELDS = ("key", "name", "sort_order")


def save_unit(unit: Unit | None, *, name: str, kind: str, parent_id: int | None, tier_id: int | None,
              active: bool, sort_order: int, contact_name: str | None = None, contact_phone: str | None = None) -> Unit:
    """contact_name/contact_phone: the office's 报送联系人 (None leaves them as they are)."""
    _check_unit(unit, name, kind, parent_id)
    action = "unit.update" if unit is not None else "unit.create"
    if unit is None:
        unit = Unit()
        db.session.add(unit)
    before = snapshot(unit, *_UNIT_FIELDS) if action == "unit.update" else None
    unit.name, unit.kind, unit.parent_id = name, kind, parent_id
    unit.tier_id, unit.active, unit.sort_order = tier_id, active, sort_order
    if contact_name is not None:
        unit.contact_name, unit.contact_phone = contact_name, contact_phone or ""
    record_event(None, action, unit, f"{ACTIONS[action]} {name}", before, snapshot(unit, *_UNIT_FIELDS))
    return unit


@prepared  # every unit's dashboard reads it
def _office_contact():
    return (select(Unit).where(Unit.kind == "office", Unit.active.is_(True), Unit.contact_name != "")
            .order_by(Unit.sort_order, Unit.id).limit(1))


@dataclass(frozen=True)
class OfficeContact:
    """The office's 报送联系人 as every unit's dashboard shows it (信息报送联系方式)."""
    name: str
    contact_name: str
    contact_phone: str


@kept_by_office
def get_office_contact() -> OfficeContact | None:
    """The office whose 报送联系人 every unit's dashboard shows (the first office with one set)."""
    office = db.session.scalar(_office_contact())
    return OfficeContact(office.name, office.contact_name, office.contact_phone) if office is not None else None


def list_tiers() -> list[Tier]:
    return list(db.session.scalars(select(Tier).order_by(Tier.sort_order, Tier.id)))


def save_tier(tier: Tier | None, *, key: str, name: str, sort_order: int) -> Tier:
    for column, value, message in ((Tier.key, key, "代码已被使用"), (Tier.name, name, "名称已被使用")):
        clash = select(Tier.id).where(column == value)
        if tier is not None:
            clash = clash.where(Tier.id != tier.id)
        if db.session.scalar(clash):
            raise UnitError(message)
    action = "tier.update" if tier is not None else "tier.create"
    if tier is None:
        tier = Tier()
        db.session.add(tier)
    before = snapshot(tier, *_TIER_FIELDS) if action == "tier.update" else None
    tier.key, tier.name, tier.sort_order = key, name, sort_order
    record_event(None, action, tier, f"{ACTIONS[action]} {name}", before, snapshot(tier, *_TIER_FIELDS))
    return tier
