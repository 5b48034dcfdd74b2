#!/usr/bin/env python
"""Scale-out drill: two gunicorn servers and two task workers on one PostgreSQL (127.0.0.1 only).

    scripts/scaleout_drill.py [--users 10] [--duration 40s] [--workers 2]

Creates ``clinic_scaleout_<pid>``, migrates and seeds it (loadtest/seed.py), starts gunicorn on two loopback
ports in production mode, then checks:

1. a session started on server A works on server B; logging out on A ends it on B too;
2. five wrong passwords on A lock the user on B too (django-axes keeps its counters in the database);
3. the load test split over both servers (one locust each, half the courses each): every confirmed
   vitals reading and booking stored once, no chair or patient overlap, no failed request;
4. then the same free slot booked at once through both servers (16 requests): exactly one booking;
5. every due reminder sent exactly once while two schedulers (``send_reminders``) and two task workers
   (``db_worker``) run at the same time: as many emails as due reminders, one ``SentReminder`` each.

Prints one JSON object with the figures; exits 1 when a check fails. The database is dropped afterwards
(``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([PY, *args], cwd=ROOT, env=env, check=True, text=True, capture_output=True, **kwargs)  # noqa: S603


def shell(env: dict, code: str) -> str:
    """The last line ``manage.py shell -c code`` prints ("" if none)."""
    return "".join(run(["manage.py", "shell", "--no-imports", "-c", code], env).stdout.strip().splitlines()[-1:])


class Browser:
    """A user agent with its own cookies; ``at`` picks the server for each request."""

    def __init__(self, servers: dict[str, str]):
        self.servers, self.http = servers, requests.Session()

    def _plain_cookies(self, response: requests.Response) -> requests.Response:
        # Production cookies are Secure; these servers are plain HTTP on loopback (no proxy in front).
        for cookie in self.http.cookies:
            cookie.secure = False
        return response

    def get(self, server: str, path: str) -> requests.Response:
        return self._plain_cookies(self.http.get(self.servers[server] + path, allow_redirects=False, timeout=30))

    def post(self, server: str, path: str, data: dict) -> requests.Response:
        if "csrftoken" not in self.http.cookies:
            self.get(server, "/accounts/login/")
        data = {**data, "csrfmiddlewaretoken": self.http.cookies.get("csrftoken", "")}
        headers = {"Referer": self.servers[server] + path}
        return self._plain_cookies(
            self.http.post(self.servers[server] + path, data=data, headers=headers, allow_redirects=False, timeout=30)
        )

    def login(self, server: str, username: str, password: str) -> requests.Response:
        return self.post(server, "/accounts/login/", {"username": username, "password": password})


def sessions_and_lockout(servers: dict[str, str], seed: dict) -> dict:
    nurse, password = seed["nurses"][0], seed["password"]
    b = Browser(servers)
    login = b.login("A", nurse, password)
    on_b = b.get("B", "/today/")
    logout = b.post("A", "/accounts/logout/", {})
    after_logout = b.get("B", "/today/")
    victim = seed["nurses"][1]
    attacker = Browser(servers)
    for _ in range(5):
        attacker.login("A", victim, "wrong-password")
    locked = Browser(servers).login("B", victim, password)
    return {
        "login_on_A": login.status_code,
        "session_on_B": on_b.status_code,
        "logout_on_A": logout.status_code,
        "after_logout_on_B": f"{after_logout.status_code} {after_logout.headers.get('Location', '')}",
        "right_password_on_B_after_5_wrong_on_A": locked.status_code,
        "ok": login.status_code == 302
        and on_b.status_code == 200
        and after_logout.status_code == 302
        and "/accounts/login/" in after_logout.headers.get("Location", "")
        and locked.status_code == 429,
    }


def same_slot_race(servers: dict[str, str], seed: dict) -> dict:
    course = seed["courses"][-1]
    day = (dt.date.fromisoformat(seed["first_day"]) + dt.timedelta(weeks=30)).isoformat()  # clear of the load
    data = {"start": f"{day} {course['time']}", "chair": course["chair"]}
    answers: list[str] = []
    barrier = threading.Barrier(16)

    def book(i: int) -> None:
        server = "AB"[i % 2]  # each request from its own logged-in browser, alternately through A and B
        b = Browser(servers)
        b.login(server, seed["admins"][i % len(seed["admins"])], seed["password"])
        barrier.wait(timeout=300)
        r = b.post(server, f"/courses/{course['id']}/book/", data)
        answers.append("booked" if "/bookings/" in r.headers.get("Location", "") else f"{r.status_code}")

    threads = [threading.Thread(target=book, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(400)
    booked = answers.count("booked")
    return {"requests": len(answers), "booked": booked, "refused": len(answers) - booked, "ok": booked == 1}


def split_load(servers: dict[str, str], env: dict, out: Path, users: int, duration: str) -> dict:
    procs, outs = [], []
    for shard, (name, url) in enumerate(servers.items()):
        shard_out = out / name
        shard_out.mkdir(exist_ok=True)
        shutil.copy(out / "seed.json", shard_out / "seed.json")
        shard_env = {**env, "LOADTEST_OUT": str(shard_out), "LOADTEST_SHARD": f"{shard}/2"}
        cmd = [
            PY,
            "-m",
            "locust",
            "-f",
            "loadtest/locustfile.py",
            "--headless",
            "--host",
            url,
            "-u",
            str(users),
            "-r",
            "2",
            "-t",
            duration,
            "--stop-timeout",
            "10",
            "--csv",
            str(shard_out / "load"),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=shard_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))  # noqa: S603
        outs.append(shard_out)
    for p in procs:
        p.wait(timeout=900)
    confirmed, requests_, failures = {"vitals": 0, "bookings": 0}, 0, 0
    per_server = {}
    for name, shard_out in zip(servers, outs, strict=True):
        c = json.loads((shard_out / "confirmed.json").read_text())
        total = next(r for r in csv.DictReader((shard_out / "load_stats.csv").open()) if r["Name"] == "Aggregated")
        per_server[name] = {
            "requests": int(total["Request Count"]),
            "failures": int(total["Failure Count"]),
            "rps": round(float(total["Requests/s"]), 1),
            "p95_ms": float(total["95%"]),
            **{k: c.get(k, 0) for k in confirmed},
        }
        for k in confirmed:
            confirmed[k] += c.get(k, 0)
        requests_ += int(total["Request Count"])
        failures += int(total["Failure Count"])
    seed = json.loads((out / "seed.json").read_text())
    with psycopg.connect(env["DATABASE_URL"]) as db:
        vitals = db.execute(
            "SELECT count(*) FROM treatment_vitalsreading WHERE session_id = ANY(%s)", [seed["observing"]]
        ).fetchone()[0]
        bookings = db.execute(
            "SELECT count(*) FROM treatment_treatmentsession s JOIN clinic_user u ON u.id = s.created_by_id "
            "WHERE u.username LIKE 'loadadmin%%'"
        ).fetchone()[0]
        overlaps = {}
        for column in ("chair_id", "patient_id"):
            overlaps[column] = db.execute(
                f"""SELECT count(*) FROM treatment_treatmentsession a JOIN treatment_treatmentsession b
                    ON a.{column} = b.{column} AND a.id < b.id
                    AND a.planned_start < b.planned_end AND b.planned_start < a.planned_end
                    WHERE a.status NOT IN ('cancelled', 'no_show')
                      AND b.status NOT IN ('cancelled', 'no_show')"""  # noqa: S608 - fixed column names
            ).fetchone()[0]
    return {
        "per_server": per_server,
        "requests": requests_,
        "failures": failures,
        "vitals_confirmed": confirmed["vitals"],
        "vitals_stored": vitals,
        "bookings_confirmed": confirmed["bookings"],
        "bookings_stored": bookings,
        "chair_overlaps": overlaps["chair_id"],
        "patient_overlaps": overlaps["patient_id"],
        "ok": failures == 0
        and requests_ > 0
        and vitals == confirmed["vitals"]
        and bookings == confirmed["bookings"]
        and not any(overlaps.values()),
    }


def reminders(env: dict, out: Path) -> dict:
    # Every booked session ahead is due: reminders 60 days ahead.
    shell(
        env,
        "from clinic.models import ClinicSettings; ClinicSettings.objects.update("
        "reminder_hours_before=1440, ride_reminder_hours_before=1440)",
    )
    with psycopg.connect(env["DATABASE_URL"]) as db:  # reminders go to patients with an address
        db.execute("UPDATE clinic_patient SET email = 'patient' || id || '@example.org' WHERE email = ''")
    due = int(shell(env, "from sessions.scheduling.reminders import due_reminders; print(len(due_reminders()))"))
    mail_env = {**env, "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    logs = [out / f"worker{i}.log" for i in (1, 2)]
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter
            [PY, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay", "--worker-id", f"drill-{i}"],
            cwd=ROOT,
            env=mail_env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for i, log in enumerate(logs, 1)
    ]
    schedulers = [
        subprocess.Popen([PY, "manage.py", "send_reminders"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603
        for _ in range(2)
    ]
    enqueued = [int(re.search(r"Enqueued (\d+)", s.communicate(timeout=300)[0]).group(1)) for s in schedulers]
    with psycopg.connect(env["DATABASE_URL"]) as db:
        for _ in range(600):
            waiting = db.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
            ).fetchone()[0]
            if not waiting:
                break
            time.sleep(0.5)
        sent_rows = db.execute("SELECT count(*) FROM treatment_sentreminder").fetchone()[0]
        distinct = db.execute("SELECT count(DISTINCT (session_id, kind)) FROM treatment_sentreminder").fetchone()[0]
    time.sleep(1)
    for w in workers:
        w.terminate()
        w.wait(timeout=60)
    emails = [len(re.findall(r"^Subject: ", log.read_text(), flags=re.MULTILINE)) for log in logs]
    return {
        "due": due,
        "enqueued_by_each_scheduler": enqueued,
        "emails_sent_by_each_worker": emails,
        "emails_sent": sum(emails),
        "sent_reminder_rows": sent_rows,
        "ok": due > 0 and sum(emails) == due and sent_rows == distinct == due,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10, help="locust users per server")
    parser.add_argument("--duration", default="40s")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    name = f"clinic_scaleout_{os.getpid()}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    out = Path(tempfile.mkdtemp(prefix="scaleout_"))
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SSL_REDIRECT": "0",
        "REQUIRE_2FA": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_STATIC_ROOT": str(out / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DB_POOL_MIN": "1",
        "DB_POOL_MAX": "4",
        "LOADTEST_OUT": str(out),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    env.pop("DJANGO_TESTING", None)
    servers: dict[str, str] = {}
    procs: list[subprocess.Popen] = []
    report: dict = {"database": name}
    try:
        run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
        run(["manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        run(["loadtest/seed.py"], env)
        seed = json.loads((out / "seed.json").read_text())
        for server in ("A", "B"):
            port = free_port()
            server_env = {
                **env,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": str(args.workers),
                "GUNICORN_ACCESS_LOG": str(out / f"access_{server}.log"),
            }
            procs.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter
                    [PY, "-m", "gunicorn", "clinic.wsgi:application"],
                    cwd=ROOT,
                    env=server_env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            servers[server] = f"http://127.0.0.1:{port}"
        for url in servers.values():
            for _ in range(150):
                try:
                    if requests.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.2)
        started = time.monotonic()
        report["sessions_and_lockout"] = sessions_and_lockout(servers, seed)
        report["split_load"] = split_load(servers, env, out, args.users, args.duration)
        report["same_slot_race"] = same_slot_race(servers, seed)  # after the load: its booking is not the load's
        report["reminders"] = reminders(env, out)
        report["seconds"] = round(time.monotonic() - started, 1)
    except Exception as exc:  # noqa: BLE001 - report what was measured, then fail
        report["error"] = {"ok": False, "what": f"{type(exc).__name__}: {exc}"[:2000]}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(out, ignore_errors=True)
    checks = [v for v in report.values() if isinstance(v, dict)]
    report["ok"] = bool(checks) and all(v["ok"] for v in checks)
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
