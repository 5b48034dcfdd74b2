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
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from clinic.audit import audited_save
from clinic.demo import DemoContext, register_demo_step
from clinic.models import ClinicSettings
from sessions.datasafety import MAINTENANCE_GUC
from sessions.models import (
    Administration,
    AdministrationKind,
    Assessment,
    CheckIn,
    Course,
    CourseStatus,
    DeviceReceipt,
    Discharge,
    Drug,
    DrugLot,
    Instrument,
    InvalidTransition,
    OutcomeScore,
    RemsSubmission,
    Ride,
    Scale,
    SessionStatus,
    Source,
    TreatmentSession,
    VitalsKind,
    VitalsReading,
)
from sessions.models.outcomes import band_for
from sessions.monitoring import discharge, lots
from sessions.monitoring import services as monitoring
from sessions.outcomes.services import outcome_record
from sessions.scheduling.booking import renumber

ESK_LOT = "DEMO-ESK-2611A"
OLD_ESK_LOT = "DEMO-ESK-2608C"
KET_LOT = "DEMO-KET-2610"


def _lots(ctx: DemoContext, nurse) -> dict[str, DrugLot]:
    today = ctx.today
    specs = [
        (OLD_ESK_LOT, Drug.ESKETAMINE, today - dt.timedelta(days=120), today + dt.timedelta(days=200), 300),
        (ESK_LOT, Drug.ESKETAMINE, today - dt.timedelta(days=30), today + dt.timedelta(days=400), 200),
        (KET_LOT, Drug.KETAMINE, today - dt.timedelta(days=120), today + dt.timedelta(days=300), 20000),
    ]
    out = {}
    for number, drug, received, expires, qty in specs:
        out[number], _ = DrugLot.objects.get_or_create(
            drug=drug,
            lot_number=number,
            defaults={
                "received_on": received,
                "expires_on": expires,
                "quantity": qty,
                "supplier": "Demo Specialty Pharmacy",
                "received_by": nurse,
            },
        )
    return out


