"""A unit's roster through the real routes: who may see and change it, the phone and e-mail rules,
a refused form that keeps what was typed, and the row button that works without JavaScript."""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.roster.models import Roster
from portal.roster.services import (
    RosterError,
    get_roster,
    normalize_email,
    normalize_landline,
    normalize_mobile,
)
from tests.conftest import login


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def roster_form(**overrides):
    return {
        "leader_name": "张建国", "leader_position": "党委副书记", "leader_mobile": "13904310001",
        "leader_phone": "0431-85550001", "leader_email": "zhangjg@example.gov.cn", "section": "党政办公室",
        "officers-0-name": "李晓燕", "officers-0-position": "党政办干事", "officers-0-employment": "full_time",
        "officers-0-mobile": "13804311234", "officers-0-office_phone": "0431-85551234",
        "officers-0-email": "lixy@example.gov.cn",
    } | overrides


def saved(unit):
    db.session.expire_all()
    return get_roster(unit.id)


# ---- who may see and change it --------------------------------------------------------------

@pytest.mark.parametrize("role", ["reporter", "signer"])
def test_a_unit_member_fills_in_and_edits_the_own_roster(app, world, role):
    client = client_for(app, getattr(world, role))
    assert client.get("/roster").location.endswith(f"/roster/units/{world.own.id}")
    page = client.get(f"/roster/units/{world.own.id}").get_data(as_text=True)
    assert "尚未填写信息员名单" in page and "填写名单" in page

    response = client.post(f"/roster/units/{world.own.id}/edit", data=roster_form())
    assert response.status_code == 302
    roster = saved(world.own)
    assert (roster.leader_name, roster.leader_position, roster.section) == ("张建国", "党委副书记", "党政办公室")
    assert [(o.name, o.employment, o.mobile, o.office_phone, o.email) for o in roster.officers] == [
        ("李晓燕", "full_time", "13804311234", "0431-85551234", "lixy@example.gov.cn")]
    assert roster.updated_by_id == getattr(world, role).id

    # Editing replaces the officers: the form starts from what is stored.
    form = client.get(f"/roster/units/{world.own.id}/edit").get_data(as_text=True)
    assert 'value="李晓燕"' in form and 'value="张建国"' in form
    client.post(f"/roster/units/{world.own.id}/edit", data=roster_form(**{
        "officers-0-name": "王海燕", "officers-0-employment": "part_time", "officers-0-mobile": "15004312222"}))
    assert [(o.name, o.employment_name) for o in saved(world.own).officers] == [("王海燕", "兼职")]
    page = client.get(f"/roster/units/{world.own.id}").get_data(as_text=True)
    assert "王海燕" in page and "15004312222" in page and "李晓燕" not in page


def test_another_units_roster_is_not_found(app, world):
    client = client_for(app, world.other_reporter)
    client.post(f"/roster/units/{world.other.id}/edit", data=roster_form(leader_name="赵和平"))
    reporter = client_for(app, world.reporter)
    base = f"/roster/units/{world.other.id}"
    for method, url in (("GET", base), ("GET", f"{base}/edit"), ("POST", f"{base}/edit"), ("POST", f"{base}/confirm")):
        response = reporter.open(url, method=method, data=roster_form(leader_name="改过的") if method == "POST" else None)
        assert response.status_code == 404, (method, url)
        assert "赵和平" not in response.get_data(as_text=True)
    assert saved(world.other).leader_name == "赵和平"
    assert reporter.get("/roster/units/999999").status_code == 404


def test_editors_and_admins_read_every_roster_but_change_none(app, world):
    client_for(app, world.reporter).post(f"/roster/units/{world.own.id}/edit", data=roster_form())
    for user in (world.editor, world.admin):
        client = client_for(app, user)
        overview = client.get("/roster").get_data(as_text=True)
        assert "幸福社区" in overview and "和平社区" in overview and "李晓燕" in overview and "尚未填写" in overview
        page = client.get(f"/roster/units/{world.own.id}").get_data(as_text=True)
        assert "李晓燕" in page and "修改名单" not in page
        assert client.get(f"/roster/units/{world.other.id}").status_code == 200
        assert client.get(f"/roster/units/{world.own.id}/edit").status_code == 403
        assert client.post(f"/roster/units/{world.own.id}/edit", data=roster_form(leader_name="改过的")).status_code == 403
        # The office keeps no roster of its own.
        assert client.get(f"/roster/units/{world.office.id}").status_code == 404
    assert saved(world.own).leader_name == "张建国"
    leader = client_for(app, world.viewer)  # a leader reads every unit's roster, changes none
    assert leader.get("/roster").status_code == 200
    assert leader.get(f"/roster/units/{world.own.id}/edit").status_code == 403


