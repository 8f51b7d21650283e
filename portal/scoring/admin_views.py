"""Admin pages: rule sets (edit, import, export, activate, period) and annual targets."""
from flask import abort, flash, redirect, render_template, url_for

from ..extensions import db, utcnow
from ..web.access import roles_required
from ..web.errors import commit_or_show
from ..web.downloads import send_download
from ..web.fields import query_int, year_in_range
from ..web.filters import to_local
from .views import bp
from .admin_forms import (
    RuleSetForm,
    RuleSetImportForm,
    RuleSetTemplateForm,
    make_targets_form,
    target_field_names,
)
from .models import RuleSet
from .periods import find_active_rule_set
from .rulesets import (
    MAX_IMPORT_BYTES,
    RuleSetError,
    activate_rule_set,
    copy_rule_set,
    create_rule_set_from_template,
    describe_rule_set,
    export_rule_set,
    get_rule_set,
    import_rule_set,
    list_annual_targets,
    list_rule_sets,
    rule_set_problem,
    save_annual_target,
    save_rule_set,
)


def _load(rule_set_id: int) -> RuleSet:
    return get_rule_set(rule_set_id) or abort(404)


@bp.get("/admin/rule-sets")
@roles_required("admin")
def rule_set_list():
    return render_template("scoring/admin_rule_sets.html", rule_sets=list_rule_sets(), template_form=RuleSetTemplateForm())


@bp.get("/admin/rule-sets/<int:rule_set_id>")
@roles_required("admin")
def rule_set_detail(rule_set_id: int):
    rule_set = _load(rule_set_id)
    try:
        rules = describe_rule_set(rule_set)
    except RuleSetError:
        rules = None  # stored before a stricter check: the problem shows instead, the edit page can fix it
    return render_template("scoring/admin_rule_set.html", rule_set=rule_set, rules=rules,
                           problem=rule_set_problem(rule_set))


@bp.route("/admin/rule-sets/<int:rule_set_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def rule_set_edit(rule_set_id: int):
    rule_set = _load(rule_set_id)
    form = RuleSetForm()
    if not form.is_submitted():
        form.name.data, form.rules.data = rule_set.name, rule_set.data
        form.period_start.data, form.period_end.data = rule_set.period_start, rule_set.period_end
    if form.validate_on_submit():
        if commit_or_show(form, save_rule_set, rule_set, form.name.data, form.rules.data, form.period_start.data,
                          form.period_end.data)[0]:
            flash("规则集已保存" + ("，正在使用的积分将按新规则重新计算" if rule_set.active else ""), "success")
            return redirect(url_for("scoring.rule_set_detail", rule_set_id=rule_set.id))
    return render_template("scoring/admin_rule_set_form.html", form=form, rule_set=rule_set)


def _start_rule_set(make, refused: str, done: str):
    """A new inactive rule set made by `make`, then its edit page; back to the list saying why when refused."""
    try:
        rule_set = make()
    except RuleSetError as error:
        db.session.rollback()
        flash(f"{refused}：{error}", "error")
        return redirect(url_for("scoring.rule_set_list"))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("scoring.rule_set_edit", rule_set_id=rule_set.id))


@bp.post("/admin/rule-sets/new")
@roles_required("admin")
def rule_set_new():
    return _start_rule_set(lambda: copy_rule_set(find_active_rule_set()), "无法复制当前规则集",
                           "已复制当前规则集，修改后保存；启用前不影响积分")


@bp.post("/admin/rule-sets/from-template")
@roles_required("admin")
def rule_set_from_template():
    form = RuleSetTemplateForm()
    if not form.validate_on_submit():
        flash("请重新选择模板后提交", "error")
        return redirect(url_for("scoring.rule_set_list"))
    return _start_rule_set(lambda: create_rule_set_from_template(form.template.data), "未能从模板新建",
                           "已从模板新建规则集（未启用），修改后保存；启用前不影响积分")


@bp.post("/admin/rule-sets/<int:rule_set_id>/activate")
@roles_required("admin")
def rule_set_activate(rule_set_id: int):
    rule_set = _load(rule_set_id)
    try:
        activate_rule_set(rule_set)
    except RuleSetError as error:
        db.session.rollback()
        flash(f"未能启用：{error}", "error")
    else:
        db.session.commit()
        flash(f"已启用“{rule_set.name}”，积分将按此规则集重新计算", "success")
    return redirect(url_for("scoring.rule_set_detail", rule_set_id=rule_set_id))


@bp.get("/admin/rule-sets/<int:rule_set_id>/export")
@roles_required("admin")
def rule_set_export(rule_set_id: int):
    rule_set = _load(rule_set_id)
    return send_download(export_rule_set(rule_set).encode(), f"规则集-{rule_set.id}.json", "application/json")


@bp.route("/admin/rule-sets/import", methods=["GET", "POST"])
@roles_required("admin")
def rule_set_import():
    form = RuleSetImportForm()
    if form.validate_on_submit():
        # One byte past the limit is enough for the service to refuse an oversized file.
        done, rule_set = commit_or_show(form, import_rule_set, form.file.data.read(MAX_IMPORT_BYTES + 1))
        if done:
            flash("规则集已导入（未启用），请核对后再启用", "success")
            return redirect(url_for("scoring.rule_set_detail", rule_set_id=rule_set.id))
    return render_template("scoring/admin_rule_set_import.html", form=form)


@bp.route("/admin/targets", methods=["GET", "POST"])
@roles_required("admin")
def annual_targets():
    year = query_int("year")
    if year is None or not year_in_range(year):
        year = to_local(utcnow()).year
    rows = list_annual_targets(year)
    form = make_targets_form(rows)
    if form.validate_on_submit():
        if commit_or_show(None, _save_targets, year, rows, form)[0]:
            flash(f"{year}年度目标任务已保存", "success")
            return redirect(url_for("scoring.annual_targets", year=year))
    fields = [(row, *(form[name] for name in target_field_names(row))) for row in rows]
    return render_template("scoring/admin_targets.html", form=form, year=year, rows=fields)


def _save_targets(year: int, rows, form) -> None:
    """Every tier's targets of the year as one change: a refusal of one keeps none."""
    for row in rows:
        submitted, adopted = target_field_names(row)
        save_annual_target(year, row.tier_id, form[submitted].data, form[adopted].data)
