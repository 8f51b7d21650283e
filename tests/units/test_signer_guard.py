"""A unit whose items nobody can sign is flagged: on the units page, when an account is created for it,
and to its reporter before 送审签."""
from portal.auth.services import NO_SIGNER_MESSAGE
from portal.extensions import db
from tests.auth.test_accounts import client_for


def test_a_unit_without_an_active_signer_is_flagged_everywhere_it_matters(app, make, world):
    lonely = make.unit("新建社区", parent=world.office)
    reporter = make.user(lonely, "reporter")
    admin = client_for(app, world.admin)
    units = admin.get("/admin/units").get_data(as_text=True)
    assert f"新建社区{NO_SIGNER_MESSAGE}" in units
    row = units.split("<b>新建社区</b>")[1].split("</li>")[0]
    assert "无审签人" in row and "无审签人" not in units.split("<b>幸福社区</b>")[1].split("</li>")[0]
    created = admin.post("/admin/users/new", data={"username": "xj_reporter2", "name": "新信息员",
                                                   "unit_id": lonely.id, "roles": "reporter"}, follow_redirects=True)
    assert f"注意：新建社区{NO_SIGNER_MESSAGE}" in created.get_data(as_text=True)
    form = client_for(app, reporter).get("/items/new").get_data(as_text=True)
    assert f"本单位{NO_SIGNER_MESSAGE}" in form
    assert NO_SIGNER_MESSAGE not in client_for(app, world.reporter).get("/items/new").get_data(as_text=True)
    world.signer.active = False  # the only signer of 幸福社区 leaves
    db.session.commit()
    assert NO_SIGNER_MESSAGE in client_for(app, world.reporter).get("/unit").get_data(as_text=True)


def test_the_offices_contact_set_by_the_admin_is_on_every_units_dashboard(app, world):
    admin = client_for(app, world.admin)
    response = admin.post(f"/admin/units/{world.office.id}/edit", data={
        "name": world.office.name, "kind": "office", "parent_id": "0", "tier_id": "0", "sort_order": "0",
        "active": "y", "contact_name": "刘晓梅", "contact_phone": "0431-85012345"})
    assert response.status_code == 302
    for user in (world.reporter, world.other_signer):
        home = client_for(app, user).get("/unit").get_data(as_text=True)
        assert f"信息报送联系方式：{world.office.name} 刘晓梅" in home and 'href="tel:0431-85012345"' in home
