"""``python manage.py bench``: build the benchmark data sets and time the busy pages (see README)."""

from __future__ import annotations

import json
import os
import platform
import signal
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import clear_url_caches

try:  # a development tool: production installs only requirements.txt
    import time_machine

    from bench import databases, dataset
    from bench.measure import PAGES, Runner
except ImportError as exc:
    MISSING: ImportError | None = exc
else:
    MISSING = None

TARGETS = {"net": 2.0, "scale": 1.15, "queries": 8, "floor": 2.0}


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


class Command(BaseCommand):
    help = "Build a 5-year data set (200k sessions, 1M readings) and a 4k one, then time the busy pages on both."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=300, help="Measured rounds (default 300).")
        parser.add_argument("--warmup", type=int, default=20, help="Rounds before measuring (default 20).")
        parser.add_argument("--sessions", type=int, default=200_000, help="Sessions in the full data set.")
        parser.add_argument("--small-sessions", type=int, default=4_000, help="Sessions in the small data set.")
        parser.add_argument(
            "--small", action="store_true", help="Smoke run: 3,000 and 600 sessions, 5 rounds (for CI)."
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of the table.")
        parser.add_argument("--dir", default=str(Path(settings.BASE_DIR) / "bench" / "out"), help="SQLite files.")
        parser.add_argument("--keep", action="store_true", help="Keep the databases afterwards.")
        parser.add_argument("--build-only", action="store_true", help="Build the data sets and stop (with --keep).")
        parser.add_argument("--reuse", action="store_true", help="Reuse databases kept by an earlier --keep run.")

    def log(self, msg: str) -> None:
        if not self.as_json:
            self.stdout.write(msg)
        else:
            self.stderr.write(msg)

    def handle(self, *args, **opts):
        if MISSING is not None:
            raise CommandError(f"bench needs the development requirements (requirements-dev.txt): {MISSING}")
        self.as_json = opts["json"]
        if opts["small"]:
            opts["sessions"], opts["small_sessions"] = 3_000, 600
            opts["rounds"], opts["warmup"] = min(opts["rounds"], 5), min(opts["warmup"], 1)
        if opts["rounds"] < 1:
            raise CommandError("--rounds must be at least 1.")
        # Production behaviour for what is measured: no debug page, no query log kept in memory.
        settings.DEBUG = False
        if "testserver" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.SECURE_SSL_REDIRECT = False
        # The app's URLs plus the bare view the request floor is compared with.
        settings.ROOT_URLCONF = "bench.urls"
        clear_url_caches()
        # A stopped run (Ctrl-C, SIGTERM) still drops its databases: the ``finally`` below runs.
        signal.signal(signal.SIGTERM, _interrupted)
        # Pages are measured for a logged-in user; the two-factor step belongs to login, not to them.
        settings.REQUIRE_2FA = False

        labels = [self.label(opts["sessions"]), self.label(opts["small_sessions"])]
        if labels[0] == labels[1]:
            labels[1] += "-small"
        out_dir = Path(opts["dir"])
        dbs = databases.plan(labels, out_dir)
        meta_file = out_dir / f"bench_meta_{dbs[0].vendor}.json"
        started = time.perf_counter()
        try:
            build = self.build(dbs, opts, meta_file)
            if opts["build_only"]:
                self.stdout.write(json.dumps(build.get("sets", {}), indent=2))
                return
            runner = Runner(dbs, build["scenario"])
            self.log(f"Measuring: {opts['warmup']} warm-up + {opts['rounds']} rounds, variants interleaved…")
            t0 = time.perf_counter()
            load_before = _load_average()
            pages = runner.run(opts["rounds"], opts["warmup"], progress=self.log)
            rows = runner.rows_check()
            for db in dbs:  # the write paths' targets are gone again: every round saw the same data
                before, after = build["sets"][db.label]["rows"], databases.table_sizes(db)
                if after != before:
                    changed = {k: f"{before.get(k)} → {v}" for k, v in after.items() if before.get(k) != v}
                    runner.notes.append(f"ERROR: {db.label}: rows left behind by the measured rounds: {changed}")
            measure_s = time.perf_counter() - t0
            report = self.report(dbs, build, pages, rows, runner.notes, measure_s, time.perf_counter() - started, opts)
            report["load_average"] = {"before": load_before, "after (1, 5, 15 min)": _load_average()}
        finally:
            for db in dbs:
                if opts["keep"]:
                    db.close()
                else:
                    databases.drop(db)
                    meta_file.unlink(missing_ok=True)
        failed = [
            f"{entry['label']} on {label}: {by['errors']} errors ({'; '.join(by.get('first_errors', []))})"
            for entry in report["pages"].values()
            for label, by in entry.items()
            if isinstance(by, dict) and by.get("errors")
        ]
        failed += [note for note in report["notes"] if note.startswith("ERROR")]
        for line in failed:  # never only in the table: a write that did not redirect is a failure
            self.stderr.write(f"ERROR: {line}")
        if self.as_json:
            self.stdout.write(json.dumps(report, indent=2, default=str))
        else:
            self.print_table(report)

    @staticmethod
    def label(n: int) -> str:
        return f"{n // 1000}k" if n >= 1000 else str(n)

    def build(self, dbs, opts, meta_file: Path) -> dict:
        wanted = {"version": 5, "sessions": [opts["sessions"], opts["small_sessions"]], "names": [d.name for d in dbs]}
        if opts["reuse"] and meta_file.exists():
            meta = json.loads(meta_file.read_text())
            if all(meta.get(k) == v for k, v in wanted.items()):
                self.log("Reusing the databases of an earlier --keep run.")
                return meta
        self.log(f"Creating {len(dbs)} {dbs[0].vendor} databases and migrating…")
        t0 = time.perf_counter()
        databases.create_schema(dbs)
        schema_s = time.perf_counter() - t0
        build = {**wanted, "schema_s": round(schema_s, 1), "sets": {}}
        for db, target in zip(dbs, [opts["sessions"], opts["small_sessions"]], strict=True):
            db.activate()
            t0 = time.perf_counter()
            with time_machine.travel(dataset.now(), tick=False):
                scenario = dataset.build_scenario().as_dict()
                history = dataset.build_history(
                    max(target - scenario["counts"]["sessions"], 0),
                    progress=lambda c, db=db: (
                        self.log(f"  {db.label}: {c['sessions']:,} history sessions…")
                        if c["sessions"] % 50_000 < 400
                        else None
                    ),
                )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            else:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            elapsed = time.perf_counter() - t0
            sizes = databases.table_sizes(db)
            self.log(
                f"  {db.label}: {sizes['treatment_treatmentsession']:,} sessions, "
                f"{sizes['treatment_vitalsreading'] + sizes['treatment_assessment']:,} readings in {elapsed:.0f} s"
            )
            build["sets"][db.label] = {"build_s": round(elapsed, 1), "rows": sizes, "history": history}
            if "scenario" in build:
                same = {k: v for k, v in scenario.items() if k != "counts"} == {
                    k: v for k, v in build["scenario"].items() if k != "counts"
                }
                if not same:
                    raise CommandError("The scenario differs between the data sets; keys must be identical.")
            build["scenario"] = scenario
        if opts["keep"]:
            meta_file.write_text(json.dumps(build, indent=2))
        return build

    def report(self, dbs, build, pages, rows, notes, measure_s, total_s, opts) -> dict:
        big, small = dbs[0].label, dbs[1].label
        checks = {}
        floor = (pages.get("floor") or {}).get(big, {}).get("p95_ms")
        bare = (pages.get("bare") or {}).get(big, {}).get("p95_ms")
        for page in [*PAGES, "plan"]:
            key = page if page == "plan" else page.key
            label = "Course planning (12 sessions, dry run)" if page == "plan" else page.label
            by = pages.get(key)
            if not by:
                continue
            entry = {"label": label, **{k: v for k, v in by.items()}}
            p95_big, p95_small = by[big].get("p95_ms"), by[small].get("p95_ms")
            if p95_big and p95_small and key != "bare":
                entry["scale_ratio"] = round(p95_big / p95_small, 2)
                entry["scale_ok"] = entry["scale_ratio"] <= TARGETS["scale"]
            if key == "floor" and bare and p95_big:
                # The logged-in floor against the anonymous bare view of the same run.
                entry["floor_ratio"] = round(p95_big / bare, 2)
                entry["floor_ok"] = entry["floor_ratio"] <= TARGETS["floor"]
            if "memory" in by and by["memory"].get("p95_ms") and p95_big:
                entry["memory_ratio"] = round(p95_big / by["memory"]["p95_ms"], 2)
                if floor:
                    # Without the fixed cost every logged-in request pays (session, middleware).
                    entry["memory_ratio_net"] = round(max(p95_big - floor, 0) / by["memory"]["p95_ms"], 2)
                    entry["net_ok"] = entry["memory_ratio_net"] <= TARGETS["net"]
            queries = [by[label].get("queries") for label in (big, small) if by[label].get("queries") is not None]
            if queries and key not in ("bare", "floor"):
                entry["queries_ok"] = max(queries) <= TARGETS["queries"]
            if key in rows:
                entry["rows"] = rows[key]
            checks[key] = entry
        return {
            "database": dbs[0].vendor,
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
            "debug": settings.DEBUG,
            "rounds": opts["rounds"],
            "warmup": opts["warmup"],
            "targets": {
                "page_p95_net_vs_in_memory_render": TARGETS["net"],
                "p95_big_vs_small": TARGETS["scale"],
                "queries_per_page": TARGETS["queries"],
                "logged_in_floor_vs_bare_view": TARGETS["floor"],
            },
            "data_sets": build["sets"],
            "schema_s": build.get("schema_s"),
            "scenario": {k: build["scenario"][k] for k in ("today", "now", "d5", "d60", "w5", "w60")},
            "pages": checks,
            "notes": notes,
            "measure_s": round(measure_s, 1),
            "total_s": round(total_s, 1),
        }

    def print_table(self, report: dict) -> None:  # noqa: C901 - one table
        w = self.stdout.write
        sets = report["data_sets"]
        big, small = list(sets)
        w("")
        w(f"Database: {report['database']}   rounds: {report['rounds']} (+{report['warmup']} warm-up)   DEBUG off")
        for label, info in sets.items():
            rows = info["rows"]
            w(
                f"  {label}: {rows['treatment_treatmentsession']:,} sessions, "
                f"{rows['treatment_vitalsreading'] + rows['treatment_assessment']:,} readings, "
                f"{rows['clinic_patient']:,} patients (built in {info['build_s']} s)"
            )
        w("")
        head = (
            f"{'page':40} {'median ' + big:>12} {'p95 ' + big:>10} {'median ' + small:>12} {'p95 ' + small:>10} "
            f"{'p95 mem':>8} {'queries':>8} {'×mem':>6} {'×net':>5} {'×scale':>7} {'rows 5/60':>10}"
        )
        w(head)
        w("-" * len(head))
        for entry in report["pages"].values():
            b, s, m = entry.get(big, {}), entry.get(small, {}), entry.get("memory", {})
            rows = entry.get("rows", {})
            if "queries_by_length" in rows:
                rows_txt = "/".join(str(v) for v in rows["queries_by_length"].values())
            elif rows:
                rows_txt = f"{rows['rows_5']}/{rows['rows_60']}"
            else:
                rows_txt = "-"

            def flag(value, ok):
                return "-" if value is None else f"{value}{'' if ok else '!'}"

            w(
                f"{entry['label'][:40]:40} {b.get('median_ms', '-'):>12} {b.get('p95_ms', '-'):>10} "
                f"{s.get('median_ms', '-'):>12} {s.get('p95_ms', '-'):>10} {m.get('p95_ms', '-'):>8} "
                f"{flag(b.get('queries'), entry.get('queries_ok', True)):>8} {entry.get('memory_ratio', '-'):>6} "
                f"{flag(entry.get('memory_ratio_net'), entry.get('net_ok')):>5} "
                f"{flag(entry.get('scale_ratio'), entry.get('scale_ok')):>7} {rows_txt:>10}"
            )
            if "floor_ratio" in entry:
                w(f"    logged-in floor ÷ bare anonymous view: {flag(entry['floor_ratio'], entry['floor_ok'])}")
            if "chairs_few" in rows:
                few, many = rows["chairs"]
                w(
                    f"    chairs {few}/{many}: {rows['chairs_few']}/{rows['chairs_all']}{'' if rows['chairs_same'] else '!'}"
                )
            for label in (big, small):
                errors = entry.get(label, {})
                if errors.get("errors"):
                    w(f"    ERRORS on {label}: {errors['errors']} (first: {'; '.join(errors.get('first_errors', []))})")
        w("")
        w("Times in ms. ×mem: page p95 / p95 of the same template rendered from in-memory objects.")
        w("×net: the same without the request floor (p95 of a logged-in /healthz: session, middleware; target ≤ 2).")
        w("×scale: p95 on the full set / p95 on the small set (target ≤ 1.15). Queries: target ≤ 8.")
        w("The floor: target ≤ 2 × the bare anonymous view. '!' marks a missed target.")
        w(
            f"Load average before measuring {report['load_average']['before']}, after (1, 5, 15 min) "
            f"{report['load_average']['after (1, 5, 15 min)']} on {report['machine']['cpus']} CPUs."
        )
        w(
            "rows 5/60: SQL queries with 5 rows and with 60 (should be equal); planning: queries for 4/12/24/48 sessions."
        )
        w("Writes: each round POSTs on a target of its own, made before and removed after the timed request.")
        for note in report["notes"]:
            w(f"Note: {note}")
        w(f"Measuring took {report['measure_s']} s; everything {report['total_s']} s.")
