"""The admin's rule sets and annual targets, through the browser forms: a changed number changes scores."""
import html
import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db, utcnow
from portal.scoring import engine
from portal.scoring.adoptions import record_adoption
from portal.scoring.models import (
    Adoption,
    AnnualTarget,
    Channel,
    RuleSet,
    UnitScore,
)
from portal.scoring.runs import compute_scores
from portal.scoring.unit_ledger import list_ledger
from portal.units.services import save_tier
from portal.web.filters import office_today
from tests.conftest import login



@pytest.fixture
def admin(app, world):
    client = app.test_client()
    login(client, world.admin)
    return client


def active() -> RuleSet:
    db.session.expire_all()
    return db.session.scalar(select(RuleSet).where(RuleSet.active.is_(True)))


def rules_of(rule_set: RuleSet) -> dict:
    return json.loads(rule_set.data)


def edit_form(rule_set: RuleSet, data: dict | str | None = None, **extra) -> dict:
    text = data if isinstance(data, str) else json.dumps(data if data is not None else rules_of(rule_set),
                                                         ensure_ascii=False, indent=2)
    return {"name": rule_set.name, "period_start": rule_set.period_start.isoformat(),
            "period_end": rule_set.period_end.isoformat(), "rules": text} | extra


def errors_after(page: str, field_id: str, end: str = "</div>") -> list[str]:
    block = page.split(f'id="{field_id}"', 1)[1].split(end, 1)[0]
    return [html.unescape(part.split("</p>")[0]) for part in block.split('<p class="error" role="alert">')[1:]]


