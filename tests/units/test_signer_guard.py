"""A unit whose items nobody can sign is flagged: on the units page, when an account is created or changed
for it, and to its reporter before 送审签. That covers the unit head (审签人) always, and the 主管领导
where the rule set has some category signed twice (the 长春 method: 调研)."""
import json

from portal.extensions import db
from portal.items.signoff import NO_SIGNER_MESSAGE, missing_signer_message
from portal.scoring.periods import get_active_rule_set
from tests.auth.test_accounts import client_for

NO_SUPERVISOR = "还没有可用的主管领导：按考核规则，调研类信息须经主管领导审签，送审签后将无人审签。请管理员为其创建或启用主管领导账号。"


def row_of(page: str, name: str) -> str:
    return page.split(f"<b>{name}</b>")[1].split("</li>")[0]


def test_a_unit_without_an_active_signer_is_flagged_everywhere_it_matters(app, make, world):
    lonely = make.unit("新建社区", parent=world.office)
    reporter = make.user(lonely, "reporter")
    admin = client_for(app, world.admin)
    units = admin.get("/admin/units").get_data(as_text=True)
    assert f"新建社区{NO_SIGNER_MESSAGE}" in units
    assert "无审签人" in row_of(units, "新建社区") and "无审签人" not in row_of(units, "幸福社区")
    created = admin.post("/admin/users/new", data={"username": "xj_reporter2", "name": "新信息员",
                                                   "unit_id": lonely.id, "roles": "reporter"}, follow_redirects=True)
    assert f"注意：新建社区{NO_SIGNER_MESSAGE}" in created.get_data(as_text=True)
    form = client_for(app, reporter).get("/items/new").get_data(as_text=True)
    assert f"本单位{NO_SIGNER_MESSAGE}" in form
    assert NO_SIGNER_MESSAGE not in client_for(app, world.reporter).get("/items/new").get_data(as_text=True)
    # The only signer of 幸福社区 leaves: the admin who deactivates the account is told at once.
    left = admin.post(f"/admin/users/{world.signer.id}/active", follow_redirects=True).get_data(as_text=True)
    assert f"注意：幸福社区{NO_SIGNER_MESSAGE}" in left
    assert NO_SIGNER_MESSAGE in client_for(app, world.reporter).get("/unit").get_data(as_text=True)


def test_a_unit_without_a_supervisor_is_flagged_where_the_rule_set_signs_a_category_twice(app, make, world):
    assert missing_signer_message("supervisor") == NO_SUPERVISOR
    admin = client_for(app, world.admin)
    units = admin.get("/admin/units").get_data(as_text=True)
    assert f"幸福社区、和平社区{NO_SUPERVISOR}" in units
    assert "无主管领导" in row_of(units, "幸福社区") and "无审签人" not in row_of(units, "幸福社区")
    assert NO_SUPERVISOR in client_for(app, world.reporter).get("/items/new").get_data(as_text=True)
    # An account created in the unit, not yet its 主管领导: the admin is reminded.
    created = admin.post("/admin/users/new", data={"username": "xf_reporter2", "name": "新信息员",
                                                   "unit_id": world.own.id, "roles": "reporter"},
                         follow_redirects=True).get_data(as_text=True)
    assert f"注意：幸福社区{NO_SUPERVISOR}" in created and NO_SIGNER_MESSAGE not in created
    # The 主管领导's account clears it for that unit only.
    created = admin.post("/admin/users/new", data={"username": "xf_leader", "name": "王主任",
                                                   "unit_id": world.own.id, "roles": "supervisor"},
                         follow_redirects=True).get_data(as_text=True)
    assert "注意：幸福社区" not in created
    units = admin.get("/admin/units").get_data(as_text=True)
    assert "无主管领导" not in row_of(units, "幸福社区") and "无主管领导" in row_of(units, "和平社区")
    assert f"和平社区{NO_SUPERVISOR}" in units
    assert NO_SUPERVISOR not in client_for(app, world.reporter).get("/unit").get_data(as_text=True)
    assert NO_SUPERVISOR in client_for(app, world.other_reporter).get("/unit").get_data(as_text=True)


def test_no_supervisor_is_asked_for_when_the_rule_set_signs_every_category_once(app, world):
    rule_set = get_active_rule_set()
    data = json.loads(rule_set.data)
    del data["second_signoff"]
    rule_set.data = json.dumps(data, ensure_ascii=False)
    db.session.commit()
    units = client_for(app, world.admin).get("/admin/units").get_data(as_text=True)
    assert "主管领导" not in units.split("<h1>")[1]
    assert "主管领导" not in client_for(app, world.reporter).get("/items/new").get_data(as_text=True).split("<h1>")[1]


def test_the_offices_contact_set_by_the_admin_is_on_every_units_dashboard(app, world):
    admin = client_for(app, world.admin)
    response = admin.post(f"/admin/units/{world.office.id}/edit", data={
        "name": world.office.name, "kind": "office", "parent_id": "0", "tier_id": "0", "sort_order": "0",
        "active": "y", "contact_name": "刘晓梅", "contact_phone": "0431-85012345"})
    assert response.status_code == 302
    for user in (world.reporter, world.other_signer):
        home = client_for(app, user).get("/unit").get_data(as_text=True)
        assert f"信息报送联系方式：{world.office.name} 刘晓梅" in home and 'href="tel:0431-85012345"' in home
