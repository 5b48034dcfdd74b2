"""Charges: the immutable charge of a discharged session (called by the discharge service) and the
fee of a no-show or late cancellation (called by the scheduling services). Never edited: corrections
are adjustments."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from clinic.audit import audited, audited_bulk_create, audited_create
from clinic.models import ClinicSettings, Patient
from sessions.billing import codes as billing_codes
from sessions.billing.pricing import ZERO, Pricing, Split, clinic_currency, local_day, to_cents
from sessions.models import (
    Charge,
    ChargeKind,
    ChargeLine,
    Coverage,
    SessionStatus,
    TreatmentSession,
    VisitCoding,
)
from sessions.monitoring.amendments import dose_given


def lock_patient(patient_id: int) -> Patient:
    return Patient.objects.select_for_update().get(pk=patient_id)


def _write_charge(*, session, kind, day, total, split, price, payer, dose, lines, note, by) -> Charge:
    charge = audited_create(
        Charge,
        dict(
            patient_id=session.patient_id,
            session=session,
            kind=kind,
            service_date=day,
            price=price,
            payer=payer,
            dose_mg=dose,
            total=total,
            payer_part=split.payer_part,
            savings_part=split.savings_part,
            patient_part=split.patient_part,
            deductible_applied=split.deductible_applied,
            currency=clinic_currency(),
            note=note[:300],
            created_by=by,
        ),
        by=by,
        reason="Charged",
        validate=False,
    )
    rows = [
        ChargeLine(
            charge=charge,
            position=position,
            code=line.code,
            modifier=line.modifier,
            units=line.units,
            description=line.description,
        )
        for position, line in enumerate(lines, start=1)
    ]
    if rows:  # one insert and one history insert for all the lines
        audited_bulk_create(ChargeLine, rows, by=by, reason="Charge line")
    return charge


def charge_session(*, session: TreatmentSession, by=None, locked: bool = False) -> Charge:
    """The charge of a discharged session from the price in force that day and the dose actually given.

    Idempotent: a session already charged keeps its charge. It never blocks a discharge: with
    no price in force the charge is zero and says so, for an admin to correct by adjustment.
    ``locked``: the caller (the discharge) holds ``session`` locked in this transaction, read with its
    course's protocol, its patient and its amendments, so it is not read again.
    """
    with transaction.atomic():
        lock_patient(session.patient_id)
        if not locked:
            session = TreatmentSession.objects.select_related("course__protocol", "patient").get(pk=session.pk)
        existing = Charge.objects.filter(session=session).first()
        if existing is not None:
            return existing
        if session.status != SessionStatus.DISCHARGED:
            raise ValidationError("Only a discharged session is charged.")
        notes = []
        dose = dose_given(session)  # as given, or as corrected by an amendment before the charge
        if dose is None and session.planned_dose_mg is not None:
            dose = Decimal(session.planned_dose_mg)
            notes.append(f"Dose given was not recorded; charged on the planned dose of {session.planned_dose_mg} mg.")
        day = local_day(session.discharged_at or session.planned_start)
        coding = VisitCoding.objects.filter(session=session).first()
        est = Pricing(patient=session.patient).estimate(
            session,
            dose_mg=dose,
            infusion_minutes=session.infusion_minutes,
            day=day,
            em_code=coding.em_code if coding else None,
        )
        notes.extend(est.notes)
        split = Split(est.payer_part, est.savings_part, est.patient_part, est.deductible_applied)
        charge = _write_charge(
            session=session,
            kind=ChargeKind.SESSION,
            day=day,
            total=est.total,
            split=split,
            price=est.price,
            payer=est.payer,
            dose=dose,
            lines=est.lines,
            note=" ".join(notes),
            by=by,
        )
        if est.coverage is not None and est.deductible_applied:
            Coverage.objects.filter(pk=est.coverage.pk).update(
                deductible_remaining=F("deductible_remaining") - est.deductible_applied
            )
            coverage = Coverage.objects.get(pk=est.coverage.pk)
            audited(coverage, by=by, reason=f"Deductible applied to charge {charge.pk}")
            coverage.save(update_fields=["deductible_remaining"])  # writes the history row
        return charge


def charge_release_fee(*, session: TreatmentSession, by=None, late: bool = False) -> Charge | None:
    """The configurable fee for a late cancellation or a no-show (none when the fee is zero)."""
    cs = ClinicSettings.load()
    if session.status == SessionStatus.NO_SHOW:
        kind, fee = ChargeKind.NO_SHOW, cs.no_show_fee
    elif session.status == SessionStatus.CANCELLED and late:
        kind, fee = ChargeKind.LATE_CANCEL, cs.cancellation_fee
    else:
        return None
    if not fee or fee <= 0:
        return None
    with transaction.atomic():
        lock_patient(session.patient_id)
        existing = Charge.objects.filter(session=session).first()
        if existing is not None:
            return existing
        fee = to_cents(fee)
        return _write_charge(
            session=session,
            kind=kind,
            day=local_day(session.planned_start),
            total=fee,
            split=Split(ZERO, ZERO, fee, ZERO),
            price=None,
            payer=None,
            dose=None,
            lines=[billing_codes.Line("", ChargeKind(kind).label, 1)],
            note=session.status_reason or "",
            by=by,
        )
