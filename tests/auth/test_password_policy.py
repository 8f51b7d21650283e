"""V6 passwords: length 8 to 128 with no composition rules, no common password, not the username; random
initial passwords that must be changed at the first login; no accounts outside the demo."""
import re

import pytest
from sqlalchemy import func, select

from portal.auth.hooks import MUST_CHANGE_MESSAGE
from portal.auth.models import User
from portal.auth.services import generate_password
from portal.extensions import db
from portal.units.models import Unit
from tests.auth.test_accounts import client_for, flashes, fresh, next_page, try_login
from tests.conftest import PASSWORD


def change(client, new, current=PASSWORD):
    return client.post("/account/password", data={"current": current, "new": new, "confirm": new})


@pytest.mark.parametrize(("new", "message"), [
    ("seven77", "密码长度应为8至128个字符"),
    ("x" * 129, "密码长度应为8至128个字符"),
    ("password", "该密码过于常见，容易被猜中，请换一个（可以用几个词组成的长句）"),
    # The list is lower case; the check is not case-sensitive.
    ("Password123", "该密码过于常见，容易被猜中，请换一个（可以用几个词组成的长句）"),
    ("QWERTYUIOP", "该密码过于常见，容易被猜中，请换一个（可以用几个词组成的长句）"),
    ("WangXiaoMing", "密码不能与用户名相同"),
])
def test_weak_new_password_is_refused_at_the_field(app, make, new, message):
    user = make.user(make.unit(), "reporter", username="wangxiaoming")
    client = client_for(app, user)
    hash_before = fresh(user).password_hash
    response = change(client, new)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(rf'id="new"[^>]*>\s*<small class="hint">[^<]*</small>\s*<p class="error" role="alert">'
                     rf'{re.escape(message)}</p>', html), html
    assert fresh(user).password_hash == hash_before


@pytest.mark.parametrize("new", [
    "zhangsan8",  # 8 characters, lower case only: no composition rules
    "我的密码是春天来了",  # any Unicode
    "correct horse battery staple " * 4,  # 116 characters: long passphrases are welcome
    "x" * 128,
])
def test_acceptable_passwords(app, world, new):
    client = client_for(app, world.signer)
    assert change(client, new).status_code == 302
    _, response = try_login(app, "signer", new)
    assert response.status_code == 302


def test_common_password_list_is_shipped_and_large():
    from portal.auth.services import _common_passwords

    common = _common_passwords()
    assert len(common) > 19000 and {"123456", "password", "qwerty", "iloveyou"} <= common


def test_generated_passwords_pass_the_policy(app):
    from portal.auth.services import check_password_policy

    for _ in range(50):
        check_password_policy(generate_password(), "someone")


# ---- initial passwords ---------------------------------------------------------------------------

def new_account(app, world) -> tuple[User, str]:
    admin = client_for(app, world.admin)
    admin.post("/admin/users/new", data={"username": "xinfu_liu", "name": "刘晓燕", "unit_id": str(world.own.id),
                                         "roles": ["reporter"]})
    message = next_page(admin)
    return db.session.scalar(select(User).where(User.username == "xinfu_liu")), re.search(r"初始密码：(\w+)", message)[1]


def test_initial_password_must_be_changed_before_anything_else(app, world):
    user, initial = new_account(app, world)
    assert user.must_change_password is True
    client = client_for(app, user, initial)
    for page in ("/", "/unit", "/items/new", "/notifications"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == "/account/password", page
    assert ("info", MUST_CHANGE_MESSAGE) in flashes(client)
    assert client.post("/items/new", data={"title": "x"}).headers["Location"] == "/account/password"
    static = client.get("/static/css/portal.css")
    static.close()
    assert static.status_code == 200
    assert client.get("/account/password").status_code == 200

    assert change(client, "my-own-choice-2026", current=initial).status_code == 302
    assert fresh(user).must_change_password is False
    assert client.get("/unit").status_code == 200


def test_logout_is_open_while_a_change_is_due(app, world):
    user, initial = new_account(app, world)
    client = client_for(app, user, initial)
    assert client.post("/logout").headers["Location"] == "/login"


def test_reset_password_must_be_changed_too(app, world):
    admin = client_for(app, world.admin)
    admin.post(f"/admin/users/{world.reporter.id}/reset-password")
    message = next_page(admin)
    assert fresh(world.reporter).must_change_password is True
    client = client_for(app, world.reporter, re.search(r"新密码：(\w+)", message)[1])
    assert client.get("/unit").headers["Location"] == "/account/password"


def test_the_initial_password_itself_cannot_be_kept(app, world):
    user, initial = new_account(app, world)
    client = client_for(app, user, initial)
    assert change(client, "xinfu_liu", current=initial).status_code == 200
    assert fresh(user).must_change_password is True


def test_the_forced_change_cannot_be_skipped_by_typing_the_same_password(app, world):
    user, initial = new_account(app, world)
    client = client_for(app, user, initial)
    response = change(client, initial, current=initial)
    assert response.status_code == 200 and "新密码不能与当前密码相同" in response.get_data(as_text=True)
    assert fresh(user).must_change_password is True
    assert client.get("/unit").headers["Location"] == "/account/password"


def test_an_own_password_cannot_be_changed_to_itself_either(app, world):
    client = client_for(app, world.reporter)
    response = change(client, PASSWORD, current=PASSWORD)
    assert "新密码不能与当前密码相同" in response.get_data(as_text=True)


# ---- no default accounts -------------------------------------------------------------------------

def test_migrations_create_no_accounts(app):
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_create_admin_on_a_fresh_installation(app, runner):
    result = runner.invoke(args=["create-admin", "chief", "张主任"])
    assert result.exit_code == 0, result.output
    password = re.search(r"初始密码：(\w+)", result.output)[1]
    assert "首次登录后必须修改" in result.output
    user = db.session.scalar(select(User).where(User.username == "chief"))
    assert user.roles == {"admin"} and user.must_change_password and user.name == "张主任"
    office = db.session.get(Unit, user.unit_id)
    assert office.kind == "office" and office.name == app.config["OFFICE_NAME"]

    client = client_for(app, user, password)
    assert client.get("/admin/units").headers["Location"] == "/account/password"

    # A second administrator joins the same office; a taken name is refused.
    assert runner.invoke(args=["create-admin", "deputy", "李副主任"]).exit_code == 0
    assert db.session.scalar(select(User).where(User.username == "deputy")).unit_id == office.id
    again = runner.invoke(args=["create-admin", "Chief", "重复"])
    assert again.exit_code != 0 and "该用户名已被使用" in again.output
    bad = runner.invoke(args=["create-admin", "张三", "张三"])
    assert bad.exit_code != 0 and "用户名只能使用字母、数字、下划线、点和连字符" in bad.output
