from flask import Blueprint, abort, flash, redirect, render_template, url_for

from ..items.signoff import MISSING_SIGNER_BADGES, list_units_missing_signers, missing_signer_message
from ..extensions import db
from ..web.access import roles_required
from .forms import TierForm, UnitForm
from .models import Tier, Unit
from .services import UnitError, get_office_contact, list_tiers, list_units_tree, save_tier, save_unit, unit_choices


bp = Blueprint("units", __name__, url_prefix="/admin")


@bp.app_template_global("office_contact")
def _office_contact():
    return get_office_contact()


@bp.get("/units")
@roles_required("admin")
def unit_list():
    missing = list_units_missing_signers()
    badges: dict[int, list[str]] = {}
    for role, units in missing.items():
        for unit in units:
            badges.setdefault(unit.id, []).append(MISSING_SIGNER_BADGES[role])
    warnings = ["、".join(unit.name for unit in units) + missing_signer_message(role)
                for role, units in missing.items() if units]
    return render_template("units/list.html", tree=list_units_tree(), badges=badges, warnings=warnings)


def _unit_form(unit: Unit | None) -> UnitForm:
    form = UnitForm(obj=unit)
    form.parent_id.choices = {0: "（无，顶级单位）"} | {
        unit_id: name for unit_id, name in unit_choices(include_inactive=True).items() if unit is None or unit_id != unit.id
    }
    form.tier_id.choices = {0: "（未分类）"} | {tier.id: tier.name for tier in list_tiers()}
    if unit is not None and not form.is_submitted():
        form.parent_id.data = unit.parent_id or 0
        form.tier_id.data = unit.tier_id or 0
    return form


def _edit_unit(unit: Unit | None):
    form = _unit_form(unit)
    if form.validate_on_submit():
        try:
            save_unit(
                unit,
                name=form.name.data.strip(),
                kind=form.kind.data,
                parent_id=form.parent_id.data or None,
                tier_id=form.tier_id.data or None,
                active=form.active.data,
                sort_order=form.sort_order.data or 0,
                contact_name=(form.contact_name.data or "").strip(),
                contact_phone=(form.contact_phone.data or "").strip(),
            )
        except UnitError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash("单位已保存", "success")
            return redirect(url_for("units.unit_list"))
    return render_template("units/form.html", form=form, unit=unit)


@bp.route("/units/new", methods=["GET", "POST"])
@roles_required("admin")
def unit_new():
    return _edit_unit(None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def unit_edit(unit_id: int):
    return _edit_unit(db.session.get(Unit, unit_id) or abort(404))


@bp.get("/tiers")
@roles_required("admin")
def tier_list():
    return render_template("units/tiers.html", tiers=list_tiers())


def _edit_tier(tier: Tier | None):
    form = TierForm(obj=tier)
    if form.validate_on_submit():
        try:
            save_tier(tier, key=form.key.data.strip(), name=form.name.data.strip(), sort_order=form.sort_order.data or 0)
        except UnitError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash("单位类别已保存", "success")
            return redirect(url_for("units.tier_list"))
    return render_template("units/tier_form.html", form=form, tier=tier)


@bp.route("/tiers/new", methods=["GET", "POST"])
@roles_required("admin")
def tier_new():
    return _edit_tier(None)


@bp.route("/tiers/<int:tier_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def tier_edit(tier_id: int):
    return _edit_tier(db.session.get(Tier, tier_id) or abort(404))
