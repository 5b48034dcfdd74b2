"""The board a nurse lands on: open alerts first, then every patient in a chair with their clock,
next or overdue check and time to earliest discharge; each blood pressure with its time, its kind
(pre-dose, 40 min, discharge check, after the discharge check, extra), whether it is the latest reading
the discharge criteria judge, and whether it is above the limit that applies to it.

One selector for the staff home (``sessions.home``), the Monitor page and its refresh
(``selectors.day_sessions``), in a fixed number of queries whatever the number of patients.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.models import IN_CLINIC_STATUSES, SessionStatus, TreatmentSession, VitalsKind, VitalsReading
from sessions.monitoring.amendments import amended_vitals
from sessions.monitoring.discharge import gate_bp
from sessions.monitoring.selectors import board_alerts, day_sessions, live_state, take_related
from sessions.monitoring.timeline import BEFORE_DISCHARGE, check_by_key
from sessions.monitoring.vitals import predose_above_threshold


@dataclass(frozen=True)
class BpShown:
    reading: VitalsReading
    # "pre-dose"; the scheduled check it counted for ("40 min", "discharge check"); "after the discharge
    # check" for a later reading; "extra" for any other reading between checks
    kind: str
    high: bool
    limit: str
    for_discharge: bool = False  # the reading the discharge criteria judge (the latest after dosing)


def bp_above_limit(reading: VitalsReading, cs: ClinicSettings) -> tuple[bool, str]:
    """Pre-dose readings against the pre-dose limit (140/90), later ones against the discharge range."""
    if reading.kind == VitalsKind.PREDOSE:
        return predose_above_threshold(reading, cs), f"{cs.predose_systolic_max}/{cs.predose_diastolic_max}"
    high = reading.systolic > cs.discharge_systolic_max or reading.diastolic > cs.discharge_diastolic_max
    return high, f"{cs.discharge_systolic_max}/{cs.discharge_diastolic_max}"


def bp_readings(session, checks, cs: ClinicSettings) -> list[BpShown]:
    """Each BP of the session in time order with the check it counted for (the timeline's rule, unchanged),
    a reading after the before-discharge check said to be so, and, once the session is observing, the
    reading the discharge criteria judge marked (``discharge.gate_bp``: the latest, which may come after
    the check)."""
    by_time = {c.done_at: c for c in checks if c.kind == "bp" and c.done_at is not None}
    discharge_check = check_by_key(checks, BEFORE_DISCHARGE)
    check_done_at = discharge_check.done_at if discharge_check else None
    vitals = amended_vitals(session)  # as amended: the corrected value, marked on the card
    judged = gate_bp(vitals) if session.status in (SessionStatus.OBSERVING, SessionStatus.DISCHARGED) else None
    shown = []
    for r in vitals:
        if r.kind == VitalsKind.PREDOSE:
            kind = "pre-dose"
        elif r.taken_at in by_time:
            check = by_time[r.taken_at]
            kind = (
                "discharge check" if check.key == BEFORE_DISCHARGE else check.label.removeprefix("BP ").split(" (")[0]
            )
        elif check_done_at is not None and r.taken_at > check_done_at:
            kind = "after the discharge check"
        else:
            kind = "extra"
        high, limit = bp_above_limit(r, cs)
        shown.append(BpShown(r, kind, high, limit, for_discharge=r is judged))
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
    patient_alerts, other_alerts = board_alerts(sessions, today, cs.tz)
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
