#!/usr/bin/env python
"""The full concurrency drill on a throw-away PostgreSQL database (127.0.0.1 only).

    scripts/concurrency_drill.py [--attempts 1000] [--threads 32] [--chairs 4] [--times 4] [--nurses 16] [--readings 25]

Creates ``clinic_concurrency_drill_<pid>``, migrates it, then through the real services:
``attempts`` simultaneous bookings over ``chairs`` × ``times`` slots (exactly one winner per slot, no overlap,
no unexpected error) and ``nurses`` threads recording ``readings`` vitals each on one session (none lost).
Prints one JSON object; exits 1 when a check fails. The database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--chairs", type=int, default=4)
    parser.add_argument("--times", type=int, default=4)
    parser.add_argument("--nurses", type=int, default=16)
    parser.add_argument("--readings", type=int, default=25)
    args = parser.parse_args()
    name = f"clinic_concurrency_drill_{os.getpid()}"
    admin = {"host": "127.0.0.1", "user": "postgres", "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    # Enough pooled connections for every thread at once.
    os.environ["DB_POOL_MAX"] = str(max(args.threads, args.nurses) + 4)
    os.environ.setdefault("DJANGO_DEBUG", "1")
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)  # noqa: S603
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
        import django

        django.setup()
        from django.conf import settings

        settings.DEBUG = False  # no query log growing in memory
        from bench.drills import booking_drill, readings_drill

        booking = booking_drill(attempts=args.attempts, threads=args.threads, chairs=args.chairs, times=args.times)
        readings = readings_drill(nurses=args.nurses, readings_each=args.readings)
        from django.db import connections

        connections.close_all()
        report = {"database": name, "booking": booking.as_dict(), "readings": readings.as_dict()}
        report["ok"] = booking.ok and readings.ok
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
