"""The observation clock of a session: checks due with their times, what is overdue, and when the
patient may leave at the earliest.

Pure functions over a session whose readings are prefetched (``.vitals``, ``.assessments``,
``.administrations``), so a board of many patients costs the same few queries.

- Esketamine: blood pressure at ``bp_check_minutes`` (40) after the first device and before
  discharge; at least 120 minutes' observation from the first device.
- IV ketamine: blood pressure every ``iv_bp_during_minutes`` (10) during the infusion and every
  ``iv_bp_after_minutes`` (15) after it until ``iv_recovery_minutes`` after its end.
- Both: MOAA/S (sedation) and CADSS (dissociation) at ``sedation_check_list()`` minutes.

Each check has a stable ``key`` (``bp@40``, ``moaas@90``, ``bp@discharge``): a prescriber's reason why a
check was not taken (``MissedCheck``) names it. Every check due before discharge must be recorded or have
such a reason (``unrecorded_checks``, a discharge criterion). Values are shown as amended
(``sessions.monitoring.amendments``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.models import (
    ESKETAMINE_MIN_OBSERVATION,
    AdministrationKind,
    MissedCheck,
    Scale,
    SessionStatus,
    TreatmentSession,
    VitalsKind,
)
from sessions.monitoring.amendments import Amended, amended_assessments, amended_vitals

MAX_CHECKS_MINUTES = 240  # never plan checks beyond four hours of a running infusion


BEFORE_DISCHARGE = "bp@discharge"  # the discharge criteria's own blood pressure (recent, in range)


@dataclass
class DueCheck:
    kind: str  # "bp", "moaas", "cadss"
    label: str
    due_at: dt.datetime
    window_start: dt.datetime
    key: str = ""
    done_at: dt.datetime | None = None
    value: str = ""
    status: str = "upcoming"  # upcoming, due, overdue, done, late, missed, not_taken
    amended: Amended | None = None
    missed: MissedCheck | None = None

    @property
    def is_overdue(self) -> bool:
        return self.status == "overdue"


def minimum_observation_minutes(session: TreatmentSession, cs: ClinicSettings) -> int:
    if session.is_esketamine:
        return max(ESKETAMINE_MIN_OBSERVATION, cs.esketamine_observation_minutes)
    return session.phase.observation_minutes


def infusion(session: TreatmentSession):
    for adm in session.administrations.all():
        if adm.kind == AdministrationKind.INFUSION:
            return adm
    return None


def earliest_discharge_at(session: TreatmentSession, cs: ClinicSettings) -> dt.datetime | None:
    """None until the clock has started (or, for an infusion, until it has ended)."""
    if session.first_dose_at is None:
        return None
    if session.course.protocol.is_infusion:
        inf = infusion(session)
        if inf is None or inf.ended_at is None:
            return None
        return inf.ended_at + dt.timedelta(minutes=cs.iv_recovery_minutes)
    return session.first_dose_at + dt.timedelta(minutes=minimum_observation_minutes(session, cs))


def minutes_since_first_dose(session: TreatmentSession, now: dt.datetime) -> int | None:
    if session.first_dose_at is None:
        return None
    end = session.discharged_at or now
    return max(0, int((end - session.first_dose_at).total_seconds() // 60))


def _planned(session: TreatmentSession, cs: ClinicSettings, now: dt.datetime) -> list[DueCheck]:
    t0 = session.first_dose_at
    grace = dt.timedelta(minutes=cs.check_grace_minutes)
    checks: list[DueCheck] = []

    def add(kind: str, label: str, due: dt.datetime, window_start: dt.datetime | None = None, key: str = "") -> None:
        key = key or f"{kind}@{int((due - t0).total_seconds() // 60)}"
        checks.append(DueCheck(kind, label, due, window_start or due - grace, key=key))

    earliest = earliest_discharge_at(session, cs)
    if session.course.protocol.is_infusion:
        inf = infusion(session)
        end = inf.ended_at if inf and inf.ended_at else None
        horizon = end or min(now + dt.timedelta(minutes=cs.iv_bp_during_minutes), session.discharged_at or now)
        minute = cs.iv_bp_during_minutes
        while t0 + dt.timedelta(minutes=minute) <= horizon and minute <= MAX_CHECKS_MINUTES:
            add("bp", f"BP {minute} min (infusion)", t0 + dt.timedelta(minutes=minute))
            minute += cs.iv_bp_during_minutes
        if end is not None:
            step = dt.timedelta(minutes=cs.iv_bp_after_minutes)
            due = end + step
            while earliest is not None and due < earliest:  # the check at ``earliest`` is "before discharge"
                add("bp", f"BP {int((due - t0).total_seconds() // 60)} min (after infusion)", due)
                due += step
    else:
        add("bp", f"BP {cs.bp_check_minutes} min (peak)", t0 + dt.timedelta(minutes=cs.bp_check_minutes))
    if earliest is not None:
        window = earliest - dt.timedelta(minutes=cs.discharge_bp_recent_minutes)
        # Its window opens after the last scheduled reading's, so each reading counts for one check.
        earlier = [c.due_at + grace for c in checks if c.kind == "bp"]
        window = max([window, *earlier])
        add("bp", "BP before discharge", earliest, window_start=window, key=BEFORE_DISCHARGE)
    for minute in cs.sedation_check_list():
        due = t0 + dt.timedelta(minutes=minute)
        add("moaas", f"MOAA/S {minute} min", due)
        add("cadss", f"CADSS {minute} min", due)
    checks.sort(key=lambda c: (c.due_at, c.kind))
    return checks


def due_checks(session: TreatmentSession, cs: ClinicSettings, now: dt.datetime | None = None) -> list[DueCheck]:
    """Each planned check with its time and state; a reading counts for the check whose window it falls in."""
    if session.first_dose_at is None:
        return []
    now = now or timezone.now()
    checks = _planned(session, cs, now)
    grace = dt.timedelta(minutes=cs.check_grace_minutes)
    vitals = [r for r in amended_vitals(session) if r.kind == VitalsKind.OBSERVATION]
    assessments = amended_assessments(session)
    readings = {
        "bp": [(r.taken_at, r.bp, r.amended.get("bp")) for r in vitals],
        "moaas": [(a.taken_at, str(a.score), a.amended) for a in assessments if a.scale == Scale.MOAAS],
        "cadss": [(a.taken_at, str(a.score), a.amended) for a in assessments if a.scale != Scale.MOAAS],
    }
    missed = {m.key: m for m in session.missed_checks.all()}
    finished = session.status in (SessionStatus.DISCHARGED, SessionStatus.DEFERRED) or session.is_signed
    for kind, taken in readings.items():
        taken.sort(key=lambda reading: reading[0])
        of_kind = [c for c in checks if c.kind == kind]
        used: set[int] = set()
        for i, check in enumerate(of_kind):
            window_end = of_kind[i + 1].window_start if i + 1 < len(of_kind) else None
            for j, (at, value, amended) in enumerate(taken):
                if j in used or at < check.window_start or (window_end and at >= window_end):
                    continue
                used.add(j)
                check.done_at, check.value, check.amended = at, value, amended
                check.status = "late" if at > check.due_at + grace else "done"
                break
    for check in checks:
        if check.done_at is not None:
            continue
        check.missed = missed.get(check.key)
        if check.missed is not None:
            check.status = "not_taken"
        elif now > check.due_at + grace:
            check.status = "missed" if finished else "overdue"
        elif now >= check.window_start:
            check.status = "due"
    return checks


def next_check(checks: list[DueCheck]) -> DueCheck | None:
    open_checks = [c for c in checks if c.done_at is None and c.status not in ("missed", "not_taken")]
    return open_checks[0] if open_checks else None


def unrecorded_checks(checks: list[DueCheck], now: dt.datetime) -> list[DueCheck]:
    """Checks whose time has come that are neither recorded nor excused by a prescriber's reason.

    The blood pressure before discharge is left to its own discharge criterion (recent and in range).
    """
    return [
        c for c in checks if c.due_at <= now and c.done_at is None and c.missed is None and c.key != BEFORE_DISCHARGE
    ]


def check_by_key(checks: list[DueCheck], key: str) -> DueCheck | None:
    return next((c for c in checks if c.key == key), None)
