"""Demo live monitoring: lots and device receipts, completed histories with readings and scores,
and today's sessions in every state (one observing with the 40-minute check overdue, one ready
for discharge, one with an alert, one waiting for the prescriber's decision, …). Synthetic.

Today's sessions go through the real services with explicit past times; completed sessions are
signed records, so their rows are bulk-loaded (inside the maintenance switch on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_save
from clinic.demo import DemoContext, register_demo_step
from clinic.models import ClinicSettings
from sessions.models import (
    Course,
    CourseStatus,
    InvalidTransition,
    Ride,
    Scale,
    SessionStatus,
    TreatmentSession,
)
from sessions.monitoring import discharge
from sessions.monitoring import services as monitoring
from sessions.monitoring.demo_history import ESK_LOT, KET_LOT, _history, _lots, _receipts
from sessions.scheduling.booking import renumber


def _today_sessions(cs: ClinicSettings) -> list[TreatmentSession]:
    today = timezone.localdate(timezone=cs.tz)
    return list(
        TreatmentSession.objects.on_day(today, cs.tz)
        .filter(status=SessionStatus.SCHEDULED)
        .select_related("course__protocol", "patient", "phase")
        .order_by("planned_start")
    )


def _book_today(ctx: DemoContext, cs: ClinicSettings, want: int) -> None:
    """When the scheduling step left too few sessions today, book some on free chairs."""
    courses = list(
        Course.objects.filter(status=CourseStatus.ACTIVE, protocol__treatment="esketamine")
        .select_related("current_phase", "patient")
        .order_by("pk")
    )
    now = timezone.now().replace(second=0, microsecond=0)
    busy_today = set(
        TreatmentSession.objects.on_day(ctx.today, cs.tz).holding_time().values_list("patient_id", flat=True)
    )
    made = 0
    for course in courses:
        if made >= want:
            return
        patient = course.patient
        if patient.pk in busy_today or not patient.is_rems_enrolled or patient.contraindications():
            continue
        phase = course.current_phase
        day_start = dt.datetime.combine(ctx.today, dt.time(0, 5), tzinfo=cs.tz)
        start = max(now - dt.timedelta(minutes=150 - 25 * made), day_start)
        end = start + phase.chair_duration
        if TreatmentSession.objects.overlapping(start, end).filter(patient=course.patient).exists():
            continue
        for chair in ctx.chairs:
            if not chair.serves(course.protocol.chair_need):
                continue
            if TreatmentSession.objects.overlapping(start, end).filter(chair=chair).exists():
                continue
            number = course.sessions.exclude(status__in=["cancelled", "no_show"]).count() + 1
            s = TreatmentSession.objects.create(
                course=course,
                patient=course.patient,
                phase=phase,
                chair=chair,
                number=number,
                planned_start=start,
                planned_end=end,
                planned_dose_mg=phase.default_dose_mg or 56,
            )
            Ride.objects.get_or_create(session=s)
            renumber(course, by=ctx.users.get("admin"))  # keep "Session N of M" in date order
            busy_today.add(patient.pk)
            made += 1
            break


def _checklist(s: TreatmentSession) -> dict:
    p = s.patient
    return {
        **{k: True for k in ("identity_confirmed", "no_food_2h", "no_drink_30min", "nasal_spray_ok")},
        "contraindications_unchanged": True,
        "rems_enrolled": True,
        "ride_name": p.usual_ride_name or "Arranged taxi (Demo Cabs)",
        "ride_phone": p.usual_ride_phone or "+1 555 0100 999",
        "med_benzodiazepines": p.med_benzodiazepines,
        "med_psychostimulants": p.med_psychostimulants,
        "pregnancy": "not_pregnant" if p.pregnancy_relevant else "not_relevant",
    }


def _retime(s: TreatmentSession, ctx: DemoContext, *, arrival: dt.datetime) -> None:
    """Move today's booking to when the demo says the patient arrived, on a chair free then that can serve
    the protocol; refuse (ValidationError: the session stays scheduled) when there is none.

    The demo's live states are set relative to the moment it is seeded, whatever the hour; without this
    the day board would show a patient booked at 09:00 whose observation clock started minutes ago, or
    several patients in one chair.
    """
    start = arrival.replace(second=0, microsecond=0)
    end = start + s.phase.chair_duration
    tz = ClinicSettings.load().tz
    if timezone.localdate(start, tz) != timezone.localdate(s.planned_start, tz):
        raise ValidationError("Seeded just after midnight: the arrival would be yesterday.")
    others = TreatmentSession.objects.overlapping(start, end).exclude(pk=s.pk)
    if others.filter(patient_id=s.patient_id).exists():
        raise ValidationError("The patient has another visit then.")
    need = s.course.protocol.chair_need
    for chair in [s.chair, *[c for c in ctx.chairs if c.pk != s.chair_id]]:
        if chair.serves(need) and chair.is_active and not others.filter(chair=chair).exists():
            s.chair, s.planned_start, s.planned_end = chair, start, end
            admin = ctx.users.get("admin")
            audited_save(
                s,
                by=admin,
                reason="Demo: booking moved to the patient's arrival time",
                update_fields=["chair", "planned_start", "planned_end", "updated_at"],
            )
            renumber(s.course, by=admin)
            s.refresh_from_db()
            return
    raise ValidationError("No chair able to serve the protocol is free at the arrival time.")


def _advance(s, ctx, lots_, nurse, prescriber, state: str) -> None:
    """Take one of today's sessions to ``state`` through the services, with times in the past."""
    now = timezone.now()
    first = FIRST_DOSE_MINUTES_AGO.get(state, 0)
    t0 = now - dt.timedelta(minutes=first)
    checked = t0 - dt.timedelta(minutes=18) if first else now - dt.timedelta(minutes=10)
    _retime(s, ctx, arrival=checked - dt.timedelta(minutes=2))
    monitoring.session_check_in(session=s, by=nurse, checklist=_checklist(s), at=checked)
    high = state == "decision"
    monitoring.vitals_record(
        session=s,
        by=nurse,
        systolic=152 if high else 128,
        diastolic=94 if high else 80,
        heart_rate=76,
        spo2=98,
        taken_at=checked + dt.timedelta(minutes=5),
    )
    if state in ("checked_in", "decision"):
        return
    if state == "deferred":
        monitoring.session_defer(session=s, by=nurse, reason="Patient unwell today (fever); rebooked")
        return
    monitoring.session_start_dosing(session=s, by=nurse)
    if not s.is_esketamine:
        monitoring.infusion_start(
            session=s,
            by=nurse,
            lot=lots_[KET_LOT],
            weight_kg=s.patient.weight_kg or 70,
            mg_per_kg=Decimal("0.5"),
            started_at=t0,
        )
        monitoring.session_start_observing(session=s, by=nurse)
        for minute in (10, 20):
            monitoring.vitals_record(
                session=s,
                by=nurse,
                systolic=132 + minute // 2,
                diastolic=82,
                heart_rate=80,
                spo2=97,
                taken_at=t0 + dt.timedelta(minutes=minute),
            )
        return
    devices = 1 if state == "dosing" else 2
    for k in range(devices):
        monitoring.administer_device(session=s, by=nurse, lot=lots_[ESK_LOT], given_at=t0 + dt.timedelta(minutes=5 * k))
    if state == "dosing":
        return
    monitoring.session_start_observing(session=s, by=nurse)
    if state == "alert":
        monitoring.vitals_record(
            session=s,
            by=nurse,
            systolic=204,
            diastolic=118,
            heart_rate=96,
            spo2=97,
            taken_at=t0 + dt.timedelta(minutes=30),
        )
        return
    if state == "overdue":
        monitoring.assessment_record(
            session=s, by=nurse, scale=Scale.MOAAS, score=4, taken_at=t0 + dt.timedelta(minutes=20)
        )
        return
    # ready / discharged: every check done, ride here.
    for minute, sys_, moaas, cadss in ((40, 148, 4, [1, 1, 0, 1, 0, 0]), (90, 138, 5, [0] * 6)):
        at = t0 + dt.timedelta(minutes=minute)
        monitoring.vitals_record(session=s, by=nurse, systolic=sys_, diastolic=88, heart_rate=78, spo2=98, taken_at=at)
        monitoring.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=moaas, taken_at=at)
        monitoring.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=cadss, taken_at=at)
    monitoring.vitals_record(
        session=s, by=nurse, systolic=130, diastolic=82, heart_rate=72, spo2=99, taken_at=now - dt.timedelta(minutes=6)
    )
    monitoring.assessment_record(
        session=s, by=nurse, scale=Scale.MOAAS, score=5, taken_at=now - dt.timedelta(minutes=5)
    )
    monitoring.ride_arrived(session=s, by=nurse, at=now - dt.timedelta(minutes=3))
    if state == "discharged":
        discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=80)


