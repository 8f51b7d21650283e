"""The admin's unit tree and unit tiers, all through the browser forms."""
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.units.models import Tier, Unit
from tests.conftest import login

OWN_ANCESTOR = "上级单位不能是本单位或其下级单位"


@pytest.fixture
def admin(app, world):
    client = app.test_client()
    login(client, world.admin)
    return client


def unit_form(name, kind="community", parent=None, tier=None, **extra):
    return {"name": name, "kind": kind, "parent_id": str(parent.id if parent else 0),
            "tier_id": str(tier.id if tier else 0), "sort_order": "0", "active": "y"} | extra


def by_name(model, name):
    db.session.expire_all()
    return db.session.scalar(select(model).where(model.name == name))


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def error_of(html: str, field_id: str) -> list[str]:
    block = html.split(f'id="{field_id}"', 1)[1].split("</div>", 1)[0]
    return [part.split("</p>")[0] for part in block.split('<p class="error" role="alert">')[1:]]


def flashes(client):
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def test_admin_creates_tiers_and_units_and_builds_a_tree(admin, world):
    assert admin.post("/admin/tiers/new", data={"key": "A", "name": "重点单位", "sort_order": "1"}).status_code == 302
    assert ("success", "单位类别已保存") in flashes(admin)
    key_tier = by_name(Tier, "重点单位")
    assert (key_tier.key, key_tier.sort_order) == ("A", 1)
    assert "重点单位" in admin.get("/admin/tiers").get_data(as_text=True)

    assert admin.post("/admin/units/new", data=unit_form("城南街道", kind="street", parent=world.office)).status_code == 302
    assert ("success", "单位已保存") in flashes(admin)
    street = by_name(Unit, "城南街道")
    admin.post("/admin/units/new", data=unit_form("光明社区", parent=street, tier=key_tier))
    admin.post("/admin/units/new", data=unit_form("驻京办事处", kind="liaison_office"))
    admin.post("/admin/units/new", data=unit_form("街道综治中心", kind="department", parent=street, active=""))

    community, liaison, department = (by_name(Unit, n) for n in ("光明社区", "驻京办事处", "街道综治中心"))
    assert (street.kind, street.parent_id) == ("street", world.office.id)
    assert (community.kind, community.parent_id, community.tier_id) == ("community", street.id, key_tier.id)
    assert (liaison.kind, liaison.parent_id) == ("liaison_office", None)
    assert (department.parent_id, department.active) == (street.id, False)

    page = admin.get("/admin/units").get_data(as_text=True).split('<ul class="list tree">')[1]
    # Tree order with depth: office > street > its units; the liaison office is a root of its own.
    order = [page.index(name) for name in (world.office.name, "城南街道", "光明社区")]
    assert order == sorted(order)
    assert '<li class="" data-depth="2">\n    <a href="/admin/units/%d/edit"><b>光明社区</b></a>' % community.id in page
    assert "社区 · 重点单位" in page
    assert "部门 · 已停用" in page
    # The parent choices on the form show the tree too.
    form = admin.get("/admin/units/new").get_data(as_text=True)
    assert f'<option value="{community.id}">　　光明社区</option>' in form


def test_admin_edits_a_unit(admin, world):
    tier = Tier(key="B", name="一般单位")
    db.session.add(tier)
    db.session.commit()
    page = admin.get(f"/admin/units/{world.own.id}/edit").get_data(as_text=True)
    assert 'value="幸福社区"' in page and f'<option selected value="{world.office.id}">' in page
    response = admin.post(f"/admin/units/{world.own.id}/edit",
                          data=unit_form("幸福社区居委会", parent=world.office, tier=tier, sort_order="5"))
    assert response.status_code == 302
    unit = by_name(Unit, "幸福社区居委会")
    assert (unit.id, unit.tier_id, unit.sort_order, unit.parent_id) == (world.own.id, tier.id, 5, world.office.id)


