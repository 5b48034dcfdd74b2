"""Demo monitoring history: drug lots, device receipts, and completed past sessions with readings, devices,
discharges, REMS submissions and questionnaire scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from clinic.demo import DemoContext
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
    OutcomeScore,
    RemsSubmission,
    Scale,
    SessionStatus,
    Source,
    TreatmentSession,
    VitalsKind,
    VitalsReading,
)
from sessions.models.outcomes import band_for
from sessions.monitoring import lots

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
