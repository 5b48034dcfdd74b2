"""Administration: esketamine devices one by one (time and lot) or an IV infusion; the first dose starts
the observation clock; dosing → observing."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_save
from clinic.models import ClinicSettings, User
from sessions.models import (
    ESKETAMINE_DEVICE_MG,
    Administration,
    AdministrationKind,
    DeviceReceipt,
    Drug,
    DrugLot,
    SessionStatus,
    TreatmentSession,
)
from sessions.models.monitoring import MG_PER_KG_RANGE, MG_PER_KG_USUAL, WEIGHT_KG_RANGE
from sessions.monitoring import titration
from sessions.monitoring.state import (
    checked_time,
    create_record,
    ensure_status,
    ensure_writable,
    lock,
    save_session,
    transition,
)


def max_devices(session: TreatmentSession) -> int:
    """The devices offered: those of the planned dose (2 or 3), never above the label's day-1 dose."""
    return titration.planned_devices(session)


def check_lot(lot: DrugLot, drug: str, on: dt.date) -> None:
    if lot.drug != drug:
        raise ValidationError({"lot": f"Lot {lot.lot_number} is not {Drug(drug).label.lower()}."})
    if lot.expires_on < on:
        raise ValidationError({"lot": f"Lot {lot.lot_number} expired on {lot.expires_on:%Y-%m-%d}."})


def administer_device(
    *,
    session: TreatmentSession,
    by: User,
    lot: DrugLot,
    given_at: dt.datetime | None = None,
    receipt: DeviceReceipt | None = None,
) -> Administration:
    """One 28 mg esketamine device. The first starts the observation clock."""
    cs = ClinicSettings.load()
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, SessionStatus.DOSING, doing="record a device")
        if not session.is_esketamine:
            raise ValidationError("This is not an esketamine session; record an infusion instead.")
        devices = list(session.administrations.filter(kind=AdministrationKind.DEVICE).order_by("number"))
        limit = max_devices(session)
        if len(devices) >= limit:
            if limit >= 3:
                raise ValidationError({"lot": "All 3 devices (84 mg, the highest dose) of this session are recorded."})
            why = (
                "day 1 of the course is 56 mg"
                if session.number == 1 and session.phase.first_dose_mg
                else f"the planned dose is {titration.planned_mg(session)} mg"
            )
            raise ValidationError(
                {
                    "lot": f"Device {len(devices) + 1} refused: {why} ({limit} devices, all recorded). "
                    "Giving more devices than planned needs a prescriber to change the planned dose first."
                }
            )
        given_at = checked_time(given_at, not_before=session.checked_in_at, what="The device time")
        warning = ""
        if devices:
            previous = devices[-1]
            if given_at <= previous.given_at:
                raise ValidationError(
                    {
                        "given_at": f"Device {len(devices) + 1} cannot be given before or at the same time as "
                        f"device {previous.number} ({timezone.localtime(previous.given_at):%H:%M})."
                    }
                )
            gap = given_at - previous.given_at
            if gap < dt.timedelta(minutes=cs.device_interval_minutes):
                warning = (
                    f"Only {int(gap.total_seconds() // 60)} min after device {previous.number}; "
                    f"the label asks for {cs.device_interval_minutes} minutes' rest between devices."
                )
        check_lot(lot, Drug.ESKETAMINE, timezone.localdate(given_at))
        if receipt is not None:
            if receipt.patient_id != session.patient_id:
                raise ValidationError({"receipt": "These devices were received for another patient."})
            if receipt.lot_id != lot.pk:
                raise ValidationError({"receipt": "The receipt is for another lot."})
            if receipt.use_by < timezone.localdate(given_at):
                warning = (warning + " " if warning else "") + (
                    f"Device received {receipt.received_on:%Y-%m-%d} is past its use-by date "
                    f"({receipt.use_by:%Y-%m-%d})."
                )
        number = len(devices) + 1
        adm = create_record(
            Administration,
            by=by,
            session=session,
            kind=AdministrationKind.DEVICE,
            number=number,
            given_at=given_at,
            dose_mg=Decimal(ESKETAMINE_DEVICE_MG),
            lot=lot,
            receipt=receipt,
            warning=warning[:200],
        )
        fields = ["dose_given_mg"]
        if number == 1:
            session.first_dose_at = given_at
            fields.append("first_dose_at")
        session.dose_given_mg = Decimal(ESKETAMINE_DEVICE_MG * number)
        save_session(session, by=by, reason=f"Device {number} given", fields=fields)
        return adm


