#!/usr/bin/env python
"""Backup and restore drill for PostgreSQL: dump, restore into a fresh database, compare every table.

    scripts/backup_drill.py SOURCE_DB [--host 127.0.0.1] [--port 5432] [--user postgres] [--jobs 2] [--keep]
    scripts/backup_drill.py --bench      # builds the 200k benchmark data set first (manage.py bench --build-only)

Steps, each timed: ``pg_dump -Fc`` of SOURCE_DB; ``CREATE DATABASE`` a fresh one; ``pg_restore -j``; then for
every table of both databases the row count and an order-independent checksum (md5 over the sorted md5 of
each row's text), and the data-safety triggers. Exits 1 when anything differs. The restored database is
dropped afterwards unless --keep. Reads only SOURCE_DB; never writes to it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def conninfo(args, dbname: str) -> dict:
    return {"host": args.host, "port": args.port, "user": args.user, "dbname": dbname, "autocommit": True}


def tables(conn) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()
    return [r[0] for r in rows]


def fingerprint(conn, table: str) -> tuple[int, str]:
    query = sql.SQL(
        "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') FROM (SELECT md5(t::text) AS h FROM {} t) s"
    ).format(sql.Identifier(table))
    count, digest = conn.execute(query).fetchone()
    return count, digest


def triggers(conn) -> list[str]:
    rows = conn.execute(
        "SELECT c.relname || '.' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def timed(label: str, timings: dict, fn, *a, **kw):
    t0 = time.perf_counter()
    out = fn(*a, **kw)
    timings[label] = round(time.perf_counter() - t0, 1)
    print(f"  {label}: {timings[label]} s", file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", nargs="?", help="database to back up (read only)")
    parser.add_argument("--bench", action="store_true", help="build the 200k benchmark data set and drill on it")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5432")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--jobs", type=int, default=2, help="parallel pg_restore jobs")
    parser.add_argument("--keep", action="store_true", help="keep the restored database and the dump")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the drill runs against a local server only")
    timings: dict[str, float] = {}
    built_here = False
    if args.bench:
        base = "clinic_drill"
        env = {**os.environ, "DATABASE_URL": f"postgres://{args.user}@{args.host}:{args.port}/{base}"}
        timed(
            "build benchmark data (manage.py bench --build-only)",
            timings,
            subprocess.run,
            [sys.executable, "manage.py", "bench", "--build-only", "--keep"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        args.source, built_here = f"{base}_bench_200k", True
    if not args.source:
        parser.error("give SOURCE_DB or --bench")
    target = f"{args.source}_restored"
    OUT.mkdir(parents=True, exist_ok=True)
    dump = OUT / f"{args.source}.dump"
    pg_env = {**os.environ, "PGHOST": args.host, "PGPORT": str(args.port), "PGUSER": args.user}
    report: dict = {"source": args.source, "restored_into": target}
    try:
        timed(
            "pg_dump -Fc",
            timings,
            subprocess.run,
            ["pg_dump", "-Fc", "-f", str(dump), args.source],
            env=pg_env,
            check=True,
        )
        report["dump_mb"] = round(dump.stat().st_size / 1e6, 1)
        with psycopg.connect(**conninfo(args, "postgres")) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
        timed(
            f"pg_restore -j {args.jobs}",
            timings,
            subprocess.run,
            ["pg_restore", "-j", str(args.jobs), "--exit-on-error", "-d", target, str(dump)],
            env=pg_env,
            check=True,
        )
        t0 = time.perf_counter()
        differences, rows = [], 0
        with psycopg.connect(**conninfo(args, args.source)) as src, psycopg.connect(**conninfo(args, target)) as dst:
            src_tables, dst_tables = tables(src), tables(dst)
            if src_tables != dst_tables:
                differences.append(f"tables differ: {sorted(set(src_tables) ^ set(dst_tables))}")
            for table in src_tables:
                a = fingerprint(src, table)
                b = fingerprint(dst, table) if table in dst_tables else None
                rows += a[0]
                if a != b:
                    differences.append(f"{table}: {a[0]} rows / {b[0] if b else '-'} rows, checksums differ")
            if triggers(src) != triggers(dst):
                differences.append("data-safety triggers differ")
            report["triggers"] = len(triggers(dst))
        timings["compare counts and checksums"] = round(time.perf_counter() - t0, 1)
        report.update(tables=len(src_tables), rows=rows, differences=differences, ok=not differences, seconds=timings)
    finally:
        if not args.keep:
            with psycopg.connect(**conninfo(args, "postgres")) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
                if built_here:
                    for name in (args.source, args.source.replace("_200k", "_4k")):
                        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            dump.unlink(missing_ok=True)
    print(json.dumps(report, indent=2))
    return 0 if report.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
