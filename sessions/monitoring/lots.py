"""Drug lots, patient-specific device receipts (use within 14 days) and the controlled-substance log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_save
from clinic.models import ClinicSettings, Patient, User
from sessions.models import AdministrationKind, DeviceReceipt, Drug, DrugLot


def lot_receive(*, by: User, **values) -> DrugLot:
    lot = DrugLot(received_by=by, **values)
    if lot.expires_on and lot.received_on and lot.expires_on < lot.received_on:
        raise ValidationError({"expires_on": "The lot expires before it was received."})
    lot.full_clean()
    audited_save(lot, by=by)
    return lot


def receipt_record(
    *, by: User, patient: Patient, lot: DrugLot, devices: int, received_on: dt.date, notes: str = ""
) -> DeviceReceipt:
    if lot.drug != Drug.ESKETAMINE:
        raise ValidationError({"lot": "Patient-specific devices are esketamine devices."})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "The receipt date cannot be in the future."})
    cs = ClinicSettings.load()
    with transaction.atomic():
        receipt = DeviceReceipt(
            patient=patient,
            lot=lot,
            devices=devices,
            received_on=received_on,
            use_by=received_on + dt.timedelta(days=cs.device_use_within_days),
            received_by=by,
            notes=notes,
        )
        receipt.full_clean()
        audited_save(receipt, by=by)
        return receipt


def receipts_with_use(receipts) -> list[DeviceReceipt]:
    """Annotate each receipt (prefetched administrations) with used / left / state."""
    today = timezone.localdate()
    out = []
    for r in receipts:
        r.used = len(r.administrations.all())
        r.left = max(0, r.devices - r.used)
        if r.left == 0:
            r.state = "used"
        elif r.use_by < today:
            r.state = "expired"
        elif (r.use_by - today).days <= 3:
            r.state = "soon"
        else:
            r.state = "ok"
        out.append(r)
    return out


@dataclass
class LogLine:
    when: dt.datetime
    what: str
    patient: str
    session_id: int | None
    quantity_in: str
    quantity_out: str
    by: str
    balance: str


def lot_log(lot: DrugLot) -> list[LogLine]:
    """Receipt of the lot, then every administration from it in time order, with the running balance."""
    received = dt.datetime.combine(lot.received_on, dt.time.min, tzinfo=timezone.get_current_timezone())
    lines = [LogLine(received, "Lot received", "", None, f"{lot.quantity} {lot.unit}", "", str(lot.received_by), "")]
    balance = lot.quantity
    lines[0].balance = f"{balance} {lot.unit}"
    adms = lot.administrations.select_related("session__patient", "by").order_by("given_at", "number")
    for a in adms:
        used = 1 if a.kind == AdministrationKind.DEVICE else a.dose_mg
        balance -= used
        lines.append(
            LogLine(
                a.given_at,
                f"{a.get_kind_display()} {a.number}" if a.kind == AdministrationKind.DEVICE else "IV infusion",
                a.session.patient.full_name,
                a.session_id,
                "",
                a.quantity,
                str(a.by),
                f"{balance} {lot.unit}",
            )
        )
    return lines
