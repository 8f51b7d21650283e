"""Accounts: logging in and out, argon2id hashes, the admin's account management, own password change,
and the login form's redirect target."""
import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from tests.conftest import PASSWORD, login

BAD_LOGIN = "用户名或密码不正确，或账号已停用"


def client_for(app, user, password=PASSWORD):
    client = app.test_client()
    login(client, user, password)
    return client


def session_user(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


def try_login(app, username, password):
    client = app.test_client()
    return client, client.post("/login", data={"username": username, "password": password})


def flashes(client):
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def next_page(client, url="/admin/users") -> str:
    """The page after an action, where a one-time notice (an initial password) is shown."""
    return client.get(url).get_data(as_text=True)


def fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


# ---- logging in ---------------------------------------------------------------------------

def test_login_with_the_right_password(app, world):
    client, response = try_login(app, "reporter", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert session_user(client) == str(world.reporter.id)
    page = client.get("/unit")
    assert page.status_code == 200 and world.own.name in page.get_data(as_text=True)
    assert fresh(world.reporter).last_login_at is not None


def test_username_is_not_case_sensitive(app, world):
    client, response = try_login(app, "  Reporter ", PASSWORD)
    assert response.status_code == 302 and session_user(client) == str(world.reporter.id)


@pytest.mark.parametrize(("username", "password"), [("reporter", "wrong-password"), ("nobody", PASSWORD),
                                                    ("reporter", PASSWORD.upper())])
def test_login_with_a_wrong_password_or_user(app, world, username, password):
    client, response = try_login(app, username, password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<p class="error" role="alert">{BAD_LOGIN}</p>' in html
    assert f'value="{username}"' in html and password not in html.split("<main>")[1]
    assert session_user(client) is None
    assert client.get("/unit").status_code == 302


def test_empty_login_form_gets_chinese_messages(app, world):
    client, response = try_login(app, "", "")
    html = response.get_data(as_text=True)
    assert "请输入用户名" in html and "请输入密码" in html
    assert session_user(client) is None


def test_logout_ends_the_session(app, world):
    client = client_for(app, world.reporter)
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert session_user(client) is None
    assert client.get("/unit").status_code == 302
    assert ("info", "您已退出登录") in flashes(client)


def test_pages_need_a_login(app, world):
    response = app.test_client().get("/admin/users")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


# ---- deactivated accounts ------------------------------------------------------------------------

def test_deactivated_user_cannot_log_in_and_loses_an_open_session(app, world):
    reporter = client_for(app, world.reporter)
    assert reporter.get("/unit").status_code == 200
    admin = client_for(app, world.admin)

    response = admin.post(f"/admin/users/{world.reporter.id}/active")
    assert response.status_code == 302
    assert ("success", "账号 reporter 已停用") in flashes(admin)
    assert fresh(world.reporter).active is False
    assert "已停用" in admin.get("/admin/users").get_data(as_text=True)

    page = reporter.get("/unit")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    client, response = try_login(app, "reporter", PASSWORD)
    assert response.status_code == 200 and BAD_LOGIN in response.get_data(as_text=True)
    assert session_user(client) is None

    # Enabled again, the same password works.
    admin.post(f"/admin/users/{world.reporter.id}/active")
    assert fresh(world.reporter).active is True
    client, response = try_login(app, "reporter", PASSWORD)
    assert response.status_code == 302


def test_admin_cannot_deactivate_self(app, world):
    admin = client_for(app, world.admin)
    response = admin.post(f"/admin/users/{world.admin.id}/active")
    assert response.status_code == 302
    assert ("error", "不能停用自己的账号") in flashes(admin)
    assert fresh(world.admin).active is True
    assert admin.get("/admin/users").status_code == 200


def test_the_last_active_admin_cannot_drop_the_admin_role(app, world, make):
    admin = client_for(app, world.admin)
    form = {"name": world.admin.name, "unit_id": str(world.office.id), "roles": ["editor"]}
    response = admin.post(f"/admin/users/{world.admin.id}/edit", data=form)
    assert response.status_code == 200
    assert "这是唯一启用的管理员账号，不能取消其管理员角色" in response.get_data(as_text=True)
    assert fresh(world.admin).roles == {"admin"}
    # With a second active admin the role may go.
    make.user(world.office, "admin")
    assert admin.post(f"/admin/users/{world.admin.id}/edit", data=form).status_code == 302
    assert fresh(world.admin).roles == {"editor"}


# ---- hashes -----------------------------------------------------------------------------------------

def test_passwords_are_stored_as_argon2id(app, world):
    users = db.session.scalars(select(User)).all()
    assert users
    for user in users:
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
    # Same password, different salt.
    assert world.reporter.password_hash != world.signer.password_hash


# ---- the admin's account management --------------------------------------------------------------

def test_admin_creates_a_user_with_a_random_initial_password_shown_once(app, world):
    admin = client_for(app, world.admin)
    form = admin.get("/admin/users/new").get_data(as_text=True)
    assert "保存后系统生成随机初始密码，只显示一次。" in form
    response = admin.post("/admin/users/new", data={
        "username": "xinfu_liu", "name": "刘晓燕", "unit_id": str(world.own.id), "roles": ["reporter", "signer"],
        "phone": "13912345678",
    }, follow_redirects=True)
    html = response.get_data(as_text=True)
    match = re.search(r"账号 xinfu_liu 已创建，初始密码：([a-z0-9]+)（只显示这一次，请转告本人；首次登录须修改）", html)
    assert match, html
    password = match.group(1)
    assert len(password) >= 12
    user = db.session.scalar(select(User).where(User.username == "xinfu_liu"))
    assert (user.name, user.unit_id, user.roles, user.phone, user.active) == (
        "刘晓燕", world.own.id, {"reporter", "signer"}, "13912345678", True)
    assert user.password_hash.startswith("$argon2id$") and password not in user.password_hash
    # Shown once: the list does not show it again.
    assert password not in admin.get("/admin/users").get_data(as_text=True)
    # The new user logs in with it.
    client, response = try_login(app, "xinfu_liu", password)
    assert response.status_code == 302 and session_user(client) == str(user.id)


def cookie_session(app, client) -> dict:
    """The session as the browser holds it: signed, not encrypted, so anyone can read it."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}


@pytest.mark.parametrize("action", ["new", "reset"])
def test_a_one_time_password_never_travels_in_the_session_cookie(app, world, action):
    admin = client_for(app, world.admin)
    if action == "new":
        admin.post("/admin/users/new", data={"username": "xinfu_liu", "name": "刘晓燕",
                                             "unit_id": str(world.own.id), "roles": ["reporter"]})
    else:
        admin.post(f"/admin/users/{world.reporter.id}/reset-password")
    assert "密码" not in str(cookie_session(app, admin))
    page = next_page(admin)
    assert re.search(r"(初始密码|新密码)：[a-z0-9]{12,}（只显示这一次", page)
    assert "只显示这一次" not in next_page(admin)  # shown once


def test_two_new_users_get_different_passwords(app, world):
    admin = client_for(app, world.admin)
    passwords = []
    for username in ("user_a", "user_b"):
        admin.post("/admin/users/new", data={"username": username, "name": "张三", "unit_id": str(world.own.id),
                                             "roles": ["reporter"]})
        passwords.append(re.search(r"初始密码：(\w+)", next_page(admin)).group(1))
    assert passwords[0] != passwords[1]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"username": "reporter"}, "username", "该用户名已被使用"),
    ({"username": "Reporter"}, "username", "该用户名已被使用"),
    ({"username": "张三"}, "username", "用户名只能使用字母、数字、下划线、点和连字符"),
    ({"roles": []}, "roles", "请至少选择一个角色"),
    ({"phone": "12345"}, "phone", "请输入11位手机号码"),
    ({"name": ""}, "name", "请输入姓名"),
])
def test_create_user_validation_in_chinese(app, world, data, field, message):
    admin = client_for(app, world.admin)
    before = len(db.session.scalars(select(User)).all())
    values = {"username": "new_user", "name": "王五", "unit_id": str(world.own.id), "roles": ["reporter"]} | data
    response = admin.post("/admin/users/new", data=values)
    assert response.status_code == 200
    assert f'<p class="error" role="alert">{message}</p>' in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.scalars(select(User)).all()) == before


def test_admin_resets_a_password(app, world):
    admin = client_for(app, world.admin)
    response = admin.post(f"/admin/users/{world.reporter.id}/reset-password", follow_redirects=True)
    html = response.get_data(as_text=True)
    match = re.search(rf"{world.reporter.name}（reporter）的新密码：([a-z0-9]+)（只显示这一次，请转告本人；登录后须修改）", html)
    assert match
    _, old = try_login(app, "reporter", PASSWORD)
    assert old.status_code == 200 and BAD_LOGIN in old.get_data(as_text=True)
    client, new = try_login(app, "reporter", match.group(1))
    assert new.status_code == 302 and session_user(client) == str(world.reporter.id)


def test_admin_edits_roles_and_unit(app, world):
    admin = client_for(app, world.admin)
    page = admin.get(f"/admin/users/{world.reporter.id}/edit").get_data(as_text=True)
    assert '<input checked id="roles-0" name="roles" required type="checkbox" value="reporter">' in page
    assert '<input id="roles-1" name="roles" required type="checkbox" value="signer">' in page
    response = admin.post(f"/admin/users/{world.reporter.id}/edit", data={
        "username": "hijacked", "name": "改名后的信息员", "unit_id": str(world.other.id),
        "roles": ["reporter", "signer"], "phone": "",
    })
    assert response.status_code == 302
    assert ("success", "账号已保存") in flashes(admin)
    user = fresh(world.reporter)
    assert (user.username, user.name, user.unit_id, user.roles) == (
        "reporter", "改名后的信息员", world.other.id, {"reporter", "signer"})
    # The change takes effect on the user's next request.
    client = client_for(app, user)
    assert client.get("/signoff").status_code == 200
    assert world.other.name in client.get("/unit").get_data(as_text=True)


def test_edit_with_no_role_is_refused(app, world):
    admin = client_for(app, world.admin)
    response = admin.post(f"/admin/users/{world.reporter.id}/edit", data={
        "name": "x", "unit_id": str(world.own.id), "roles": []})
    assert "请至少选择一个角色" in response.get_data(as_text=True)
    assert fresh(world.reporter).roles == {"reporter"}


@pytest.mark.parametrize("actor", ["reporter", "signer", "editor", "viewer"])
def test_only_admins_manage_accounts(app, world, actor):
    client = client_for(app, getattr(world, actor))
    target = world.other_reporter
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403
    assert client.post("/admin/users/new", data={"username": "sneaky", "name": "x", "unit_id": str(world.own.id),
                                                  "roles": ["admin"]}).status_code == 403
    assert client.get(f"/admin/users/{target.id}/edit").status_code == 403
    assert client.post(f"/admin/users/{target.id}/edit", data={"name": "x", "unit_id": str(world.own.id),
                                                               "roles": ["admin"]}).status_code == 403
    assert client.post(f"/admin/users/{target.id}/reset-password").status_code == 403
    assert client.post(f"/admin/users/{target.id}/active").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "sneaky")) is None
    user = fresh(target)
    assert user.active and user.roles == {"reporter"}
    assert client_for(app, target) is not None  # the password was not reset


# ---- own password -----------------------------------------------------------------------------

def test_change_own_password(app, world):
    client = client_for(app, world.signer)
    response = client.post("/account/password", data={"current": PASSWORD, "new": "new-secret-2026",
                                                       "confirm": "new-secret-2026"})
    assert response.status_code == 302
    assert ("success", "密码已修改，您在其他设备上的登录已退出") in flashes(client)
    assert fresh(world.signer).password_hash.startswith("$argon2id$")
    _, old = try_login(app, "signer", PASSWORD)
    assert old.status_code == 200
    _, new = try_login(app, "signer", "new-secret-2026")
    assert new.status_code == 302


@pytest.mark.parametrize(("data", "message"), [
    ({"current": "not-my-password", "new": "new-secret-2026", "confirm": "new-secret-2026"}, "当前密码不正确"),
    ({"current": PASSWORD, "new": "short", "confirm": "short"}, "密码长度应为8至128个字符"),
    ({"current": PASSWORD, "new": "new-secret-2026", "confirm": "new-secret-2027"}, "两次输入的新密码不一致"),
    ({"current": "", "new": "new-secret-2026", "confirm": "new-secret-2026"}, "请输入当前密码"),
])
def test_change_own_password_refused(app, world, data, message):
    client = client_for(app, world.signer)
    hash_before = fresh(world.signer).password_hash
    response = client.post("/account/password", data=data)
    assert response.status_code == 200
    assert f'<p class="error" role="alert">{message}</p>' in response.get_data(as_text=True)
    assert fresh(world.signer).password_hash == hash_before
    _, still = try_login(app, "signer", PASSWORD)
    assert still.status_code == 302


# ---- the redirect after login -------------------------------------------------------------------

def lands_on(location: str) -> str:
    """The host a browser goes to: it strips tabs and newlines and reads a backslash as a slash."""
    cleaned = re.sub(r"[\t\r\n]", "", location).replace("\\", "/")
    return urlsplit(urljoin("https://portal.example/login", cleaned)).netloc


@pytest.mark.parametrize("target", [
    "//evil.example", "//evil.example/items", "https://evil.example/", "http:evil.example", "/\\evil.example",
    "\\\\evil.example", "/\t/evil.example", "javascript:alert(1)",
])
def test_login_never_redirects_off_site(app, world, target):
    client = app.test_client()
    response = client.post("/login", query_string={"next": target},
                           data={"username": "reporter", "password": PASSWORD})
    assert response.status_code == 302
    assert lands_on(response.headers["Location"]) == "portal.example"
    assert session_user(client) == str(world.reporter.id)


def test_login_follows_a_local_next(app, world):
    client = app.test_client()
    response = client.post("/login?next=/items%3Fstatus%3Ddraft", data={"username": "reporter", "password": PASSWORD})
    assert response.headers["Location"] == "/items?status=draft"


def test_login_page_of_a_logged_in_user_goes_home(app, world):
    client = client_for(app, world.editor)
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"
