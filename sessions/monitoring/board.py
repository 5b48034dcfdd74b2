"""The board a nurse lands on: open alerts first, then every patient in a chair with their clock,
next or overdue check and time to earliest discharge; each blood pressure with its time, its kind
(pre-dose, 40 min, before discharge) and whether it is above the limit that applies to it.

One selector for the staff home (``sessions.home``), the Monitor page and its refresh
(``selectors.day_sessions``), in a fixed number of queries whatever the number of patients.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.models import IN_CLINIC_STATUSES, TreatmentSession, VitalsKind, VitalsReading
from sessions.monitoring.amendments import amended_vitals
from sessions.monitoring.selectors import board_alerts, day_sessions, live_state, take_related
from sessions.monitoring.vitals import predose_above_threshold


@dataclass(frozen=True)
class BpShown:
    reading: VitalsReading
    kind: str  # "pre-dose", "40 min", "before discharge", "extra"
    high: bool
    limit: str


def bp_above_limit(reading: VitalsReading, cs: ClinicSettings) -> tuple[bool, str]:
    """Pre-dose readings against the pre-dose limit (140/90), later ones against the discharge range."""
    if reading.kind == VitalsKind.PREDOSE:
        return predose_above_threshold(reading, cs), f"{cs.predose_systolic_max}/{cs.predose_diastolic_max}"
    high = reading.systolic > cs.discharge_systolic_max or reading.diastolic > cs.discharge_diastolic_max
    return high, f"{cs.discharge_systolic_max}/{cs.discharge_diastolic_max}"


def bp_readings(session, checks, cs: ClinicSettings) -> list[BpShown]:
    """Each BP of the session in time order with the check it counted for."""
    by_time = {c.done_at: c for c in checks if c.kind == "bp" and c.done_at is not None}
    shown = []
    for r in amended_vitals(session):  # as amended: the corrected value, marked on the card
        if r.kind == VitalsKind.PREDOSE:
            kind = "pre-dose"
        elif r.taken_at in by_time:
            label = by_time[r.taken_at].label
            kind = "before discharge" if "discharge" in label else label.removeprefix("BP ").split(" (")[0]
        else:
            kind = "extra"
        high, limit = bp_above_limit(r, cs)
        shown.append(BpShown(r, kind, high, limit))
    return shown


def board_context(now=None, *, day_rows: list[TreatmentSession] | None = None) -> dict:
    """The cards of patients in a chair and the other open alerts. ``day_rows``: the day's sessions
    already read by ``selectors.day_sessions`` (the staff home reads them once for the day by chair and
    the cards); without them the board reads today's sessions in a chair through the same selector."""
    cs = ClinicSettings.load()
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=cs.tz)
    if day_rows is None:
        sessions = day_sessions(today, cs.tz, in_chair=True)
    else:
        sessions = [s for s in day_rows if s.status in IN_CLINIC_STATUSES]
    # Their rows came with them; alerts are read once below, with the other open alerts.
    take_related(sessions, skip=("alerts",))
    patient_alerts, other_alerts = board_alerts(sessions)
    rows = []
    for s in sessions:
        row = live_state(s, cs, now)
        # Alerts about the patient rather than a session (PHQ-9 item 9) belong on that patient's card.
        row["open_alerts"] = row["open_alerts"] + patient_alerts.get(s.patient_id, [])
        row["bps"] = bp_readings(s, row["checks"], cs)
        rows.append(row)
    # Alerts first, then overdue checks, then the rest by time.
    rows.sort(key=lambda r: (not r["open_alerts"], not r["overdue"], r["s"].planned_start))
    return {"rows": rows, "other_alerts": other_alerts, "now": now, "cs": cs}
