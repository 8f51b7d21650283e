"""A form sent after its login ended, or with a token that no longer matches, stores nothing and sends
the user where the form can be sent again, saying so (never a 400); a save says explicitly which item
it stored; a refused save opens at a summary of what to fix."""
import re
from datetime import timedelta

from flask import g
from sqlalchemy import func, select

from portal.auth.hooks import STALE_PAGE_MESSAGE, UNSENT_MESSAGE
from portal.extensions import db
from portal.items.models import Item
from tests.auth.test_accounts import client_for, flashes
from tests.auth.test_sessions import age, csrf_token_from
from tests.conftest import PASSWORD

ITEM = {"title": "幸福社区开展消防安全入户宣传", "body": "组织网格员入户讲解消防知识。", "category": "work",
        "intent": "save", "form_key": "k" * 32}
FORM_PAGE = "http://localhost/items/new?solicitation=0"


def items() -> int:
    return db.session.scalar(select(func.count(Item.id)))


def test_a_form_sent_after_the_idle_timeout_returns_to_its_page_after_login(app, world):
    client = client_for(app, world.reporter)
    age(world.reporter, last_seen_at=timedelta(minutes=31))
    response = client.post("/items/new", data=ITEM, headers={"Referer": FORM_PAGE})
    assert response.status_code == 302 and items() == 0
    assert response.headers["Location"] == "/login?next=%2Fitems%2Fnew%3Fsolicitation%3D0"
    assert ("info", UNSENT_MESSAGE) in flashes(client)
    again = client.post(response.headers["Location"], data={"username": "reporter", "password": PASSWORD})
    assert again.headers["Location"] == "/items/new?solicitation=0"


def test_htmx_is_told_to_leave_the_page_whole(app, world):
    client = client_for(app, world.reporter)
    age(world.reporter, last_seen_at=timedelta(minutes=31))
    response = client.post("/items/new", data=ITEM, headers={"HX-Request": "true", "Referer": FORM_PAGE})
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/login?next=")


def _with_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = True

    @app.before_request
    def _forget_cached_token():
        g.pop("csrf_token", None)


def test_a_lost_cookie_or_an_old_token_is_never_a_400(app, world):
    _with_csrf(app)
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "reporter", "password": PASSWORD, "csrf_token": token})
    page = client.get("/items/new").get_data(as_text=True)
    token = csrf_token_from(page)
    # A page from before the current login: its token belongs to another session.
    stale = client.post("/items/new", data=ITEM | {"csrf_token": "forged"}, headers={"Referer": FORM_PAGE})
    assert stale.status_code == 302 and stale.headers["Location"] == "/items/new?solicitation=0"
    assert ("error", STALE_PAGE_MESSAGE) in flashes(client)
    # The cookie is gone (a phone's browser dropped it): the user is anonymous and must log in again.
    client.delete_cookie("session")
    g.pop("_login_user", None)  # CSRF is checked before conftest's hook forgets the shared `g`'s user
    lost = client.post("/items/new", data=ITEM | {"csrf_token": token}, headers={"Referer": FORM_PAGE})
    assert lost.status_code == 302 and lost.headers["Location"].startswith("/login?next=%2Fitems%2Fnew")
    assert ("error", UNSENT_MESSAGE) in flashes(client)
    assert items() == 0


def test_a_saved_item_is_named_in_the_answer_and_a_replay_names_it_too(app, world):
    client = client_for(app, world.reporter)
    saved = client.post("/items/new", data=ITEM, follow_redirects=True).get_data(as_text=True)
    assert f'data-saved="{ITEM["form_key"]}"' in saved
    replay = client.post("/items/new", data=ITEM, follow_redirects=True).get_data(as_text=True)
    assert f'data-saved="{ITEM["form_key"]}"' in replay and items() == 1
    refused = client.post("/items/new", data=ITEM | {"title": "", "form_key": "m" * 32}).get_data(as_text=True)
    assert "data-saved" not in refused


def test_a_refused_save_opens_at_a_summary_linking_each_field(app, world):
    client = client_for(app, world.reporter)
    page = client.post("/items/new", data=ITEM | {"title": "", "body": ""}).get_data(as_text=True)
    summary = re.search(r'<div id="errors"[^>]*autofocus>(.*?)</div>', page, re.S)
    assert summary, page
    assert re.findall(r'href="#(\w+)"', summary[1]) == ["title", "body"]
    assert page.index('id="errors"') < page.index("<form")


def test_the_keep_alive_answers_only_a_live_login(app, world):
    client = client_for(app, world.reporter)
    assert client.get("/account/alive").status_code == 204
    age(world.reporter, last_seen_at=timedelta(minutes=31))
    assert client.get("/account/alive").status_code == 302
