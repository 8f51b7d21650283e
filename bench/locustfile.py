"""Locust users for bench/load.py: the busiest hour before a weekly deadline on the generated city.

Reporters open their dashboard and lists and file items with a phone photo, sent for signing;
signers work their sign-off queue; editors filter the inbox, open items and look at the ranking.
HelloUser only asks for /bench/hello (bench/wsgi_bench.py). Pace: BENCH_PACE tasks a second per
user on average, each pause drawn at random (0: as fast as the server answers). Accounts are the generator's r<N>, s<N>, bench_editor."""
import os
import random
import re

from locust import HttpUser, constant, task

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


class PortalUser(HttpUser):
    abstract = True
    wait_time = paced if PACE else constant(0)

    def account(self) -> str:
        raise NotImplementedError

    def on_start(self) -> None:
        self.unit = random.randint(1, UNITS)
        token = TOKEN.search(self.client.get("/login", name="login").text).group(1)
        self.client.post("/login", data={"username": self.account(), "password": "x", "csrf_token": token},
                         name="login")
        self.token = TOKEN.search(self.client.get("/", name="home").text).group(1)


class Reporter(PortalUser):
    weight = 6

    def account(self) -> str:
        return f"r{self.unit}"

    # The busiest hour: every unit looks at its dashboard again and again; filing is one task in 46,
    # some 2,000 items with a photo an hour at 50 requests/s (300 units, seven items each).
    @task(30)
    def dashboard(self):
        self.client.get("/unit", name="dashboard")

    @task(10)
    def own_items(self):
        self.client.get("/items", name="unit items")

    @task(5)
    def own_score(self):
        self.client.get("/scores/mine", name="own score")

    @task(1)
    def file_item(self):
        form = self.client.get("/items/new", name="item form").text
        topic = random.choice(TOPICS)
        self.client.post("/items/new", name="file item with photo", data={
            "csrf_token": self.token, "form_key": FORM_KEY.search(form).group(1), "title": f"本社区开展{topic}工作",
            "category": random.choice(CATEGORIES), "body": f"近日，本社区组织开展{topic}工作，入户走访群众120余户。" * 5,
            "follow_up_of_id": "0", "solicitation_id": "0", "intent": "send",
        }, files={"photos": ("photo.jpg", PHOTO, "image/jpeg")})


class Signer(PortalUser):
    weight = 2

    def account(self) -> str:
        return f"s{self.unit}"

    @task(3)
    def queue(self):
        self.waiting = ITEM_LINK.findall(self.client.get("/signoff", name="sign-off queue").text)

    @task(2)
    def sign(self):
        if getattr(self, "waiting", None):
            item_id = self.waiting.pop()
            self.client.post(f"/items/{item_id}/act/sign", data={"csrf_token": self.token, "comment": ""},
                             name="sign item")


class Editor(PortalUser):
    weight = 2

    def account(self) -> str:
        return "bench_editor"

    @task(5)
    def inbox_filtered(self):
        filters = {"status": random.choice(STATUSES), "category": random.choice(CATEGORIES + [""])}
        if random.random() < 0.3:
            # A city has more units than a select holds: the filter takes part of a name (the generator's
            # names end in the unit's four-digit number).
            filters["unit_name"] = f"{random.randint(1, UNITS):04d}"
        if random.random() < 0.2:
            filters["q"] = random.choice(TOPICS)
        page = self.client.get("/inbox", params=filters, name="inbox with filters").text
        self.seen = ITEM_LINK.findall(page) or getattr(self, "seen", [])

    @task(3)
    def item_page(self):
        if getattr(self, "seen", None):
            self.client.get(f"/items/{random.choice(self.seen)}", name="item page")

    @task(2)
    def ranking(self):
        self.client.get("/scores", name="ranking")


class HelloUser(HttpUser):
    wait_time = constant(0)

    @task
    def hello(self):
        self.client.get("/bench/hello", name="hello")
