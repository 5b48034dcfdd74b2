"""After a load test: every confirmed write is in the database, nothing overlaps, no request failed."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Q  # noqa: E402

from sessions.models import RELEASED_STATUSES, TreatmentSession  # noqa: E402
from sessions.models.monitoring import VitalsReading  # noqa: E402

OUT = Path(os.environ.get("LOADTEST_OUT", Path(__file__).parent / "out"))


def overlaps(field: str) -> int:
    held = TreatmentSession.objects.exclude(status__in=RELEASED_STATUSES)
    n = 0
    for s in held.only("pk", field, "planned_start", "planned_end"):
        n += (
            held.filter(**{field: getattr(s, field)}, planned_start__lt=s.planned_end, planned_end__gt=s.planned_start)
            .filter(~Q(pk=s.pk))
            .count()
        )
    return n


def main(label: str) -> int:
    seed = json.loads((OUT / "seed.json").read_text())
    confirmed = json.loads((OUT / "confirmed.json").read_text())
    stats = {row["Name"]: row for row in csv.DictReader((OUT / f"{label}_stats.csv").open())}
    total = stats["Aggregated"]
    vitals = VitalsReading.objects.filter(session_id__in=seed["observing"]).count()
    bookings = TreatmentSession.objects.filter(created_by__username__startswith="loadadmin").count()
    logins_file = OUT / "logins.json"
    report = {
        "database": label,
        "logins": json.loads(logins_file.read_text()) if logins_file.exists() else None,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "throughput_rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "per_request": {
            name: {"n": int(r["Request Count"]), "p50": r["50%"], "p95": r["95%"], "p99": r["99%"]}
            for name, r in stats.items()
            if name != "Aggregated"
        },
        "vitals_confirmed": confirmed.get("vitals", 0),
        "vitals_in_db": vitals,
        "bookings_confirmed": confirmed.get("bookings", 0),
        "bookings_in_db": bookings,
        "chair_overlaps": overlaps("chair_id"),
        "patient_overlaps": overlaps("patient_id"),
    }
    problems = []
    if report["failures"]:
        problems.append(f"{report['failures']} requests failed")
    if vitals != report["vitals_confirmed"]:
        problems.append(f"vitals: {report['vitals_confirmed']} confirmed but {vitals} stored")
    if bookings != report["bookings_confirmed"]:
        problems.append(f"bookings: {report['bookings_confirmed']} confirmed but {bookings} stored")
    if report["chair_overlaps"] or report["patient_overlaps"]:
        problems.append("overlapping bookings")
    report["ok"] = not problems
    report["problems"] = problems
    (OUT / f"{label}_report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k != "per_request"}, indent=2))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
