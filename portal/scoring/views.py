"""The ranking and each unit's score page."""
from flask import Blueprint, abort, current_app, request, url_for
from flask_login import current_user

from ..extensions import utcnow
from ..units.services import get_unit, list_tiers
from ..web.access import roles_required
from ..web.fields import query_int, query_page
from ..web.htmx import render_page
from .chart import draw_months
from .periods import get_active_rule_set, parse_rules
from .runs import ensure_fresh_scores
from .standings import (
    RULE_NAMES,
    count_ranked_units,
    describe_period,
    get_standing,
    group_by_tier,
    list_standings,
    summarize_month,
    top_raw,
)
from .unit_ledger import account_unit, chart_unit_months, find_month, group_ledger, read_titles


bp = Blueprint("scoring", __name__)


@bp.get("/scores")
@roles_required("editor", "viewer")
def ranking():
    run = ensure_fresh_scores()
    tiers = list_tiers()
    tier_id = query_int("tier")
    if tier_id not in {tier.id for tier in tiers}:
        tier_id = None
    standings = list_standings(run, tier_id, query_page(), current_app.config["RANKING_PAGE_SIZE"])
    return render_page(
        "scoring/ranking.html", "scoring/_ranking_table.html",
        run=run, rule_set=get_active_rule_set(), period=describe_period(run), tiers=tiers, tier_id=tier_id,
        rule_names=RULE_NAMES, standings=standings, groups=group_by_tier(standings.items),
    )


def _unit_score_page(unit_id: int):
    unit = get_unit(unit_id)
    if unit is None or unit.is_office:
        abort(404)
    run = ensure_fresh_scores()
    rule_set = get_active_rule_set()
    rules = parse_rules(rule_set)
    standing = get_standing(run, unit_id)  # loads the unit's score, whose version keys its ledger
    account = account_unit(run, unit_id)
    months = group_ledger(account.ledger)
    # 积分明细 draws the rows of one month, the newest or the one asked for (?month=, a tap on the month):
    # a period's rows were most of the page's bytes and of its drawing. The others show their count and subtotal.
    month = find_month(months, request.args.get("month"))
    if month is not None:
        month.lines = read_titles(month.lines)
    return render_page(
        "scoring/unit_score.html", "scoring/_ledger_month.html",
        unit=unit, run=run, rule_set=rule_set, period=describe_period(run),
        standing=standing,
        ranked=count_ranked_units(run), months=months, month=month, here=url_for(request.endpoint, **request.view_args),
        chart=draw_months(chart_unit_months(run, unit_id)), top=top_raw(run),
        quotas=account.quotas,
        base=rules.base, normalize=rules.normalize,
    )


@bp.get("/scores/mine")
@roles_required("reporter", "signer")
def my_score():
    return _unit_score_page(current_user.unit_id)


@bp.get("/scores/units/<int:unit_id>")
@roles_required("editor", "viewer")
def unit_score(unit_id: int):
    return _unit_score_page(unit_id)


@bp.get("/overview")
@roles_required("viewer")
def overview():
    """A leader's home: this month at a glance, then the lists behind it."""
    return render_page("scoring/overview.html", summary=summarize_month(utcnow()))
