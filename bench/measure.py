"""Timing the pages, round by round, on every database in one process.

Each round runs every (page, variant) once in a shuffled order, so that a slow moment of the shared
machine hits every variant alike. Variants: the page on the full data set, the page on the small one,
and the page's template rendered from in-memory objects (the context the view built, captured once
and re-rendered: no database work unless the template itself queries).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import time_machine
from django.db import connection
from django.template import Template as EngineTemplate
from django.template.loader import get_template
from django.test import Client
from django.test.signals import template_rendered
from django.test.utils import instrumented_test_render
from django.urls import NoReverseMatch, reverse

from clinic.models import Chair, Patient, User
from sessions.models import ProtocolPhase

from . import dataset
from .databases import BenchDB
from .writes import Writes


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Page:
    key: str
    label: str
    role: str  # "nurse", "admin", "patient"
    url: Callable[[dict], str]  # scenario -> URL
    rows: tuple | None = None  # (label, role/user key, url fn, travel date) for 5 and 60 rows
    floor: bool = False  # the cost of any logged-in request (middleware, session), no template
    write: str = ""  # a write path (``bench.writes`` kind): a POST on a fresh target, answered with a redirect


@dataclass
class Samples:
    times: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        failed = {"errors": len(self.errors), **({"first_errors": self.errors[:3]} if self.errors else {})}
        if not self.times:
            return {"n": 0, **failed}
        ordered = sorted(self.times)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered) + 0.5)) - 1)]
        return {
            "n": len(ordered),
            "median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(p95 * 1000, 2),
            "queries": max(self.queries) if self.queries else None,
            **failed,
        }


def _safe_reverse(name: str, *args, query: str = "") -> str | None:
    try:
        return reverse(name, args=args) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return None


PAGES = [
    Page("bare", "Bare Django view (anonymous)", "anon", lambda sc: _safe_reverse("bench_bare"), floor=True),
    Page("floor", "Request floor (logged in, /healthz)", "nurse", lambda sc: _safe_reverse("healthz"), floor=True),
    Page(
        "board",
        "Staff day board",
        "nurse",
        lambda sc: _safe_reverse("staff_home"),
        rows=(("d5", "d60"),),
    ),
    Page(
        "week",
        "Admin week calendar",
        "admin",
        lambda sc: _safe_reverse("calendar_week", query=f"start={sc['week0']}"),
        rows=(("w5", "w60"),),
    ),
    Page("portal", "Patient portal", "patient", lambda sc: _safe_reverse("portal_home"), rows=(("p5", "p60"),)),
    Page(
        "record",
        "Session record",
        "nurse",
        lambda sc: _safe_reverse("session_detail", sc["record_session_id"]),
        rows=(("r5", "r60"),),
    ),
    # Issue 12: more of what users wait for (no 5/60-row variant of their own).
    Page("monitor", "Monitor board (patients in chairs)", "nurse", lambda sc: _safe_reverse("monitor_board")),
    Page(
        "day",
        "Day calendar by chair (20 chairs)",
        "admin",
        lambda sc: _safe_reverse("calendar_day", query=f"date={sc['today']}"),
        rows=(("d5", "d60"),),
    ),
    Page("rems", "REMS list", "nurse", lambda sc: _safe_reverse("rems_list")),
    Page(
        "patient",
        "Patient record with charts (60 sessions)",
        "nurse",
        lambda sc: _safe_reverse("patient_detail", sc["p60_patient_id"]),
        rows=(("p5", "p60"),),
    ),
    *(
        Page(
            f"report-{slug}",
            f"Billing report: {slug}",
            "admin",
            lambda sc, slug=slug: _safe_reverse("billing_report", slug),
        )
        for slug in ("revenue-by-month", "revenue-by-protocol", "outstanding-by-age", "by-payer", "cost-per-course")
    ),
    # The write paths: each round POSTs on a target of its own (``bench.writes``), made and removed untimed.
    Page(
        "vitals",
        "Write: record vitals (POST, redirect)",
        "nurse",
        lambda sc: _safe_reverse("session_vitals", 1),
        write="vitals",
    ),
    Page(
        "device",
        "Write: record a device (POST, redirect)",
        "nurse",
        lambda sc: _safe_reverse("session_device", 1),
        write="device",
    ),
    Page(
        "discharge",
        "Write: discharge + its charge (POST)",
        "nurse",
        lambda sc: _safe_reverse("session_discharge", 1),
        write="discharge",
    ),
    Page(
        "book",
        "Write: book a session (POST, redirect)",
        "admin",
        lambda sc: _safe_reverse("course_book_session", 1),
        write="book",
    ),
    Page(
        "course",
        "Write: plan + book a 12-session course",
        "admin",
        lambda sc: _safe_reverse("course_create"),
        write="course",
    ),
    Page(
        "audit",
        "Audit-log search (one patient)",
        "admin",
        lambda sc: _safe_reverse("audit_log", query=f"kind=changes&patient=%23{sc['p60_patient_id']}"),
    ),
]


def now_of(sc: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(sc["now"])


class Runner:
    def __init__(self, dbs: list[BenchDB], scenario: dict, seed: int = dataset.SEED):
        self.dbs = dbs
        self.sc = scenario
        self.rng = random.Random(seed)
        self.clients: dict[tuple[str, str], Client] = {}
        self.memory: dict[str, tuple] = {}
        self.notes: list[str] = []
        self.writes = Writes(scenario, seed)

    # -- helpers --------------------------------------------------------------------------------

    def user_id(self, who: str) -> int:
        return {
            "nurse": self.sc["nurse_id"],
            "admin": self.sc["admin_id"],
            "patient": self.sc["portal_patient_user_id"],
            "p5": self.sc["p5_user_id"],
            "p60": self.sc["p60_user_id"],
        }[who]

    def client(self, db: BenchDB, who: str) -> Client:
        key = (db.label, who)
        if key not in self.clients:
            db.activate()
            client = Client(raise_request_exception=False)
            if who != "anon":
                client.force_login(User.objects.get(pk=self.user_id(who)))
            self.clients[key] = client
        return self.clients[key]

    def get(self, db: BenchDB, who: str, url: str, post: dict | None = None) -> tuple[float, int, int]:
        client = self.client(db, who)
        db.activate()
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            response = client.get(url) if post is None else client.post(url, post)
            elapsed = time.perf_counter() - t0
        # A write path answers with a redirect to the page it came from: that is its success.
        status = 200 if post is not None and response.status_code == 302 else response.status_code
        return elapsed, counter.count, status

    def write(self, db: BenchDB, page: Page) -> tuple[float, int, int | str]:
        """One write path on a target of its own: made, POSTed (timed), checked and removed."""
        db.activate()
        try:
            target = self.writes.prepare(page.write)
            elapsed, queries, status = self.get(db, page.role, target.url, target.data)
            missing = target.verify() if status == 200 else ""
        finally:
            self.writes.purge()
        if missing:
            status = f"HTTP 302 but {missing}"
        elif status != 200:
            status = f"HTTP {status}, not a redirect"
        return elapsed, queries, status

    # -- the in-memory baseline -----------------------------------------------------------------

    def capture(self, db: BenchDB, page: Page, url: str) -> None:
        """Render the page once with template instrumentation and keep its top-level context."""
        captured = []

        def on_render(sender, template, context, **kwargs):
            if not captured:
                captured.append((template.name, context))

        original = EngineTemplate._render
        EngineTemplate._render = instrumented_test_render
        template_rendered.connect(on_render)
        try:
            self.get(db, page.role, url)
        finally:
            EngineTemplate._render = original
            template_rendered.disconnect(on_render)
        if not captured:
            self.notes.append(f"{page.label}: no template rendered, no in-memory baseline")
            return
        name, context = captured[0]
        flat = context.flatten()
        request = getattr(context, "request", None)
        self.memory[page.key] = (get_template(name), flat, request)

    def render_memory(self, page: Page) -> tuple[float, int]:
        template, flat, request = self.memory[page.key]
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            template.render(flat, request)
            elapsed = time.perf_counter() - t0
        return elapsed, counter.count

    # -- course planning (a service, no template) -----------------------------------------------

    def plan(self, db: BenchDB, count: int) -> tuple[float, int, int]:
        from sessions.scheduling.planning import plan_phase

        db.activate()
        phase = ProtocolPhase.objects.get(protocol__slug="esketamine-trd", order=1)
        patient = Patient.objects.get(pk=self.sc["planning_patient_id"])
        start = now_of(self.sc).date() + dt.timedelta(days=1)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            slots = plan_phase(
                phase=phase, start_date=start, weekdays=[0, 3], time=dt.time(10, 15), patient=patient, count=count
            )
            elapsed = time.perf_counter() - t0
        return elapsed, counter.count, len(slots)

    # -- the rounds -----------------------------------------------------------------------------

    def run(self, rounds: int, warmup: int, progress: Callable[[str], None] | None = None) -> dict:
        results: dict[str, dict[str, Samples]] = {}
        tasks = []
        small = self.dbs[-1]
        with time_machine.travel(now_of(self.sc), tick=True):
            for page in PAGES:
                url = page.url(self.sc)
                if url is None:
                    self.notes.append(f"{page.label}: the page does not exist yet (URL not found)")
                    continue
                results[page.key] = {db.label: Samples() for db in self.dbs}
                if not page.floor and not page.write:
                    self.capture(small, page, url)
                if page.key in self.memory:
                    results[page.key]["memory"] = Samples()
                    tasks.append((page, "memory", url))
                tasks += [(page, db, url) for db in self.dbs]
            try:
                from sessions.scheduling import planning  # noqa: F401

                results["plan"] = {db.label: Samples() for db in self.dbs}
                tasks += [("plan", db, None) for db in self.dbs]
            except ImportError:
                self.notes.append("Course planning: no planner service yet")
            for r in range(warmup + rounds):
                self.rng.shuffle(tasks)
                for page, variant, url in tasks:
                    key = page if page == "plan" else page.key
                    try:
                        if variant == "memory":
                            small.activate()
                            elapsed, queries = self.render_memory(page)
                            status = 200
                        elif page == "plan":
                            elapsed, queries, n = self.plan(variant, 12)
                            status = 200 if n == 12 else 500
                        elif page.write:
                            elapsed, queries, status = self.write(variant, page)
                        else:
                            elapsed, queries, status = self.get(variant, page.role, url)
                    except Exception as exc:  # reported, never hidden
                        elapsed, queries, status = 0.0, 0, f"{type(exc).__name__}: {exc}"
                    label = variant if isinstance(variant, str) else variant.label
                    samples = results[key][label]
                    if status != 200:
                        samples.errors.append(str(status))
                    elif r >= warmup:
                        samples.times.append(elapsed)
                        samples.queries.append(queries)
                if progress and (r + 1) % 50 == 0:
                    progress(f"round {r + 1}/{warmup + rounds}")
        return {key: {label: s.summary() for label, s in by.items()} for key, by in results.items()}

    def count_queries(self, db: BenchDB, who: str, url: str, at: dt.datetime) -> int | str:
        """Queries of a second request (the first warms), logged in afresh at ``at`` (idle time-out)."""
        with time_machine.travel(at, tick=True):
            self.clients.pop((db.label, who), None)
            self.get(db, who, url)
            _, queries, status = self.get(db, who, url)
            self.clients.pop((db.label, who), None)
        return queries if status == 200 else f"HTTP {status}"

    def chairs_check(self, db: BenchDB) -> dict:
        """Today's day calendar with 4 active chairs and with all 20: the same queries?"""
        url = _safe_reverse("calendar_day", query=f"date={self.sc['today']}")
        db.activate()
        chairs = list(Chair.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
        off = chairs[4:]
        try:
            Chair.objects.filter(pk__in=off).update(is_active=False)
            four = self.count_queries(db, "admin", url, now_of(self.sc))
        finally:
            Chair.objects.filter(pk__in=off).update(is_active=True)
        many = self.count_queries(db, "admin", url, now_of(self.sc))
        return {"chairs": [4, len(chairs)], "chairs_few": four, "chairs_all": many, "chairs_same": four == many}

    def rows_check(self) -> dict:
        """Query counts with 5 rows and with 60 (the same page, another day / week / patient / record)."""
        out = {}
        db = self.dbs[-1]
        sc = self.sc
        day_at = {
            k: dt.datetime.combine(dt.date.fromisoformat(sc[k]), dataset.NOW_TIME, tzinfo=dataset.TZ)
            for k in ("d5", "d60")
        }
        cases = {
            "board": [("nurse", _safe_reverse("staff_home"), day_at[k]) for k in ("d5", "d60")],
            "week": [
                ("admin", _safe_reverse("calendar_week", query=f"start={sc[k]}"), now_of(sc)) for k in ("w5", "w60")
            ],
            "portal": [(k, _safe_reverse("portal_home"), now_of(sc)) for k in ("p5", "p60")],
            "record": [
                ("nurse", _safe_reverse("session_detail", sc[f"{k}_session_id"]), now_of(sc)) for k in ("r5", "r60")
            ],
            "day": [("admin", _safe_reverse("calendar_day", query=f"date={sc[k]}"), now_of(sc)) for k in ("d5", "d60")],
            "patient": [
                ("nurse", _safe_reverse("patient_detail", sc[f"{k}_patient_id"]), now_of(sc)) for k in ("p5", "p60")
            ],
        }
        for key, pair in cases.items():
            counts = []
            for who, url, at in pair:
                if url is None:
                    break
                counts.append(self.count_queries(db, who, url, at))
            if len(counts) == 2:
                out[key] = {"rows_5": counts[0], "rows_60": counts[1], "same": counts[0] == counts[1]}
        if "day" in out:
            out["day"].update(self.chairs_check(db))
        if "plan" not in out:
            try:
                with time_machine.travel(now_of(sc), tick=True):
                    by_length = {n: self.plan(db, n)[1] for n in (4, 12, 24, 48)}
                out["plan"] = {"queries_by_length": by_length, "bounded": len(set(by_length.values())) == 1}
            except ImportError:
                pass
        return out