def test_the_nav_links_the_roster(app, world):
    for user in (world.reporter, world.editor, world.admin, world.viewer):
        assert 'href="/roster"' in client_for(app, user).get("/notifications").get_data(as_text=True)


# ---- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("officers-0-mobile", "1380431123", "信息员手机应为11位手机号码"),
    ("officers-0-mobile", "12804311234", "信息员手机应为11位手机号码"),
    ("officers-0-mobile", "", "请填写信息员手机号码"),
    ("leader_mobile", "0431-85551234", "分管领导手机应为11位手机号码"),
    ("officers-0-office_phone", "85551234", "办公电话请填写带区号的固定电话"),
    ("officers-0-office_phone", "13804311234", "办公电话请填写带区号的固定电话"),
    ("leader_phone", "0431-855512345", "分管领导办公电话请填写带区号的固定电话"),
    ("officers-0-email", "lixy@example", "电子邮箱格式不正确"),
    ("leader_email", "zhang at example.gov.cn", "分管领导电子邮箱格式不正确"),
    ("leader_name", "", "请填写分管领导姓名"),
    ("officers-0-name", "", "请填写信息员姓名"),
    ("officers-0-employment", "contract", "选择"),
])
def test_a_wrong_value_is_named_at_its_field_and_the_rest_is_kept(app, world, field, value, message):
    client = client_for(app, world.reporter)
    data = roster_form(**{field: value})
    response = client.post(f"/roster/units/{world.own.id}/edit", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and "未能保存，请修改以下" in page
    # Every other typed value is still in the form.
    for key, typed in data.items():
        if key != field and key != "officers-0-employment":
            assert f'value="{typed}"' in page, key
    assert saved(world.own) is None


def test_a_bad_mobile_keeps_the_other_typed_values(app, world):
    client = client_for(app, world.reporter)
    response = client.post(f"/roster/units/{world.own.id}/edit", data=roster_form(**{
        "officers-0-mobile": "138O4311234", "officers-1-name": "陈志强", "officers-1-mobile": "13604315678",
        "officers-1-employment": "part_time"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("应为11位手机号码") == 2  # at the field, and in the summary at the top
    assert 'value="138O4311234"' in page  # the wrong value itself, to be corrected
    for kept in ("张建国", "党委副书记", "lixy@example.gov.cn", "0431-85551234", "陈志强", "13604315678"):
        assert f'value="{kept}"' in page
    assert 'id="officers-0-mobile"' in page and 'id="officers-1-name"' in page
    assert saved(world.own) is None


def test_at_least_one_liaison_officer(app, world):
    client = client_for(app, world.reporter)
    response = client.post(f"/roster/units/{world.own.id}/edit", data=roster_form(**{
        f"officers-0-{key}": "" for key in ("name", "position", "mobile", "office_phone", "email")}))
    assert "请至少填写一名信息员" in response.get_data(as_text=True)
    assert saved(world.own) is None


def test_numbers_are_stored_in_one_shape(app, world):
    client = client_for(app, world.reporter)
    client.post(f"/roster/units/{world.own.id}/edit", data=roster_form(**{
        "leader_mobile": "139 0431 0001", "leader_phone": "01012345678",
        "officers-0-mobile": "+86 138-0431-1234", "officers-0-office_phone": "(0431)85551234转801"}))
    roster = saved(world.own)
    assert (roster.leader_mobile, roster.leader_phone) == ("13904310001", "010-12345678")
    assert (roster.officers[0].mobile, roster.officers[0].office_phone) == ("13804311234", "0431-85551234-801")


@pytest.mark.parametrize("value, expected", [
    ("13804311234", "13804311234"), ("19912345678", "19912345678"), ("138 0431 1234", "13804311234"),
    ("+8613804311234", "13804311234"), ("１３８０４３１１２３４", "13804311234"), ("", ""),
])
def test_mobile_numbers(value, expected):
    assert normalize_mobile(value) == expected


@pytest.mark.parametrize("value", ["1380431123", "138043112345", "12804311234", "23804311234", "abc", "1380431123x"])
def test_wrong_mobile_numbers(value):
    with pytest.raises(RosterError, match="11位手机号码"):
        normalize_mobile(value)


@pytest.mark.parametrize("value, expected", [
    ("0431-85551234", "0431-85551234"), ("010-12345678", "010-12345678"), ("01012345678", "010-12345678"),
    ("021 6123 4567", "021-61234567"), ("0431-8555123", "0431-8555123"), ("(0431)85551234", "0431-85551234"),
    ("0431-85551234-801", "0431-85551234-801"), ("0431-85551234转801", "0431-85551234-801"),
    ("0431－85551234", "0431-85551234"), ("", ""),
])
def test_landlines_with_area_codes(value, expected):
    assert normalize_landline(value) == expected


@pytest.mark.parametrize("value", ["85551234", "13804311234", "010-1234567", "0431-855512", "0431-855512345",
                                   "1431-85551234", "0431-85551234-", "0431-85551234转", "电话"])
def test_wrong_landlines(value):
    with pytest.raises(RosterError, match="带区号的固定电话"):
        normalize_landline(value)


@pytest.mark.parametrize("value, ok", [("lixy@example.gov.cn", True), ("li.xy+info@mail.ccs.gov.cn", True),
                                       ("lixy@example", False), ("lixy.example.gov.cn", False), ("li xy@a.cn", False)])
def test_email_addresses(value, ok):
    if ok:
        assert normalize_email(value) == value
    else:
        with pytest.raises(RosterError, match="电子邮箱格式不正确"):
            normalize_email(value)


# ---- rows without JavaScript ----------------------------------------------------------------

def test_add_row_re_renders_with_one_more_empty_row_and_keeps_everything(app, world):
    client = client_for(app, world.reporter)
    response = client.post(f"/roster/units/{world.own.id}/edit",
                           data=roster_form(add_row="1", **{"officers-0-mobile": "not yet"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="officers-1-name"' in page and 'name="officers-2-name"' not in page
    assert 'value="李晓燕"' in page and 'value="not yet"' in page and 'value="张建国"' in page
    # Adding a row checks nothing yet and saves nothing.
    assert "应为11位手机号码" not in page and "未能保存，请修改以下" not in page
    assert saved(world.own) is None

    # The new row filled in, the form saves both; an extra row left empty is dropped.
    data = roster_form(**{"officers-1-name": "陈志强", "officers-1-mobile": "13604315678",
                          "officers-1-employment": "part_time", "officers-2-name": "", "officers-2-mobile": "",
                          "officers-2-employment": "part_time"})
    assert client.post(f"/roster/units/{world.own.id}/edit", data=data).status_code == 302
    assert [o.name for o in saved(world.own).officers] == ["李晓燕", "陈志强"]


def test_rows_stop_at_the_maximum(app, world):
    client = client_for(app, world.reporter)
    data = roster_form(add_row="1")
    for index in range(1, 10):
        data |= {f"officers-{index}-name": f"信息员{index}", f"officers-{index}-mobile": f"1380431{index:04d}"}
    page = client.post(f"/roster/units/{world.own.id}/edit", data=data).get_data(as_text=True)
    assert "信息员最多填写10名" in page and 'name="officers-10-name"' not in page
    # Filled rows past the maximum (a crafted post, a stale page) are not dropped in silence: the form says
    # so and saves nothing; an empty extra row is no reason to refuse.
    data.pop("add_row")
    response = client.post(f"/roster/units/{world.own.id}/edit",
                           data=data | {"officers-12-name": "多出来的", "officers-12-mobile": "13804319999"})
    assert response.status_code == 200
    assert "信息员最多填写10名，第11名起的1名未能保存，请删减后再保存" in response.get_data(as_text=True)
    assert saved(world.own) is None
    assert client.post(f"/roster/units/{world.own.id}/edit",
                       data=data | {"officers-12-name": "", "officers-12-employment": "part_time"}).status_code == 302
    assert len(saved(world.own).officers) == 10
    assert db.session.scalar(select(Roster).where(Roster.unit_id == world.own.id)).officers[-1].name == "信息员9"