def textarea_text(page: str) -> str:
    return html.unescape(page.split('id="rules"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]).lstrip("\r\n")


def flashes(client):
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# ---- the seed ------------------------------------------------------------------------------

def test_seed_rule_set_is_active_after_migrations_and_reads_in_chinese(admin):
    seed = active()
    assert count(RuleSet) == 1 and seed is not None
    assert engine.dump_ruleset(engine.load_ruleset(rules_of(seed))) == engine.dump_ruleset(engine.load_default_ruleset())

    listing = admin.get("/admin/rule-sets").get_data(as_text=True)
    assert seed.name in listing and "启用中" in listing
    assert f"考核期 {seed.period_start.year}年1月1日至{seed.period_end.year}年11月30日" in listing

    page = admin.get(f"/admin/rule-sets/{seed.id}").get_data(as_text=True)
    for text in (
        "每个单位80分", "折合成百分制",
        "市委办公厅", "《长春信息·调研社情》", "《长春信息》</td>\n      <td class=\"num\">5分",
        "简讯1分，其他2分", "中共中央办公厅、国务院办公厅", "国办",
        "<td>市委书记</td><td class=\"num\">20分</td>", "国务院领导", "北京时间",
        "在期限内反馈且未被退回的，加10分", "期限已过仍无被接受的反馈的，扣10分", "默认为批示之日起7天",
        "按时回复约稿并被采纳的，每篇加5分", "未回复约稿不扣分",
        "每周报送1篇（任何类别），每少1篇扣2分，跨考核期的周不计",
        "每季度报送1篇（调研类），每少1篇扣5分，超出部分每篇加5分，跨考核期的季度只算考核期内的部分（任务数不变）",
        "每年1月1日至11月30日",
    ):
        assert text in page, text
    assert "style=" not in page and "onclick" not in page
    for code in ("city_cpc", "cpc_main", "cpc_secretary", "internal", "Asia/Shanghai", "top_100"):
        assert code not in page.split("<main>")[1], code  # no code names shown
    # Channels are grouped by issuing body, in the rule set's order.
    assert page.index("本办") < page.index("《高新信息》") < page.index("市委办公厅") < page.index("《长春信息》")


def test_unknown_rule_set_is_404(admin):
    assert admin.get("/admin/rule-sets/999").status_code == 404
    assert admin.get("/admin/rule-sets/999/edit").status_code == 404
    assert admin.post("/admin/rule-sets/999/activate").status_code == 404


# ---- editing changes scores ---------------------------------------------------------------

def _own_unit_scores(unit_id, as_of):
    run = compute_scores(as_of)
    db.session.commit()
    assert run.error == "", run.error
    score = db.session.get(UnitScore, (run.id, unit_id))
    rows = list_ledger(run, unit_id)
    return score.raw, {(row.item_id, row.rule, row.points) for row in rows}


@pytest.mark.calendar
def test_editing_a_number_changes_the_stored_rule_set_and_the_scores(admin, world, make):
    seed = active()
    # A period around today, so the adoption below counts whenever the suite runs.
    today = office_today()
    year_round = {"period_start": date(today.year, 1, 1).isoformat(), "period_end": date(today.year, 12, 31).isoformat()}
    assert admin.post(f"/admin/rule-sets/{seed.id}/edit", data=edit_form(seed, **year_round)).status_code == 302
    item = make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)
    record_adoption(item.id, "cpc_main", today, world.editor.id)
    db.session.commit()
    as_of = utcnow()

    raw_before, ledger_before = _own_unit_scores(world.own.id, as_of)
    assert (item.id, "被《长春信息》采用 +5", 5) in ledger_before

    data = rules_of(active())
    data["channels"]["cpc_main"]["points"] = 6
    response = admin.post(f"/admin/rule-sets/{seed.id}/edit", data=edit_form(active(), data))
    assert response.status_code == 302 and response.location.endswith(f"/admin/rule-sets/{seed.id}")
    assert ("success", "规则集已保存，正在使用的积分将按新规则重新计算") in flashes(admin)
    stored = active()
    assert stored.id == seed.id and rules_of(stored)["channels"]["cpc_main"]["points"] == 6
    assert stored.period_end == date(today.year, 12, 31)

    raw_after, ledger_after = _own_unit_scores(world.own.id, as_of)
    assert (item.id, "被《长春信息》采用 +6", 6) in ledger_after
    assert raw_after - raw_before == 1
    assert "《长春信息》</td>\n      <td class=\"num\">6分" in admin.get(
        f"/admin/rule-sets/{seed.id}").get_data(as_text=True)


# ---- refused edits keep what was typed --------------------------------------------------------

@pytest.mark.parametrize("mangle, message", [
    (lambda text: text.replace('"base": 80,', '"base": 80,,'), "JSON 格式有误：第4行第14列"),
    (lambda text: text.replace('"base": 80,', '"base": 80，'), "请使用英文标点"),
    (lambda text: text.replace('"base": 80', '"base": "八十"'), "规则集 base 应为数字，实际为 '八十'"),
    (lambda text: text.replace('"points": 5', '"points": -5', 1), "规则集 channels.cpc_main.points 不能为负数"),
    (lambda text: text.replace('"base": 80,', '"base": 80, "bonus": 3,'), "规则集 含有未知字段：bonus"),
    (lambda text: text.replace('"base": 80,', '"base": 80, "base": 90,'), "字段“base”在同一对象中出现了两次"),
    (lambda text: "", "请填写规则集内容（JSON）"),
])
def test_an_invalid_rule_set_is_refused_and_the_typed_text_kept(admin, mangle, message):
    seed = active()
    before = (seed.data, seed.updated_at)
    text = mangle(seed.data)
    form = edit_form(seed, text, name="改过的名称")
    response = admin.post(f"/admin/rule-sets/{seed.id}/edit", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert any(message in error for error in errors_after(page, "rules")), errors_after(page, "rules")
    assert textarea_text(page) == text
    assert 'value="改过的名称"' in page
    stored = active()
    assert (stored.data, stored.updated_at, stored.name) == (*before, seed.name)


def test_a_period_ending_before_it_starts_is_refused(admin):
    seed = active()
    form = edit_form(seed, period_start="2026-06-01", period_end="2026-05-31")
    page = admin.post(f"/admin/rule-sets/{seed.id}/edit", data=form).get_data(as_text=True)
    assert errors_after(page, "period_end") == ["考核期起始日不能晚于截止日"]
    assert 'value="2026-06-01"' in page
    assert active().period_start == seed.period_start


def test_a_quota_without_a_count_for_a_used_tier_is_refused(admin, world):
    tier = save_tier(None, key="key", name="重点单位", sort_order=0)
    db.session.flush()
    world.own.tier_id = tier.id
    db.session.commit()
    seed = active()
    data = rules_of(seed)
    data["quotas"][0]["count"] = {"key": 2}  # untiered units (和平社区) have no count and no default
    page = admin.post(f"/admin/rule-sets/{seed.id}/edit", data=edit_form(seed, data)).get_data(as_text=True)
    assert errors_after(page, "rules") == [
        "规则集 quotas[0].count 没有为单位类别“未分类单位”（default）规定数量，也没有 default；请补上该类别或 default"]

    data["quotas"][0]["count"] = {"default": 1, "key": 2}
    assert admin.post(f"/admin/rule-sets/{seed.id}/edit", data=edit_form(seed, data)).status_code == 302
    page = admin.get(f"/admin/rule-sets/{seed.id}").get_data(as_text=True)
    assert "每周报送（任何类别）：其他单位1篇、重点单位2篇，每少1篇扣2分" in page


def test_activation_is_refused_when_a_tier_came_into_use_since_the_save(admin, world):
    seed = active()
    tier = save_tier(None, key="key", name="重点单位", sort_order=0)
    db.session.flush()
    for unit in (world.own, world.other):
        unit.tier_id = tier.id
    db.session.commit()
    admin.post("/admin/rule-sets/new")
    copy = db.session.scalar(select(RuleSet).where(RuleSet.id != seed.id))
    data = rules_of(copy)
    data["quotas"][0]["count"] = {"key": 3}  # fine while every unit is in the tier
    assert admin.post(f"/admin/rule-sets/{copy.id}/edit", data=edit_form(copy, data)).status_code == 302
    world.other.tier_id = None
    db.session.commit()
    flashes(admin)

    assert admin.post(f"/admin/rule-sets/{copy.id}/activate").status_code == 302
    assert [message for _, message in flashes(admin)] == [
        "未能启用：规则集 quotas[0].count 没有为单位类别“未分类单位”（default）规定数量，也没有 default；请补上该类别或 default"]
    assert active().id == seed.id
    assert "此规则集目前无法计分" in admin.get(f"/admin/rule-sets/{copy.id}").get_data(as_text=True)


def test_an_import_with_a_tier_problem_is_stored_to_be_fixed_but_not_activated(admin):
    data = engine.dump_ruleset(engine.load_default_ruleset()) | {"name": "外区规则"}
    data["quotas"][0]["count"] = {"key": 2}  # the world's units are untiered
    content = json.dumps(data, ensure_ascii=False).encode()
    assert admin.post("/admin/rule-sets/import", data={"file": (io.BytesIO(content), "r.json")}).status_code == 302
    imported = db.session.scalar(select(RuleSet).where(RuleSet.name == "外区规则"))
    page = admin.get(f"/admin/rule-sets/{imported.id}").get_data(as_text=True)
    assert "此规则集目前无法计分：规则集 quotas[0].count 没有为单位类别“未分类单位”（default）规定数量" in page
    flashes(admin)
    admin.post(f"/admin/rule-sets/{imported.id}/activate")
    assert flashes(admin)[0][0] == "error" and active().id != imported.id

    data["quotas"][0]["count"] = {"key": 2, "default": 1}
    assert admin.post(f"/admin/rule-sets/{imported.id}/edit", data=edit_form(imported, data)).status_code == 302
    admin.post(f"/admin/rule-sets/{imported.id}/activate")
    assert active().id == imported.id


# ---- export and import ---------------------------------------------------------------------

def test_export_then_import_round_trips(admin):
    seed = active()
    response = admin.get(f"/admin/rule-sets/{seed.id}/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''%E8%A7%84%E5%88%99%E9%9B%86-{seed.id}.json" in disposition
    exported = response.get_data()
    assert "《长春信息》".encode() in exported  # ensure_ascii=False: readable in any editor
    assert exported.count(b"\n") > 20  # pretty-printed

    response = admin.post("/admin/rule-sets/import", data={"file": (io.BytesIO(exported), "规则集.json")})
    assert response.status_code == 302
    assert ("success", "规则集已导入（未启用），请核对后再启用") in flashes(admin)
    imported = db.session.scalar(select(RuleSet).where(RuleSet.id != seed.id))
    assert not imported.active and imported.name == seed.name
    assert (imported.period_start, imported.period_end) == (seed.period_start, seed.period_end)
    assert response.location.endswith(f"/admin/rule-sets/{imported.id}")
    assert engine.dump_ruleset(engine.load_ruleset(rules_of(imported))) == engine.dump_ruleset(
        engine.load_ruleset(rules_of(seed)))
    assert active().id == seed.id


def test_import_accepts_a_bom_and_gbk_files(admin):
    data = engine.dump_ruleset(engine.load_default_ruleset()) | {"name": "外区规则"}
    text = json.dumps(data, ensure_ascii=False)
    for content in (b"\xef\xbb\xbf" + text.encode(), text.encode("gbk")):
        assert admin.post("/admin/rule-sets/import", data={"file": (io.BytesIO(content), "r.json")}).status_code == 302
    names = db.session.scalars(select(RuleSet.name).where(RuleSet.active.is_(False))).all()
    assert names == ["外区规则", "外区规则"]


@pytest.mark.parametrize("content, message", [
    (b'{"name": "x", "base": 80,}', "JSON 格式有误：第1行第26列"),
    (b'{"name": "x", "base": -1, "quotas": {}}', "规则集 quotas 应为列表"),
    (b'[1, 2]', "规则集 应为 JSON 对象"),
    (b"\xff\xfe\xff", "无法读取文件：应为 UTF-8 编码的 JSON 文本"),
    (b"   ", "文件是空的"),
])
def test_a_bad_file_is_refused_in_chinese_and_nothing_stored(admin, content, message):
    response = admin.post("/admin/rule-sets/import", data={"file": (io.BytesIO(content), "bad.json")})
    assert response.status_code == 200
    errors = errors_after(response.get_data(as_text=True), "file")
    assert any(message in error for error in errors), errors
    assert count(RuleSet) == 1


def test_import_without_a_file_asks_for_one(admin):
    page = admin.post("/admin/rule-sets/import", data={}).get_data(as_text=True)
    assert errors_after(page, "file") == ["请选择要导入的文件"]
    assert count(RuleSet) == 1


# ---- activation --------------------------------------------------------------------------------

def test_new_copies_the_active_rule_set_and_leads_to_its_edit_page(admin):
    seed = active()
    response = admin.post("/admin/rule-sets/new")
    copy = db.session.scalar(select(RuleSet).where(RuleSet.id != seed.id))
    assert response.status_code == 302 and response.location.endswith(f"/admin/rule-sets/{copy.id}/edit")
    assert copy.name == f"{seed.name}（副本）" and not copy.active
    assert (copy.period_start, copy.period_end) == (seed.period_start, seed.period_end)
    page = admin.get(f"/admin/rule-sets/{copy.id}/edit").get_data(as_text=True)
    assert f'value="{copy.name}"' in page and "cpc_main" in textarea_text(page)


@pytest.mark.parametrize("template, name, channel, period", [
    ("default", "长春高新区管委会政务信息工作考核办法（默认）", "《长春信息》", ("01-01", "11-30")),
    ("chengnan", "城南街道政务信息和公众号工作考核办法", "《城南信息》", ("01-01", "12-31")),
])
def test_a_new_rule_set_starts_from_a_template(admin, template, name, channel, period):
    # The seed's 2012 method ships as a template, as does the street's method the demo office runs.
    page = admin.get("/admin/rule-sets").get_data(as_text=True)
    assert "从模板新建" in page and f'value="{template}"' in page
    response = admin.post("/admin/rule-sets/from-template", data={"template": template})
    created = db.session.scalar(select(RuleSet).order_by(RuleSet.id.desc()))
    assert response.status_code == 302 and response.location.endswith(f"/admin/rule-sets/{created.id}/edit")
    assert created.name == name and not created.active
    assert channel in {spec["name"] for spec in rules_of(created)["channels"].values()}
    assert (created.period_start.strftime("%m-%d"), created.period_end.strftime("%m-%d")) == period
    assert created.period_start.year == office_today().year
    flashes(admin)
    assert admin.post("/admin/rule-sets/from-template", data={"template": "nothing"}).status_code == 302
    assert [category for category, _ in flashes(admin)] == ["error"]
    assert count(RuleSet) == 2


def test_activation_makes_exactly_one_active_and_syncs_channels(admin, world, make):
    seed = active()
    item = make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor)
    record_adoption(item.id, "gov_intranet", office_today(), world.editor.id)
    db.session.commit()

    admin.post("/admin/rule-sets/new")
    copy = db.session.scalar(select(RuleSet).where(RuleSet.id != seed.id))
    data = rules_of(copy)
    del data["channels"]["gov_intranet"]
    data["channels"]["district"] = {"name": "《区委信息》", "body": "district", "points": 3}
    data["channels"]["cpc_main"]["name"] = "《长春信息》（改名）"
    data["body_names"]["district"] = "区委办公室"
    assert admin.post(f"/admin/rule-sets/{copy.id}/edit", data=edit_form(copy, data)).status_code == 302
    # Saving an inactive rule set leaves the channels editors record against alone.
    assert db.session.scalar(select(Channel).where(Channel.key == "district")) is None

    flashes(admin)
    assert admin.post(f"/admin/rule-sets/{copy.id}/activate").status_code == 302
    assert [category for category, _ in flashes(admin)] == ["success"]
    db.session.expire_all()
    assert db.session.scalars(select(RuleSet.id).where(RuleSet.active.is_(True))).all() == [copy.id]
    channels = {channel.key: channel for channel in db.session.scalars(select(Channel))}
    district = channels["district"]
    assert (district.name, district.body, district.active) == ("《区委信息》", "district", True)
    assert district.sort_order == len(data["channels"]) - 1
    assert channels["cpc_main"].name == "《长春信息》（改名）" and channels["cpc_main"].active
    assert not channels["gov_intranet"].active  # kept: an adoption still points at it
    assert db.session.scalar(select(Adoption).where(Adoption.channel_id == channels["gov_intranet"].id)) is not None
    assert all(channel.active for key, channel in channels.items() if key != "gov_intranet")

    page = admin.get(f"/admin/rule-sets/{copy.id}").get_data(as_text=True)
    assert "区委办公室" in page and "district" not in page and "启用此规则集" not in page

    # Back to the seed: its channels come back and the new one is retired.
    assert admin.post(f"/admin/rule-sets/{seed.id}/activate").status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(RuleSet.id).where(RuleSet.active.is_(True))).all() == [seed.id]
    channels = {channel.key: channel for channel in db.session.scalars(select(Channel))}
    assert channels["gov_intranet"].active and not channels["district"].active
    assert channels["cpc_main"].name == "《长春信息》"


def test_editing_the_active_rule_set_syncs_channels_at_once(admin):
    seed = active()
    data = rules_of(seed)
    data["channels"]["town_news"] = {"name": "《镇信息》", "body": "office", "points": 1}
    assert admin.post(f"/admin/rule-sets/{seed.id}/edit", data=edit_form(seed, data)).status_code == 302
    channel = db.session.scalar(select(Channel).where(Channel.key == "town_news"))
    assert channel is not None and channel.active


# ---- annual targets ------------------------------------------------------------------------------

def test_annual_targets_are_saved_per_tier(admin, world):
    key = save_tier(None, key="key", name="重点单位", sort_order=0)
    plain = save_tier(None, key="plain", name="一般单位", sort_order=1)
    db.session.commit()
    page = admin.get("/admin/targets?year=2026").get_data(as_text=True)
    assert "2026年度目标任务" in page
    assert page.index("重点单位") < page.index("一般单位") < page.index("未分类单位")
    names = [f"submitted_{key.id}", f"adopted_{key.id}", f"submitted_{plain.id}", f"adopted_{plain.id}",
             "submitted_none", "adopted_none"]
    assert all(f'name="{name}"' in page for name in names)

    form = dict(zip(names, ["120", "30", "60", "", "40", "10"]))
    response = admin.post("/admin/targets?year=2026", data=form)
    assert response.status_code == 302 and response.location.endswith("/admin/targets?year=2026")
    assert ("success", "2026年度目标任务已保存") in flashes(admin)
    db.session.expire_all()
    stored = {t.tier_id: (t.submitted_target, t.adopted_target)
              for t in db.session.scalars(select(AnnualTarget).where(AnnualTarget.year == 2026))}
    assert stored == {key.id: (120, 30), plain.id: (60, 0), None: (40, 10)}
    page = admin.get("/admin/targets?year=2026").get_data(as_text=True)
    assert f'name="submitted_{key.id}" type="number" value="120"' in page
    # Another year is its own table.
    assert 'value="120"' not in admin.get("/admin/targets?year=2027").get_data(as_text=True)

    # Both blank: the tier has no target of its own any more; the others are saved again unchanged.
    admin.post("/admin/targets?year=2026", data=form | {f"submitted_{plain.id}": "", f"adopted_{plain.id}": ""})
    db.session.expire_all()
    assert {t.tier_id for t in db.session.scalars(select(AnnualTarget))} == {key.id, None}


def test_bad_annual_targets_are_refused_and_kept(admin):
    response = admin.post("/admin/targets?year=2026", data={"submitted_none": "-5", "adopted_none": "十"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert errors_after(page, "submitted_none", "</td>") == ["请输入0至100000之间的整数"]
    assert errors_after(page, "adopted_none", "</td>") == ["不是有效的整数。"]
    assert 'value="-5"' in page and 'value="十"' in page
    assert count(AnnualTarget) == 0


# ---- who may ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["reporter", "signer", "editor", "viewer"])
def test_only_admins_manage_rule_sets_and_targets(app, world, role):
    client = app.test_client()
    login(client, getattr(world, role))
    seed = active()
    for method, url in (("GET", "/admin/rule-sets"), ("GET", f"/admin/rule-sets/{seed.id}"),
                        ("GET", f"/admin/rule-sets/{seed.id}/edit"), ("POST", f"/admin/rule-sets/{seed.id}/edit"),
                        ("POST", "/admin/rule-sets/new"), ("POST", "/admin/rule-sets/from-template"),
                        ("POST", f"/admin/rule-sets/{seed.id}/activate"),
                        ("GET", f"/admin/rule-sets/{seed.id}/export"), ("GET", "/admin/rule-sets/import"),
                        ("POST", "/admin/rule-sets/import"), ("GET", "/admin/targets"), ("POST", "/admin/targets")):
        assert client.open(url, method=method).status_code == 403, (method, url)
    assert count(RuleSet) == 1 and count(AnnualTarget) == 0


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/rule-sets")
    assert response.status_code == 302 and response.location.startswith("/login")