# How long ago the first device (or infusion) went in, for each demo state.
FIRST_DOSE_MINUTES_AGO = {"ready": 128, "overdue": 52, "alert": 34, "dosing": 3, "discharged": 135, "infusion": 25}


def _closest(sessions: list[TreatmentSession], state: str) -> TreatmentSession:
    """The booking nearest to when a patient in ``state`` would have arrived."""
    arrival = timezone.now() - dt.timedelta(minutes=FIRST_DOSE_MINUTES_AGO.get(state, 0) + 20)
    return min(sessions, key=lambda s: abs((s.planned_start - arrival).total_seconds()))


ESKETAMINE_STATES = ["ready", "overdue", "alert", "decision", "dosing", "deferred", "discharged", "checked_in"]


@register_demo_step(30, "live monitoring: lots, histories with readings and scores, today's sessions in every state")
def seed_monitoring(ctx: DemoContext) -> None:
    nurse = ctx.users.get("nurse")
    prescriber = ctx.users.get("prescriber")
    if nurse is None or prescriber is None:
        return
    cs = ClinicSettings.load()
    lots_ = _lots(ctx, nurse)
    _history(ctx, lots_, nurse, cs)
    _receipts(ctx, lots_, nurse)
    in_clinic = TreatmentSession.objects.on_day(ctx.today, cs.tz).exclude(status=SessionStatus.SCHEDULED)
    if in_clinic.exclude(status__in=[SessionStatus.CANCELLED, SessionStatus.NO_SHOW]).exists():
        return  # today's states were already seeded
    today = _today_sessions(cs)
    have = sum(1 for s in today if s.is_esketamine)
    if have < len(ESKETAMINE_STATES):
        _book_today(ctx, cs, len(ESKETAMINE_STATES) - have)
        today = _today_sessions(cs)
    esk = [s for s in today if s.is_esketamine and s.patient.is_rems_enrolled and not s.patient.contraindications()]
    iv = [s for s in today if s.course.protocol.is_infusion]
    plan = []
    for state in ESKETAMINE_STATES:
        if not esk:
            break
        chosen = _closest(esk, state)
        esk.remove(chosen)
        plan.append((chosen, state))
    if iv:
        plan.append((_closest(iv, "infusion"), "infusion"))
    for s, state in plan:
        try:
            with transaction.atomic():
                _advance(s, ctx, lots_, nurse, prescriber, state)
        except (ValidationError, InvalidTransition):
            continue  # e.g. seeded just after midnight: leave that session scheduled
