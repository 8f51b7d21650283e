"""Every route of app.url_map, as each role, with hypothesis-generated values in every query-string
parameter and form field it takes: never a server error (ASVS V2.2; the outside test's year-9999 item and
twenty-digit page numbers). tests/web/test_fuzz.py fuzzes the main forms in depth; this one is wide.

What a route takes is found, not listed: every page is fetched as every role and its forms (fields and the
values a browser would send unchanged) and links (query-string names) are read; the names the code reads
from request.args are added for every GET route. A route's examples start from its valid form (the page's
own values, or the permission test's POST_DATA) with some fields replaced, so a generated value reaches the
service behind the validation of the others.

Budget: the `ci` hypothesis profile (the default) sends a few examples per route and role and the module
runs in well under a minute on SQLite; HYPOTHESIS_PROFILE=thorough sends many more."""
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import MethodNotAllowed, NotFound

from portal.extensions import db, utcnow
from tests.conftest import Factory, build_world, login, portal_app
from tests.web.test_permissions import BUILDERS, EXPECTATIONS, NONE, POST_DATA, ROLES, actor_of

settings.register_profile("ci", max_examples=3, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("thorough", max_examples=60, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
EXAMPLES = settings.get_profile(PROFILE).max_examples

# Values that broke pages before: years a date computation cannot shift, numbers no column holds, text
# where a number or a file is expected. Hypothesis draws them often, and arbitrary text besides.
EDGES = ["0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", "1999-12-31", "2101-01-01",
         "2026-02-30", "2026-13-01", "99999999999999999999", "-99999999999999999999", "2147483648", "-1", "0",
         "1e309", "NaN", "²", "1_0", "abc", "", " ", "\x00", "9" * 5000, "on", "y", "save", "send"]
value = st.one_of(
    st.sampled_from(EDGES),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(str),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
)
values = st.one_of(value, st.lists(value, min_size=2, max_size=3))


class _Page(HTMLParser):
    """The forms of a page (action, method, fields with the values sent unchanged) and its links."""

    def __init__(self):
        super().__init__()
        self.forms, self.links, self._form, self._select, self._textarea = [], [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "option" and self._select and self._form is not None:
            # the selected option, or the first: what the browser sends for an untouched select
            if "selected" in attrs or self._select not in self._form.data:
                self._form.data[self._select] = attrs.get("value", "")
        elif tag == "form":
            self._form = SimpleNamespace(action=attrs.get("action") or "", method=(attrs.get("method") or "get").upper(),
                                         names={}, data={})
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name"):
            return
        elif tag == "input":
            name, kind = attrs["name"], attrs.get("type", "text")
            self._form.names.setdefault(name, kind)
            if kind in ("checkbox", "radio") and "checked" not in attrs or kind in ("submit", "file"):
                return
            self._form.data.setdefault(name, attrs.get("value", ""))
        elif tag == "select":
            self._select = attrs["name"]
            self._form.names[self._select] = "select"
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._form.names[self._textarea] = "textarea"
            self._form.data[self._textarea] = ""
        elif tag == "button":
            self._form.names[attrs["name"]] = "button"

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form.data[self._textarea] += data

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def _source_query_names() -> set[str]:
    """The query-string names the portal's code reads."""
    source = "\n".join(path.read_text(encoding="utf-8") for path in Path("portal").rglob("*.py"))
    return set(re.findall(r"""(?:args\.get|query_int)\(["'](\w+)["']""", source)) | {"page"}


def _first_target(endpoint: str) -> str:
    methods = EXPECTATIONS.get(endpoint, {})
    targets = [t for method in ("GET", "POST") for t in methods.get(method, {})]
    return targets[0] if targets else NONE


def _url_values(endpoint, rule, w, make, built: dict) -> dict:
    """The route's URL arguments: objects of the permission test's builders, each route its own (another
    route's examples may delete or send it on), bar the roster request (one may be open at a time)."""
    action, _, name = _first_target(endpoint).rpartition(":")
    values = {"action": action} if action else {}
    for argument in sorted(rule.arguments - {"action"}):
        key = (argument, name) if argument == "request_id" else (endpoint, argument, name)
        if key not in built:
            built[key] = BUILDERS[argument](w, make, w.reporter, name)
        values[argument] = built[key].id
    return values


FILE_ENDINGS = (".pdf", ".xlsx", "/export", "/thumb")


@pytest.fixture(scope="module")
def site(migrated_database, tmp_path_factory):
    with portal_app(migrated_database, tmp_path_factory.mktemp("fuzz-routes")) as app:
        make = Factory(app)
        w = build_world(make)
        rules = {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
        urls, built = {}, {}
        for endpoint, rule in sorted(rules.items()):
            values = _url_values(endpoint, rule, w, make, built)
            with app.test_request_context():
                urls[endpoint] = url_for(endpoint, **values)
        # Every HTML page as every role: its forms say what each route takes.
        adapter = app.url_map.bind("localhost")
        fields = {(endpoint, method): {} for endpoint, rule in rules.items() for method in rule.methods
                  if method in ("GET", "POST")}
        defaults: dict[tuple[str, str], dict] = {}
        query_names = _source_query_names()
        clients = {"anonymous": app.test_client()}
        for role in ROLES[1:]:
            client = clients[role] = app.test_client()
            login(client, actor_of(make, w, role))
            for endpoint, url in urls.items():
                if "GET" not in rules[endpoint].methods or url.endswith(FILE_ENDINGS) or "photo" in endpoint:
                    continue
                response = client.get(url)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                page = _Page()
                page.feed(response.get_data(as_text=True))
                for form in page.forms:
                    target = urlsplit(form.action or url)
                    try:
                        found, _ = adapter.match(target.path, method=form.method)
                    except (NotFound, MethodNotAllowed):
                        continue
                    key = (found, form.method)
                    fields[key] |= {name: "query" for name, _ in parse_qsl(target.query)} | form.names
                    if urlsplit(form.action or url).path == urlsplit(urls[found]).path:
                        defaults.setdefault(key, form.data)
                for link in page.links:
                    target = urlsplit(link)
                    if target.query:
                        try:
                            found, _ = adapter.match(target.path, method="GET")
                        except (NotFound, MethodNotAllowed):
                            continue
                        fields[(found, "GET")] |= {name: "query" for name, _ in
                                                   parse_qsl(target.query, keep_blank_values=True)}
        for endpoint, rule in rules.items():
            if "GET" in rule.methods:
                fields[(endpoint, "GET")] = dict.fromkeys(query_names, "code") | fields[(endpoint, "GET")]
            if "POST" in rule.methods:
                post_data = POST_DATA.get(endpoint, lambda w: {})(w)
                fields[(endpoint, "POST")] = dict.fromkeys(post_data, "text") | fields[(endpoint, "POST")]
                defaults[(endpoint, "POST")] = defaults.get((endpoint, "POST"), {}) | {
                    key: value for key, value in post_data.items() if not isinstance(value, tuple)}  # no file
        db.session.commit()
        yield SimpleNamespace(app=app, world=w, urls=urls, fields=fields, defaults=defaults, rules=rules,
                              clients=clients, now=utcnow())


ALLOWED_CODES = {200, 302, "done", "kept", "gone"}


def _allowed_roles(endpoint: str) -> list[str]:
    """The roles the permission matrix lets through on some object of the route."""
    rows = [row for targets in EXPECTATIONS.get(endpoint, {}).values() for row in targets.values()]
    return [role for index, role in enumerate(ROLES) if role != "anonymous"
            and any(row[index] in ALLOWED_CODES for row in rows)]


def _endpoints():
    """Every route; the account pages last and logging out at the very end, since they end the
    module's sessions (a later route would then see only the login page)."""
    from tests.web.test_permissions import ENDPOINTS
    return sorted(ENDPOINTS, key=lambda endpoint: (endpoint.startswith("auth."), endpoint == "auth.logout", endpoint))


# Sent to each field a page showed, whatever else hypothesis draws: the values that reach a date
# computation or an integer column, by the kind of input. Text is hypothesis's alone.
EDGES_BY_KIND = {
    "date": ["0001-01-01", "9999-12-31"],
    "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59"],
    "file": ["abc"],  # text where a file is expected
    "text": [], "textarea": [], "password": [], "email": [], "search": [], "checkbox": [], "submit": [],
}
NUMBER_EDGES = ["99999999999999999999"]


@pytest.mark.parametrize("endpoint", _endpoints())
def test_no_value_in_any_parameter_of_any_route_is_a_server_error(site, clock, endpoint):
    # Each test starts on the suite's moment; the module's session cookies were signed later, and a
    # signature from the future is refused. Carry on from where the last test stopped instead.
    clock.move_to(site.now)
    try:
        _fuzz(site, endpoint)
    finally:
        site.now = utcnow()


def _fuzz(site, endpoint):
    methods = sorted(method for method in site.rules[endpoint].methods if method in ("GET", "POST"))
    url = site.urls[endpoint]
    allowed = _allowed_roles(endpoint) or list(ROLES)

    def request(role, method, changes):
        client = site.clients[role]
        try:  # the test client raises what the app did not handle: a 500 in production
            if method == "GET":
                response = client.get(url, query_string=changes)
            else:
                response = client.post(url, data=site.defaults.get((endpoint, "POST"), {}) | changes)
            response.close()
        except Exception as error:
            pytest.fail(f"{method} {url} as {role}: {changes!r} raised {error!r}")
        finally:
            db.session.rollback()
        assert response.status_code < 500, f"{method} {url} as {role}: {changes!r}"
        return response

    # A file (PDF, spreadsheet, photo) reads no parameter, and rendering one costs: once as a role let in.
    is_file = url.endswith(FILE_ENDINGS) or "photo" in endpoint
    for role in ROLES:  # the page or action as it is, as everyone
        if is_file and role in allowed[1:]:
            continue
        for method in methods:
            response = request(role, method, {})
            if method == "GET" and role != "anonymous" and urlsplit(response.location or "").path == "/login":
                pytest.fail(f"{role} was logged out before {endpoint}: the examples would test nothing")
    cases = [(method, name, kind) for method in methods for name, kind in sorted(site.fields[(endpoint, method)].items())]
    if is_file:
        request(allowed[0], "GET", {name: NUMBER_EDGES[0] for _, name, _ in cases})
        return
    for method, name, kind in cases:
        for edge in EDGES_BY_KIND.get(kind, NUMBER_EDGES):
            request(allowed[0], method, {name: edge})
    if not cases:
        return

    @settings(settings.get_profile(PROFILE))
    @given(case=st.sampled_from(cases), role=st.sampled_from(allowed), data=st.data())
    def send(case, role, data):
        method = case[0]
        names = [name for other, name, _ in cases if other == method]
        changes = {case[1]: data.draw(values)} | data.draw(st.dictionaries(st.sampled_from(names), values, max_size=3))
        request(role, method, changes)

    send()
