"""Locust users for bench/load.py: the busiest hour before a weekly deadline on the generated city.

Reporters open their dashboard and lists and file items with a phone photo, sent for signing;
signers work their sign-off queue; editors filter the inbox, open items and look at the ranking.
Reporter, Signer and Editor are one person each (the fixed pace: 50 of them in the weights 6 : 2 : 2).
BusyHourUser holds one session of each role and draws every task in its share of the hour, so a ramp
sends the same mix of requests at 2 users as at 16 (two role users are a reporter and a signer, no editor:
a cheaper mix, which made throughput seem to fall as users grew). HelloUser only asks for /bench/hello
(bench/wsgi_bench.py). Pace: BENCH_PACE tasks a second per user on average, each pause drawn at random
(0: as fast as the server answers). Accounts are the generator's r<N>, s<N>, bench_editor."""
import os
import random
import re

from locust import HttpUser, constant, task
from locust.clients import HttpSession

from phone_photo import phone_photo

UNITS = int(os.environ.get("BENCH_UNITS", "300"))
PACE = float(os.environ.get("BENCH_PACE", "1"))
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key"[^>]*value="([^"]+)"')
ITEM_LINK = re.compile(r'href="/items/(\d+)"')
CATEGORIES = ["work", "brief", "experience", "research"]
TOPICS = ["防汛", "垃圾分类", "消防", "医保", "供暖"]
STATUSES = ["submitted", "in_review", "adopted", "not_adopted", ""]


PHOTO = phone_photo()


def paced(_user) -> float:
    """Each user's pause before its next task: exponential around 1/PACE, so the users' tasks arrive as
    independent people's do (a Poisson stream, with its natural clumps). Not constant_throughput: locust
    starts users ten at a time (its spawn rate a second) and a fixed pace keeps each ten in step for the
    whole run, ten requests landing in the same millisecond every second, a burst no office produces."""
    return random.expovariate(PACE)


class RoleSession:
    """One logged-in account of a role, with what its tasks remember (the signer's queue, the editor's items)."""

    def __init__(self, client, account: str):
        self.client = client
        token = TOKEN.search(client.get("/login", name="login").text).group(1)
        client.post("/login", data={"username": account, "password": "x", "csrf_token": token}, name="login")
        self.token = TOKEN.search(client.get("/", name="home").text).group(1)
        self.waiting, self.seen = [], []


# The busiest hour: every unit looks at its dashboard again and again; filing is one task in 46, some 2,000
# items with a photo an hour at 50 requests/s (300 units, seven items each).
def dashboard(session: RoleSession) -> None:
    session.client.get("/unit", name="dashboard")


def own_items(session: RoleSession) -> None:
    session.client.get("/items", name="unit items")


def own_score(session: RoleSession) -> None:
    session.client.get("/scores/mine", name="own score")


def file_item(session: RoleSession) -> None:
    form = session.client.get("/items/new", name="item form").text
    topic = random.choice(TOPICS)
    session.client.post("/items/new", name="file item with photo", data={
        "csrf_token": session.token, "form_key": FORM_KEY.search(form).group(1), "title": f"本社区开展{topic}工作",
        "category": random.choice(CATEGORIES), "body": f"近日，本社区组织开展{topic}工作，入户走访群众120余户。" * 5,
        "follow_up_of_id": "0", "solicitation_id": "0", "intent": "send",
    }, files={"photos": ("photo.jpg", PHOTO, "image/jpeg")})


def signoff_queue(session: RoleSession) -> None:
    session.waiting = ITEM_LINK.findall(session.client.get("/signoff", name="sign-off queue").text)


def sign(session: RoleSession) -> None:
    if session.waiting:
        item_id = session.waiting.pop()
        session.client.post(f"/items/{item_id}/act/sign", data={"csrf_token": session.token, "comment": ""},
                            name="sign item")


def inbox_filtered(session: RoleSession) -> None:
    filters = {"status": random.choice(STATUSES), "category": random.choice(CATEGORIES + [""])}
    if random.random() < 0.3:
        # A city has more units than a select holds: the filter takes part of a name (the generator's
        # names end in the unit's four-digit number).
        filters["unit_name"] = f"{random.randint(1, UNITS):04d}"
    if random.random() < 0.2:
        filters["q"] = random.choice(TOPICS)
    page = session.client.get("/inbox", params=filters, name="inbox with filters").text
    session.seen = ITEM_LINK.findall(page) or session.seen


def item_page(session: RoleSession) -> None:
    if session.seen:
        session.client.get(f"/items/{random.choice(session.seen)}", name="item page")


def ranking(session: RoleSession) -> None:
    session.client.get("/scores", name="ranking")


# role: (its weight among the hour's people, its account for a unit, its tasks and their weights)
ROLES = {
    "reporter": (6, lambda unit: f"r{unit}", {dashboard: 30, own_items: 10, own_score: 5, file_item: 1}),
    "signer": (2, lambda unit: f"s{unit}", {signoff_queue: 3, sign: 2}),
    "editor": (2, lambda _unit: "bench_editor", {inbox_filtered: 5, item_page: 3, ranking: 2}),
}


def _run(tasks: dict, session: RoleSession) -> None:
    random.choices(list(tasks), weights=list(tasks.values()))[0](session)


class RoleUser(HttpUser):
    abstract = True
    wait_time = paced if PACE else constant(0)
    role = ""

    def on_start(self) -> None:
        self.session = RoleSession(self.client, ROLES[self.role][1](random.randint(1, UNITS)))

    @task
    def next_task(self) -> None:
        _run(ROLES[self.role][2], self.session)


class Reporter(RoleUser):
    weight, role = ROLES["reporter"][0], "reporter"


class Signer(RoleUser):
    weight, role = ROLES["signer"][0], "signer"


class Editor(RoleUser):
    weight, role = ROLES["editor"][0], "editor"


class BusyHourUser(HttpUser):
    """A session of each role (one unit's reporter and signer, the editor); each task is drawn from the
    hour's whole mix: a role by the roles' weights, then one of its tasks by theirs."""
    wait_time = paced if PACE else constant(0)

    def on_start(self) -> None:
        unit = random.randint(1, UNITS)
        self.sessions = {
            role: RoleSession(HttpSession(base_url=self.host, request_event=self.environment.events.request,
                                          user=self), account(unit))
            for role, (_weight, account, _tasks) in ROLES.items()}

    @task
    def next_task(self) -> None:
        role = random.choices(list(ROLES), weights=[weight for weight, _account, _tasks in ROLES.values()])[0]
        _run(ROLES[role][2], self.sessions[role])


class HelloUser(HttpUser):
    wait_time = constant(0)

    @task
    def hello(self):
        self.client.get("/bench/hello", name="hello")