def _scores(patient, sessions: list[TreatmentSession], staff, responder: bool, rng) -> list[OutcomeScore]:
    """A PHQ-9 and GAD-7 before every second session: falling for responders, flat otherwise."""
    rows = []
    n = max(1, len(sessions))
    for i, s in enumerate(sessions):
        if i % 2 and i != n - 1:
            continue
        frac = i / max(1, n - 1)
        phq = round(21 - (18 if responder else 3) * frac + rng.uniform(-1.5, 1.5))
        gad = round(16 - (12 if responder else 2) * frac + rng.uniform(-1.5, 1.5))
        for instrument, total, count in ((Instrument.PHQ9, phq, 9), (Instrument.GAD7, gad, 7)):
            total = max(0, min(3 * count, total))
            items = [total // count + (1 if k < total % count else 0) for k in range(count)]
            if instrument == Instrument.PHQ9:
                # Item 9 stays 0 in the history (a positive answer raises an alert today).
                spill, items[8] = items[8], 0
                for k in range(8):
                    if spill and items[k] < 3:
                        items[k] += 1
                        spill -= 1
            total = sum(items)
            rows.append(
                OutcomeScore(
                    patient=patient,
                    session=s,
                    instrument=instrument,
                    items=items,
                    total=total,
                    band=band_for(instrument, total),
                    completed_at=(s.checked_in_at or s.planned_start) - dt.timedelta(minutes=20 if i % 4 else 0),
                    source=Source.PORTAL if i % 3 else Source.STAFF,
                    entered_by=patient.user or staff,
                )
            )
    return rows


def _history(ctx: DemoContext, lots_: dict[str, DrugLot], nurse, cs: ClinicSettings) -> None:
    """Readings, devices, assessments and discharge rows for past discharged sessions without them."""
    past = list(
        TreatmentSession.objects.filter(status=SessionStatus.DISCHARGED, checkin__isnull=True)
        .select_related("course__protocol", "patient", "discharged_by")
        .order_by("patient_id", "planned_start")
    )
    if not past:
        return
    rng = ctx.rng
    checkins, vitals, adms, assessments, discharges, scores, rems = [], [], [], [], [], [], []
    by_patient: dict[int, list[TreatmentSession]] = {}
    today = ctx.today
    for s in past:
        by_patient.setdefault(s.patient_id, []).append(s)
        by = s.discharged_by or nurse
        checked = s.checked_in_at or s.planned_start
        t0 = s.first_dose_at or checked + dt.timedelta(minutes=20)
        end = s.discharged_at or t0 + dt.timedelta(minutes=125)
        p = s.patient
        checkins.append(
            CheckIn(
                session=s,
                identity_confirmed=True,
                no_food_2h=True,
                no_drink_30min=True,
                nasal_spray_ok=True,
                ride_name=p.usual_ride_name or "Arranged taxi",
                ride_phone=p.usual_ride_phone or "+1 555 0100 999",
                med_benzodiazepines=p.med_benzodiazepines,
                med_nonbenzo_hypnotics=p.med_nonbenzo_hypnotics,
                med_opioids=p.med_opioids,
                med_psychostimulants=p.med_psychostimulants,
                med_maois=p.med_maois,
                contraindications_unchanged=True,
                rems_enrolled=p.is_rems_enrolled,
                by=by,
                at=checked,
            )
        )
        base = rng.randint(118, 136)
        rise = rng.randint(8, 30)
        pre = VitalsReading(
            session=s,
            kind=VitalsKind.PREDOSE,
            taken_at=checked + dt.timedelta(minutes=6),
            systolic=base,
            diastolic=base - 48,
            heart_rate=rng.randint(64, 84),
            spo2=98,
            by=by,
        )
        forty = VitalsReading(
            session=s,
            kind=VitalsKind.OBSERVATION,
            taken_at=t0 + dt.timedelta(minutes=40),
            systolic=base + rise,
            diastolic=base - 45 + rise // 3,
            heart_rate=rng.randint(70, 92),
            spo2=97,
            by=by,
        )
        last = VitalsReading(
            session=s,
            kind=VitalsKind.OBSERVATION,
            taken_at=end - dt.timedelta(minutes=12),
            systolic=base + rng.randint(0, 8),
            diastolic=base - 47,
            heart_rate=rng.randint(64, 80),
            spo2=98,
            by=by,
        )
        vitals += [pre, forty, last]
        if s.course.protocol.is_esketamine:
            lot = lots_[OLD_ESK_LOT] if (today - t0.date()).days > 25 else lots_[ESK_LOT]
            devices = int((s.dose_given_mg or 56) // 28)
            for k in range(devices):
                adms.append(
                    Administration(
                        session=s,
                        kind=AdministrationKind.DEVICE,
                        number=k + 1,
                        given_at=t0 + dt.timedelta(minutes=5 * k),
                        dose_mg=Decimal(28),
                        lot=lot,
                        by=by,
                    )
                )
        else:
            weight = Decimal(p.weight_kg or 70)
            adms.append(
                Administration(
                    session=s,
                    kind=AdministrationKind.INFUSION,
                    number=1,
                    given_at=t0,
                    ended_at=t0 + dt.timedelta(minutes=s.infusion_minutes or 40),
                    dose_mg=s.dose_given_mg or (weight * Decimal("0.5")).quantize(Decimal("0.1")),
                    weight_kg=weight,
                    mg_per_kg=Decimal("0.50"),
                    lot=lots_[KET_LOT],
                    by=by,
                )
            )
        for minute, moaas, cadss in (
            (40, rng.choice([4, 5, 5]), [rng.randint(0, 2) for _ in range(6)]),
            (90, 5, [0] * 6),
        ):
            at = t0 + dt.timedelta(minutes=minute)
            assessments.append(Assessment(session=s, scale=Scale.MOAAS, taken_at=at, score=moaas, by=by))
            assessments.append(
                Assessment(session=s, scale=Scale.CADSS6, taken_at=at, score=sum(cadss), items=cadss, by=by)
            )
        discharges.append(
            Discharge(
                session=s,
                at=end,
                by=by,
                clinician_ready=True,
                ready_without_rule_minutes=rng.choice([60, 75, 90, 100]) if s.is_esketamine else None,
                criteria=[
                    {
                        "key": "all",
                        "label": "All criteria met (demo history)",
                        "met": True,
                        "detail": "",
                        "overridable": True,
                    }
                ],
            )
        )
        age = (today - timezone.localtime(end, cs.tz).date()).days
        # Older forms submitted; two overdue; the last week's still to submit.
        if s.is_esketamine and age > cs.rems_form_due_days and s.pk % 9 != 4:
            rems.append(
                RemsSubmission(
                    session=s,
                    submitted_on=timezone.localtime(end, cs.tz).date() + dt.timedelta(days=rng.randint(1, 5)),
                    confirmation_number=f"DEMO-RC-{10000 + s.pk}",
                    by=by,
                )
            )
    ended = set(Course.objects.filter(status=CourseStatus.ENDED).values_list("patient_id", flat=True))
    for patient_id, sessions in by_patient.items():
        scores += _scores(sessions[0].patient, sessions, nurse, responder=patient_id not in ended, rng=rng)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL {MAINTENANCE_GUC} = 'on'")  # bulk load of signed records
        for model, rows in (
            (CheckIn, checkins),
            (VitalsReading, vitals),
            (Administration, adms),
            (Assessment, assessments),
            (Discharge, discharges),
            (OutcomeScore, scores),
            (RemsSubmission, rems),
        ):
            bulk_create_with_history(rows, model, batch_size=500, default_user=nurse, default_change_reason="Demo")


def _receipts(ctx: DemoContext, lots_: dict[str, DrugLot], nurse) -> None:
    if DeviceReceipt.objects.exists():
        return
    for i, (days_ago, devices) in enumerate(((4, 6), (12, 3), (16, 2))):
        if i >= len(ctx.patients):
            break
        lots.receipt_record(
            by=nurse,
            patient=ctx.patients[i + 1],
            lot=lots_[ESK_LOT],
            devices=devices,
            received_on=ctx.today - dt.timedelta(days=days_ago),
            notes="Demo specialty-pharmacy delivery",
        )


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
    """Move today's booking to when the demo says the patient arrived, on a chair free then.

    The demo's live states are set relative to the moment it is seeded; without this the day board
    would show a patient booked at 09:00 whose observation clock started minutes ago.
    """
    start = arrival.replace(second=0, microsecond=0)
    end = start + s.phase.chair_duration
    if timezone.localdate(start) != timezone.localdate(s.planned_start):
        return  # seeded just after midnight: keep the booking as it is
    others = TreatmentSession.objects.overlapping(start, end).exclude(pk=s.pk)
    if others.filter(patient_id=s.patient_id).exists():
        return
    for chair in [s.chair, *[c for c in ctx.chairs if c.pk != s.chair_id]]:
        if not others.filter(chair=chair).exists():
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
    # A patient answered the PHQ-9 in the portal this morning with item 9 above 0: staff are alerted.
    if ctx.patients and ctx.patients[0].user:
        outcome_record(
            patient=ctx.patients[0],
            by=ctx.patients[0].user,
            instrument=Instrument.PHQ9,
            items=[2, 2, 1, 2, 1, 1, 1, 0, 1],
            source=Source.PORTAL,
            completed_at=timezone.now() - dt.timedelta(hours=2),
        )
