"""Report how many fuzz cases ran (pytest prints it in the terminal summary)."""

from __future__ import annotations

FUZZ_STATS: dict[str, dict[str, int]] = {}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not FUZZ_STATS:
        return
    total = sum(s["cases"] for s in FUZZ_STATS.values())
    forms = sum(s["forms"] for s in FUZZ_STATS.values())
    terminalreporter.section("property-based fuzzing (hypothesis)")
    for role, s in sorted(FUZZ_STATS.items()):
        terminalreporter.write_line(f"{role:>11}: {s['cases']:5d} cases over {s['forms']:3d} forms/endpoints")
    terminalreporter.write_line(f"      total: {total:5d} cases over {forms:3d} form/role pairs")