def test_a_unit_cannot_become_its_own_ancestor(admin, world, make):
    street = make.unit("城南街道", kind="street", parent=world.office)
    community = make.unit("光明社区", parent=street)
    grid = make.unit("光明社区第一网格", parent=community)
    for descendant in (community, grid):
        response = admin.post(f"/admin/units/{street.id}/edit", data=unit_form("城南街道", kind="street", parent=descendant))
        assert response.status_code == 200
        assert error_of(response.get_data(as_text=True), "name") == [OWN_ANCESTOR]
        db.session.expire_all()
        assert db.session.get(Unit, street.id).parent_id == world.office.id
    # Nor its own parent: it is not even offered.
    form = admin.get(f"/admin/units/{street.id}/edit").get_data(as_text=True)
    assert f'value="{street.id}"' not in form.split('id="parent_id"', 1)[1].split("</select>")[0]
    response = admin.post(f"/admin/units/{street.id}/edit", data=unit_form("城南街道", kind="street", parent=street))
    assert response.status_code == 200 and error_of(response.get_data(as_text=True), "parent_id")
    db.session.expire_all()
    assert db.session.get(Unit, street.id).parent_id == world.office.id
    # Moving a leaf under another branch is fine.
    assert admin.post(f"/admin/units/{grid.id}/edit",
                      data=unit_form("光明社区第一网格", parent=street)).status_code == 302


def test_duplicate_unit_names_are_refused(admin, world):
    before = count(Unit)
    for name in ("幸福社区", "幸福社区 "):
        response = admin.post("/admin/units/new", data=unit_form(name, parent=world.office))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert error_of(html, "name") == ["已有同名单位"]
        assert f'value="{name}"' in html  # what was typed is kept
    assert count(Unit) == before
    # Renaming onto another unit's name is refused too.
    response = admin.post(f"/admin/units/{world.other.id}/edit", data=unit_form("幸福社区", parent=world.office))
    assert error_of(response.get_data(as_text=True), "name") == ["已有同名单位"]
    assert by_name(Unit, "和平社区") is not None
    # Keeping its own name when editing is not a clash.
    assert admin.post(f"/admin/units/{world.other.id}/edit",
                      data=unit_form("和平社区", parent=world.office, sort_order="3")).status_code == 302


def test_duplicate_tiers_are_refused(admin, world):
    admin.post("/admin/tiers/new", data={"key": "A", "name": "重点单位", "sort_order": "1"})
    response = admin.post("/admin/tiers/new", data={"key": "A", "name": "另一个", "sort_order": "1"})
    assert "代码已被使用" in response.get_data(as_text=True)
    response = admin.post("/admin/tiers/new", data={"key": "B", "name": "重点单位", "sort_order": "1"})
    assert "名称已被使用" in response.get_data(as_text=True)
    assert count(Tier) == 1


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": ""}, "name", "请输入单位名称"),
    ({"name": "长" * 61}, "name", "不超过60个字符"),
    ({"sort_order": "-1"}, "sort_order", "请输入0至9999之间的整数"),
])
def test_unit_form_validation_in_chinese(admin, world, data, field, message):
    before = count(Unit)
    response = admin.post("/admin/units/new", data=unit_form("新社区") | data)
    assert response.status_code == 200
    assert message in error_of(response.get_data(as_text=True), field)
    assert count(Unit) == before


def test_tier_key_validation_in_chinese(admin, world):
    response = admin.post("/admin/tiers/new", data={"key": "重点", "name": "重点单位", "sort_order": "0"})
    assert error_of(response.get_data(as_text=True), "key") == ["代码只能使用字母、数字和下划线"]
    assert count(Tier) == 0


@pytest.mark.parametrize("actor", ["reporter", "signer", "editor", "viewer"])
def test_non_admins_get_403(app, world, actor):
    client = app.test_client()
    login(client, getattr(world, actor))
    tier = Tier(key="A", name="重点单位")
    db.session.add(tier)
    db.session.commit()
    units_before, name_before = count(Unit), world.own.name
    for url in ("/admin/units", "/admin/units/new", f"/admin/units/{world.own.id}/edit",
                "/admin/tiers", "/admin/tiers/new", f"/admin/tiers/{tier.id}/edit"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "您没有权限进行此操作。" in response.get_data(as_text=True)
    assert client.post("/admin/units/new", data=unit_form("越权社区")).status_code == 403
    assert client.post(f"/admin/units/{world.own.id}/edit", data=unit_form("被改名")).status_code == 403
    assert client.post("/admin/tiers/new", data={"key": "X", "name": "越权", "sort_order": "0"}).status_code == 403
    assert client.post(f"/admin/tiers/{tier.id}/edit", data={"key": "Z", "name": "改", "sort_order": "0"}).status_code == 403
    db.session.expire_all()
    assert count(Unit) == units_before and world.own.name == name_before
    assert [(t.key, t.name) for t in db.session.scalars(select(Tier))] == [("A", "重点单位")]


def test_anonymous_is_sent_to_login(app, world):
    response = app.test_client().get("/admin/units")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_unknown_unit_is_404(admin):
    assert admin.get("/admin/units/9999/edit").status_code == 404
    assert admin.get("/admin/tiers/9999/edit").status_code == 404
