"""Fuzzing the main forms and query strings with hypothesis (ASVS V2.2): random Unicode (NUL and other
controls included, surrogates excluded: a browser cannot send them), huge values, numbers where text is
expected and lists where one value is. Never a server error, never a half-stored record.

One app and one database serve the whole module (a module fixture): each example posts through the real
test client, and the stored rows are checked after it."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.extensions import db, utcnow
from portal.items.models import Item, ItemEvent
from portal.solicitations.models import Solicitation
from portal.solicitations.services import SolicitationFields, issue_solicitation
from portal.web.filters import to_local
from portal.web.forms import CONTROL_CHARACTERS
from tests.conftest import Factory, examples, login, portal_app

FUZZ = settings(max_examples=examples(30),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])

ODD = ["", " ", "0", "-1", "2147483648", "99999999999999999999999", "1e309", "NaN", "2026-02-30",
       "9999-12-31", "0000-00-00T25:61", "<script>alert(1)</script>", "' OR 1=1 --", "%00", "\x00", "../../etc/passwd",
       "y", "on", "true", "send", "adopted"]
one_value = st.one_of(
    st.text(max_size=40),  # any Unicode, NUL included; hypothesis leaves surrogates out
    st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=8),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from(ODD),
    st.integers(min_value=1_000, max_value=30_000).map(lambda n: "长" * n),
)
any_value = st.one_of(one_value, st.lists(one_value, min_size=2, max_size=3))


def overrides(*names):
    """Some fields of a valid form replaced by garbage, or left out."""
    return st.dictionaries(st.sampled_from(names), st.one_of(any_value, st.none()), max_size=len(names))


def merged(base: dict, changes: dict) -> dict:
    data = base | changes
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture(scope="module")
def portal(migrated_database, tmp_path_factory):
    with portal_app(migrated_database, tmp_path_factory.mktemp("fuzz")) as app:
        make = Factory(app)
        office = make.office()
        own, other = make.unit("幸福社区", parent=office), make.unit("和平社区", parent=office)
        users = {"reporter": make.user(own, "reporter", "signer", username="reporter"),
                 "editor": make.user(office, "editor", username="editor"),
                 "admin": make.user(office, "admin", username="admin"),
                 "other": make.user(other, "reporter", username="other_reporter")}
        clients = {}
        for role, user in users.items():
            clients[role] = app.test_client()
            login(clients[role], user)
        fields = SolicitationFields(topic="今冬明春安全生产隐患排查整治情况", requirements="请反映主要隐患和整改措施。",
                                    deadline=utcnow() + timedelta(days=3), unit_ids={own.id})
        with app.test_request_context(method="POST"):
            solicitation = issue_solicitation(users["editor"], fields)
        db.session.commit()
        yield SimpleNamespace(app=app, make=make, users=users, clients=clients, own=own, other=other, office=office,
                              solicitation=solicitation,
                              draft=make.item(users["reporter"]),
                              submitted=make.item(users["other"], "submitted", signer=make.user(other, "signer"),
                                                  editor=users["editor"]))


def assert_nothing_stored_with_control_characters():
    # PostgreSQL refuses NUL in text: a NUL that reached the database here would be a 500 there.
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).mappings():
            for column, value in row.items():
                if isinstance(value, str):
                    assert not CONTROL_CHARACTERS.search(value), f"{table.name}.{column} = {value!r}"


def assert_no_half_records():
    db.session.rollback()
    db.session.expire_all()
    assert_nothing_stored_with_control_characters()
    items = db.session.scalars(select(Item)).all()
    for item in items:
        assert item.title.strip() and item.body.strip() and item.unit_id and item.author_id and item.form_key
        assert item.status and item.category
        assert item.events or item.status == "draft", f"item {item.id} has no history"
    assert db.session.scalar(select(func.count(ItemEvent.id)).where(ItemEvent.item_id.is_(None))) == 0
    for solicitation in db.session.scalars(select(Solicitation)):
        assert solicitation.topic.strip() and solicitation.targets, f"solicitation {solicitation.id} is half-stored"


def send(client, method, url, data):
    if method == "GET":
        response = client.get(url, query_string=data)
    else:
        response = client.post(url, data=data)
    response.close()
    assert response.status_code < 500, f"{method} {url} {data!r}"
    assert response.status_code in (200, 302, 400, 404), (response.status_code, url)
    assert_no_half_records()
    return response


ITEM_FIELDS = ("title", "body", "category", "event_end", "major", "follow_up_of_id", "solicitation_id", "intent",
               "form_key", "caption-1", "remove-1")
ITEM_FORM = {"title": "幸福社区开展消防安全入户宣传", "body": "组织网格员入户讲解消防知识。", "category": "work",
             "follow_up_of_id": "0", "intent": "save"}


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["username", "password", "next", "csrf_token"]), any_value, max_size=4))
def test_login(portal, data):
    send(portal.app.test_client(), "POST", "/login", data)


@FUZZ
@given(changes=overrides(*ITEM_FIELDS))
def test_new_item(portal, changes):
    send(portal.clients["reporter"], "POST", "/items/new", merged(ITEM_FORM, changes))


@FUZZ
@given(changes=overrides(*ITEM_FIELDS))
def test_edit_item(portal, changes):
    send(portal.clients["reporter"], "POST", f"/items/{portal.draft.id}/edit", merged(ITEM_FORM, changes))


@FUZZ
@given(changes=overrides(*ITEM_FIELDS))
def test_answer_solicitation(portal, changes):
    base = ITEM_FORM | {"solicitation_id": str(portal.solicitation.id)}
    send(portal.clients["reporter"], "POST", "/items/new", merged(base, changes))


@FUZZ
@given(changes=overrides("title", "body"), action=st.sampled_from(["review", "act/accept", "act/return", "act/adopt"]),
       decision=overrides("comment", "adopted_on"))
def test_review_and_decide(portal, changes, action, decision):
    data = merged({"title": "编辑改过的标题", "body": "编辑改过的正文。"}, changes) | merged({}, decision)
    send(portal.clients["editor"], "POST", f"/items/{portal.submitted.id}/{action}", data)


SOLICITATION_FIELDS = ("topic", "requirements", "deadline_date", "deadline_hour", "groups", "units", "contact_name",
                       "room", "phone", "email", "by_phone", "called_date", "called_hour")


@FUZZ
@given(changes=overrides(*SOLICITATION_FIELDS))
def test_issue_solicitation(portal, changes):
    base = {"topic": "今冬明春安全生产隐患排查整治情况", "requirements": "请反映主要隐患和整改措施。",
            "deadline_date": (to_local(utcnow()).date() + timedelta(days=5)).isoformat(), "deadline_hour": "17",
            "contact_name": "王敏", "units": [str(portal.own.id)]}
    send(portal.clients["editor"], "POST", "/solicitations/new", merged(base, changes))


@FUZZ
@given(changes=overrides("name", "kind", "parent_id", "tier_id", "sort_order", "active"))
def test_unit_admin(portal, changes):
    base = {"name": "新建社区", "kind": "community", "parent_id": str(portal.office.id), "tier_id": "0",
            "sort_order": "0", "active": "y"}
    send(portal.clients["admin"], "POST", "/units/new", merged(base, changes))


@FUZZ
@given(changes=overrides("username", "name", "unit_id", "roles", "phone", "email"))
def test_user_admin(portal, changes):
    base = {"username": "new_user", "name": "新用户", "unit_id": str(portal.own.id), "roles": "reporter"}
    send(portal.clients["admin"], "POST", "/admin/users/new", merged(base, changes))


QUERIES = [
    ("editor", "/inbox", ("q", "unit", "category", "status", "date_from", "date_to", "page")),
    ("reporter", "/items/unit", ("status", "page")),
    ("reporter", "/items/new", ("follow_up_of", "solicitation")),
    ("editor", "/editions", ("publication", "q")),
    ("editor", "/scores", ("tier",)),
    ("admin", "/admin/deliveries", ("status", "page")),
    ("admin", "/admin/targets", ("year",)),
    ("reporter", "/notifications", ("page", "status")),
]


@FUZZ
@given(query=st.sampled_from(QUERIES), data=st.data())
def test_filters_and_query_strings(portal, query, data):
    role, url, names = query
    send(portal.clients[role], "GET", url, data.draw(st.dictionaries(st.sampled_from(names), any_value, max_size=4)))


@FUZZ
@given(number=st.integers(min_value=2**31, max_value=10**40),
       url=st.sampled_from(["/items/{}", "/items/{}/edit", "/photos/{}", "/photos/{}/thumb", "/solicitations/{}",
                            "/roster/units/{}", "/scores/units/{}", "/editions/{}", "/bulletins/{}"]))
def test_ids_beyond_any_row(portal, number, url):
    client = portal.clients["editor" if "edit" not in url else "reporter"]
    assert send(client, "GET", url.format(number), {}).status_code == 404


@pytest.mark.parametrize("role, url, name", [(role, url, name) for role, url, names in QUERIES for name in names])
def test_a_number_beyond_any_row_in_a_query_string(portal, role, url, name):
    for value in ("9" * 30, "-" + "9" * 30, str(2**63)):
        send(portal.clients[role], "GET", url, {name: value})


def test_control_characters_are_dropped_from_what_is_stored(portal):
    form = ITEM_FORM | {"title": "标题\x00含\x1b控制符", "body": "第一行\r\n第二行\t制表\x7f", "form_key": ""}
    send(portal.clients["reporter"], "POST", "/items/new", form)
    item = db.session.scalar(select(Item).where(Item.title == "标题含控制符"))
    assert item is not None and item.body == "第一行\r\n第二行\t制表"