def infusion_start(
    *,
    session: TreatmentSession,
    by: User,
    lot: DrugLot,
    weight_kg: Decimal,
    mg_per_kg: Decimal,
    started_at: dt.datetime | None = None,
) -> Administration:
    """IV ketamine: weight × mg/kg gives the dose; the start starts the observation clock."""
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, SessionStatus.DOSING, doing="start the infusion")
        if session.is_esketamine:
            raise ValidationError("This is an esketamine session; record devices instead.")
        if session.administrations.filter(kind=AdministrationKind.INFUSION).exists():
            raise ValidationError("The infusion of this session is already recorded.")
        weight_kg, mg_per_kg = Decimal(weight_kg), Decimal(mg_per_kg)
        low, high = WEIGHT_KG_RANGE
        if not low <= weight_kg <= high:
            raise ValidationError({"weight_kg": f"Weight must be between {low} and {high} kg."})
        low, high = MG_PER_KG_RANGE
        if not low <= mg_per_kg <= high:
            raise ValidationError({"mg_per_kg": f"mg/kg must be between {low} and {high}."})
        planned = titration.planned_mg_per_kg(session)
        if planned is not None and mg_per_kg > planned:
            raise ValidationError(
                {
                    "mg_per_kg": f"The planned dose is {planned} mg/kg: a higher dose is refused. "
                    "A prescriber changes the planned dose first."
                }
            )
        warning = ""
        if not MG_PER_KG_USUAL[0] <= mg_per_kg <= MG_PER_KG_USUAL[1]:
            warning = f"Outside the usual range of {MG_PER_KG_USUAL[0]}–{MG_PER_KG_USUAL[1]} mg/kg."
        started_at = checked_time(started_at, not_before=session.checked_in_at, what="The infusion start")
        check_lot(lot, Drug.KETAMINE, timezone.localdate(started_at))
        dose = (weight_kg * mg_per_kg).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        adm = create_record(
            Administration,
            by=by,
            session=session,
            kind=AdministrationKind.INFUSION,
            number=1,
            given_at=started_at,
            dose_mg=dose,
            weight_kg=weight_kg,
            mg_per_kg=mg_per_kg,
            lot=lot,
            warning=warning,
        )
        session.first_dose_at = started_at
        session.dose_given_mg = dose
        save_session(session, by=by, reason="Infusion started", fields=["first_dose_at", "dose_given_mg"])
        return adm


def infusion_end(*, session: TreatmentSession, by: User, ended_at: dt.datetime | None = None) -> Administration:
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, SessionStatus.DOSING, SessionStatus.OBSERVING, doing="end the infusion")
        adm = session.administrations.select_for_update().filter(kind=AdministrationKind.INFUSION).first()
        if adm is None:
            raise ValidationError("Start the infusion first.")
        if adm.ended_at:
            raise ValidationError("The infusion end is already recorded.")
        ended_at = checked_time(ended_at, what="The infusion end")
        if ended_at <= adm.given_at:
            raise ValidationError({"ended_at": "The infusion must end after it started."})
        adm.ended_at = ended_at
        audited_save(adm, by=by, reason="Infusion ended", update_fields=["ended_at"])
        session.infusion_minutes = math.ceil((ended_at - adm.given_at).total_seconds() / 60)
        save_session(session, by=by, reason="Infusion ended", fields=["infusion_minutes"])
        return adm


def session_start_observing(*, session: TreatmentSession, by: User) -> TreatmentSession:
    """Dosing → observing: all devices given (2 or 3), or the infusion running."""
    with transaction.atomic():
        session = lock(session)
        ensure_writable(session)
        session.check_transition(SessionStatus.OBSERVING)
        adms = list(session.administrations.all())
        if session.is_esketamine:
            devices = [a for a in adms if a.kind == AdministrationKind.DEVICE]
            if len(devices) < 2:
                raise ValidationError("An esketamine dose is 2 or 3 devices (56 or 84 mg): record each device first.")
        elif not adms:
            raise ValidationError("Start the infusion first.")
        transition(session, SessionStatus.OBSERVING, by=by, reason="Dosing complete; observing", fields=[])
        return session
