"""A clinic morning: nurses recording vitals, admins booking, patients opening the portal.

Run by loadtest/run.sh against gunicorn on 127.0.0.1 only. Every write the server confirms is counted
here and checked against the database afterwards (loadtest/verify.py): nothing may fail or get lost.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import zoneinfo
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

from gevent.event import Event
from locust import HttpUser, between, events, task

OUT = Path(os.environ.get("LOADTEST_OUT", Path(__file__).parent / "out"))
SEED = json.loads((OUT / "seed.json").read_text())
MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS", "20000"))
TZ = zoneinfo.ZoneInfo(SEED["tz"])
CONFIRMED: Counter = Counter()
# Logins (PBKDF2, deliberately slow) are measured apart: the statistics restart once every user is in.
LOGGED_IN = Counter()
ALL_IN = Event()
# The scale-out drill runs one locust per server: LOADTEST_SHARD=k/n gives this one every n-th course.
_SHARD, _SHARDS = (int(x) for x in os.environ.get("LOADTEST_SHARD", "0/1").split("/"))
SEED["courses"] = [c for i, c in enumerate(SEED["courses"]) if i % _SHARDS == _SHARD]
# Each course books one session a week at its own chair and time: no two bookings may collide.
# The capacity mode (run.sh … capacity) runs locust once per step: each step books further weeks, from the
# week after the last one the step before used (written to next_week at the end; the app books at most two
# years ahead, so the weeks must not be skipped in big jumps).
NEXT_WEEK = {c["id"]: itertools.count(int(os.environ.get("LOADTEST_WEEK_OFFSET", "0"))) for c in SEED["courses"]}
LAST_WEEK = [int(os.environ.get("LOADTEST_WEEK_OFFSET", "0")) - 1]
# Think times are scaled by LOADTEST_THINK (1 = a clinic's pace; the capacity mode uses less).
THINK = float(os.environ.get("LOADTEST_THINK", "1"))


@events.test_start.add_listener
def _only_loopback(environment, **kwargs):
    host = urlparse(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"The load test only runs against a loopback address, not {host!r}.")


@events.request.add_listener
def _bound(request_type, name, response_time, response_length, exception, context, **kwargs):
    runner = _bound.runner
    if runner is not None and runner.stats.total.num_requests >= MAX_REQUESTS:
        runner.quit()


_bound.runner = None


@events.init.add_listener
def _keep_runner(environment, **kwargs):
    _bound.runner = environment.runner


@events.quitting.add_listener
def _write_counts(environment, **kwargs):
    (OUT / "confirmed.json").write_text(json.dumps(dict(CONFIRMED), indent=2))
    (OUT / "next_week").write_text(str(LAST_WEEK[0] + 1))


def _logged_in(environment) -> None:
    LOGGED_IN["users"] += 1
    expected = getattr(environment.parsed_options, "num_users", None) or 1
    if LOGGED_IN["users"] >= expected and not ALL_IN.is_set():
        login = environment.stats.get("login", "POST")
        (OUT / "logins.json").write_text(
            json.dumps(
                {
                    "logins": login.num_requests,
                    "failures": login.num_failures,
                    "p50_ms": login.get_response_time_percentile(0.5),
                    "p95_ms": login.get_response_time_percentile(0.95),
                    "seconds_until_all_in": round(
                        environment.stats.total.last_request_timestamp - environment.stats.total.start_time, 1
                    ),
                },
                indent=2,
            )
        )
        if login.num_failures == 0:
            environment.stats.reset_all()
        ALL_IN.set()


class ClinicUser(HttpUser):
    abstract = True
    usernames: list[str] = []

    def on_start(self):
        self.username = random.choice(self.usernames)
        self.client.headers["Referer"] = f"{self.host}/"
        self.client.get("/accounts/login/", name="login page")
        self._plain_cookies()
        with self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": SEED["password"], "csrfmiddlewaretoken": self._csrf()},
            allow_redirects=False,
            name="login",
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/accounts/login/" in response.headers.get("Location", ""):
                response.failure(f"login of {self.username} failed: {response.status_code}")
        self._plain_cookies()
        _logged_in(self.environment)
        ALL_IN.wait(timeout=600)

    def _plain_cookies(self):
        # Production cookies are Secure and come again with every response (the session is touched on
        # each request); the loopback test speaks plain HTTP, so it clears the flag after each request.
        for cookie in self.client.cookies:
            cookie.secure = False

    def get(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{name}: HTTP {response.status_code} {response.headers.get('Location', '')}")
        self._plain_cookies()

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def post_form(self, url: str, data: dict, name: str, ok_location: str | None = None) -> bool:
        data = {**data, "csrfmiddlewaretoken": self._csrf()}
        try:
            with self.client.post(url, data, allow_redirects=False, name=name, catch_response=True) as response:
                location = response.headers.get("Location", "")
                if response.status_code != 302:
                    response.failure(f"{name}: HTTP {response.status_code}")
                    return False
                if ok_location and ok_location not in location:
                    response.failure(f"{name}: refused (redirected to {location})")
                    return False
                return True
        finally:
            self._plain_cookies()


class Nurse(ClinicUser):
    weight = 5
    wait_time = between(1 * THINK, 3 * THINK)
    usernames = SEED["nurses"]

    @task(6)
    def record_vitals(self):
        pk = random.choice(SEED["observing"])
        data = {
            "systolic": random.randint(112, 150),
            "diastolic": random.randint(70, 92),
            "heart_rate": random.randint(60, 100),
            "spo2": random.randint(95, 100),
            "taken_at": "",
        }
        if self.post_form(f"/sessions/{pk}/vitals/", data, "record vitals", ok_location=f"/sessions/{pk}/"):
            CONFIRMED["vitals"] += 1

    @task(3)
    def open_record(self):
        self.get(f"/sessions/{random.choice(SEED['observing'])}/", "session record")

    @task(2)
    def day_board(self):
        self.get("/today/", "day board")


class Admin(ClinicUser):
    weight = 2
    wait_time = between(2 * THINK, 5 * THINK)
    usernames = SEED["admins"]

    @task(3)
    def book(self):
        course = random.choice(SEED["courses"])
        week = next(NEXT_WEEK[course["id"]])
        LAST_WEEK[0] = max(LAST_WEEK[0], week)
        day = dt.date.fromisoformat(SEED["first_day"]) + dt.timedelta(weeks=week)
        start = dt.datetime.combine(day, dt.time.fromisoformat(course["time"]), tzinfo=TZ)
        data = {"start": start.strftime("%Y-%m-%d %H:%M"), "chair": course["chair"]}
        if self.post_form(f"/courses/{course['id']}/book/", data, "book a session", ok_location="/bookings/"):
            CONFIRMED["bookings"] += 1

    @task(2)
    def week_calendar(self):
        self.get("/calendar/", "week calendar")

    @task(1)
    def course_page(self):
        self.get(f"/courses/{random.choice(SEED['courses'])['id']}/", "course page")


class Patient(ClinicUser):
    weight = 4
    wait_time = between(2 * THINK, 6 * THINK)
    usernames = SEED["patients"]

    @task
    def portal(self):
        self.get("/portal/", "portal")
