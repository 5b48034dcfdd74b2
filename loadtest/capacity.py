"""One step of the capacity mode (loadtest/run.sh … capacity): the step's figures from locust's CSV
and the peak memory of each gunicorn worker from the samples taken during the step.

    python loadtest/capacity.py <csv prefix> <rss samples file>   -> one JSON line
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path


def step(prefix: str, rss_file: str) -> dict:
    with open(f"{prefix}_stats.csv", newline="") as fh:
        rows = {row["Name"]: row for row in csv.DictReader(fh)}
    total = rows["Aggregated"]
    login = rows.get("login")
    requests = int(total["Request Count"]) - (int(login["Request Count"]) if login else 0)
    peak: dict[str, int] = defaultdict(int)
    path = Path(rss_file)
    for line in path.read_text().splitlines() if path.exists() else []:
        parts = line.split()
        if len(parts) == 2:
            peak[parts[0]] = max(peak[parts[0]], int(parts[1]))
    return {
        "requests": requests,
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "worker_peak_rss_mb": sorted(round(kb / 1024, 1) for kb in peak.values()),
    }


if __name__ == "__main__":
    print(json.dumps(step(sys.argv[1], sys.argv[2])))
