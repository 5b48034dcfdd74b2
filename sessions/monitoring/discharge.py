"""The discharge gate: every criterion shown as met or not, and the discharge that signs the record.

Criteria: the minimum observation (120 minutes from the first esketamine device, never less; for
IV the recovery time after the infusion ends), blood pressure measured recently and within the
safe range or falling, MOAA/S 5, dissociation resolved (CADSS total at or below the clinic's
limit), every check the protocol scheduled recorded or excused by a prescriber's written reason
(``sessions.monitoring.missed``), no open alert, the clinician judges the patient ready, the ride is
here. Readings count as amended. A prescriber may override unmet criteria with a written reason —
except the esketamine minimum observation, which is the label's rule, and the scheduled checks,
which each need their own reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.models import ClinicSettings, User
from sessions.billing.charges import charge_session
from sessions.models import Discharge, Scale, SessionStatus, TreatmentSession, VitalsKind, VitalsReading
from sessions.models.monitoring import READY_MINUTES_RANGE
from sessions.monitoring.amendments import amended_assessments, amended_vitals
from sessions.monitoring.state import create_record, transition
from sessions.monitoring.timeline import (
    due_checks,
    earliest_discharge_at,
    infusion,
    minimum_observation_minutes,
    unrecorded_checks,
)
from sessions.scheduling.courses import phase_end


@dataclass
class Criterion:
    key: str
    label: str
    met: bool | None  # None: confirmed on the discharge form
    detail: str
    overridable: bool = True


def _hm(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%H:%M")


def gate_bp(vitals: list[VitalsReading]) -> VitalsReading | None:
    """The reading the blood-pressure criterion judges, from the session's readings as amended in
    time order: the latest after dosing — not necessarily the one that counted for the scheduled
    "BP before discharge" check, which may be earlier."""
    after_dosing = [r for r in vitals if r.kind == VitalsKind.OBSERVATION]
    return after_dosing[-1] if after_dosing else None


def discharge_criteria(
    session: TreatmentSession, *, cs: ClinicSettings, now: dt.datetime | None = None, clinician_ready=None
) -> list[Criterion]:
    now = now or timezone.now()
    crit: list[Criterion] = []
    earliest = earliest_discharge_at(session, cs)
    if session.course.protocol.is_infusion:
        inf = infusion(session)
        if inf is None or inf.ended_at is None:
            crit.append(Criterion("observation", "Infusion ended and recovery time passed", False, "Infusion running"))
        else:
            crit.append(
                Criterion(
                    "observation",
                    f"At least {cs.iv_recovery_minutes} min recovery after the infusion",
                    now >= earliest,
                    f"from {_hm(earliest)}",
                )
            )
    else:
        minimum = minimum_observation_minutes(session, cs)
        label = f"At least {minimum} min since the first {'device' if session.is_esketamine else 'dose'}"
        if earliest is None:
            crit.append(Criterion("observation", label, False, "Not dosed yet", overridable=not session.is_esketamine))
        else:
            elapsed = int((now - session.first_dose_at).total_seconds() // 60)
            crit.append(
                Criterion(
                    "observation",
                    label,
                    now >= earliest,
                    f"{elapsed} of {minimum} min; earliest {_hm(earliest)}",
                    overridable=not session.is_esketamine,
                )
            )

    vitals = amended_vitals(session)
    bps = [r for r in vitals if r.kind == VitalsKind.OBSERVATION]
    label = f"Blood pressure within {cs.discharge_systolic_max}/{cs.discharge_diastolic_max} or falling"
    last = gate_bp(vitals)
    if last is None:
        crit.append(Criterion("bp", label, False, "No reading after dosing"))
    else:
        recent = now - last.taken_at <= dt.timedelta(minutes=cs.discharge_bp_recent_minutes)
        in_range = last.systolic <= cs.discharge_systolic_max and last.diastolic <= cs.discharge_diastolic_max
        falling = len(bps) > 1 and last.systolic < bps[-2].systolic and last.diastolic <= bps[-2].diastolic
        detail = f"latest reading {last.bp}{' (amended)' if last.amended else ''} at {_hm(last.taken_at)}"
        if falling and not in_range:
            detail += f" (falling from {bps[-2].bp})"
        if not recent:
            detail += f" — older than {cs.discharge_bp_recent_minutes} min, measure again"
        crit.append(Criterion("bp", label, recent and (in_range or falling), detail))
    crit.append(_checks_criterion(session, cs, now))

    assessments = amended_assessments(session)
    moaas = [a for a in assessments if a.scale == Scale.MOAAS]
    last_moaas = max(moaas, key=lambda a: (a.taken_at, a.pk)) if moaas else None
    crit.append(
        Criterion(
            "sedation",
            "Sedation resolved: MOAA/S 5 (alert, responds readily to name)",
            bool(last_moaas and last_moaas.score == 5),
            f"MOAA/S {last_moaas.score} at {_hm(last_moaas.taken_at)}" if last_moaas else "Not assessed",
        )
    )
    cadss = [a for a in assessments if a.scale in (Scale.CADSS, Scale.CADSS6)]
    last_cadss = max(cadss, key=lambda a: (a.taken_at, a.pk)) if cadss else None
    crit.append(
        Criterion(
            "dissociation",
            f"Dissociation resolved: {cadss_resolved_words(cs)}",
            bool(last_cadss and last_cadss.score <= cs.cadss_resolved_max),
            f"CADSS {last_cadss.score} at {_hm(last_cadss.taken_at)}" if last_cadss else "Not assessed",
        )
    )
    open_alerts = [a for a in session.alerts.all() if a.is_open]
    crit.append(
        Criterion(
            "alerts",
            "No open alert",
            not open_alerts,
            f"{len(open_alerts)} open — a prescriber must acknowledge" if open_alerts else "None open",
        )
    )
    crit.append(
        Criterion(
            "clinician",
            "Clinician judges the patient ready",
            clinician_ready,
            "Confirm on the discharge form" if clinician_ready is None else ("Yes" if clinician_ready else "No"),
        )
    )
    ride = getattr(session, "ride", None)
    arrived = ride.arrived_at if ride else None
    crit.append(
        Criterion(
            "ride",
            "Ride home present",
            arrived is not None,
            f"Arrived {_hm(arrived)}" if arrived else (f"Expected: {ride.driver_name}" if ride else "No ride recorded"),
        )
    )
    return crit


def cadss_resolved_words(cs: ClinicSettings) -> str:
    """The dissociation threshold (CADSS total at or below ``cadss_resolved_max``) as a nurse says it."""
    if cs.cadss_resolved_max == 0:
        return "CADSS back to 0 (no dissociation)"
    return f"CADSS {cs.cadss_resolved_max} or below (clinic setting)"


def _checks_criterion(session: TreatmentSession, cs: ClinicSettings, now: dt.datetime) -> Criterion:
    checks = due_checks(session, cs, now)
    pending = unrecorded_checks(checks, now)
    excused = [c for c in checks if c.status == "not_taken"]
    if pending:
        detail = (
            ", ".join(c.label for c in pending) + " not recorded — record it, or a prescriber writes why it was missed"
        )
    else:
        detail = (
            f"All accounted for: {len(excused)} not taken, with a prescriber's reason" if excused else "All recorded"
        )
    return Criterion("checks", "Every scheduled check recorded (or why not)", not pending, detail, overridable=False)


def gate_open(criteria: list[Criterion]) -> bool:
    return all(c.met is not False for c in criteria if c.key != "clinician")


# What the discharge criteria and the charge read of the session: loaded once, after the row is locked.
DISCHARGE_READS = ("vitals", "assessments", "administrations", "amendments", "missed_checks", "alerts")


def _locked_with_readings(session: TreatmentSession) -> TreatmentSession:
    return (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("course__protocol", "phase", "patient", "ride")
        .prefetch_related(*DISCHARGE_READS)
        .get(pk=session.pk)
    )


def session_discharge(
    *,
    session: TreatmentSession,
    by: User,
    clinician_ready: bool,
    ready_without_rule_minutes: int | None,
    override_reason: str = "",
) -> Discharge:
    """Observing → discharged: checks the gate, signs the record, charges the session and moves the
    course on (awaiting review after the phase's last session)."""
    cs = ClinicSettings.load()
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        session = _locked_with_readings(session)
        if session.is_signed:
            raise ValidationError("This session is already signed.")
        session.check_transition(SessionStatus.DISCHARGED)
        now = timezone.now()
        criteria = discharge_criteria(session, cs=cs, now=now, clinician_ready=bool(clinician_ready))
        unmet = [c for c in criteria if not c.met]
        if unmet:
            names = "; ".join(f"{c.label} ({c.detail})" for c in unmet)
            hard = [c for c in unmet if not c.overridable]
            if hard:
                raise ValidationError(f"Cannot discharge yet — not overridable: {names}.")
            if not override_reason:
                raise ValidationError(f"Cannot discharge: not met — {names}.")
            if not by.is_prescriber:
                raise ValidationError("Only a prescriber can override the discharge criteria.")
        elif override_reason:
            override_reason = ""  # nothing to override
        if session.is_esketamine:
            if ready_without_rule_minutes is None:
                raise ValidationError(
                    {
                        "ready_without_rule_minutes": "REMS asks when the patient would have been ready without the 2-hour rule."
                    }
                )
        low, high = READY_MINUTES_RANGE
        if ready_without_rule_minutes is not None and not low <= ready_without_rule_minutes <= high:
            raise ValidationError({"ready_without_rule_minutes": f"Give minutes between {low} and {high}."})
        discharge = create_record(
            Discharge,
            by=by,
            session=session,
            at=now,
            clinician_ready=bool(clinician_ready),
            ready_without_rule_minutes=ready_without_rule_minutes,
            criteria=[asdict(c) for c in criteria],
            override_reason=override_reason,
            override_by=by if override_reason else None,
        )
        session.discharged_at = now
        session.discharged_by = by
        session.signed_at = now
        reason = "Discharged" + (f" (override: {override_reason})" if override_reason else "")
        transition(
            session,
            SessionStatus.DISCHARGED,
            by=by,
            reason=reason,
            fields=["discharged_at", "discharged_by", "signed_at"],
        )
        # What a discharge causes, in the same transaction: the charge, then the course's phase.
        charge_session(session=session, by=by, locked=True)
        phase_end(session=session, by=by)
        return discharge
