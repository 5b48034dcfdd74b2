"""What billing works from, as an admin records it: prices, payers, a patient's coverage and prior
authorisations. Each write validates the row (``full_clean``) and names the actor in its history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from clinic.audit import audited_change
from clinic.models import Patient, User
from sessions.billing.pricing import clinic_currency
from sessions.models import Coverage, Payer, Price, PriorAuthorisation, Protocol


def price_add(
    *,
    by: User,
    protocol: Protocol,
    dose_mg: int | None,
    amount: Decimal,
    effective_from: dt.date,
) -> Price:
    """A new price from a date on; charges already made keep theirs (a price is never edited)."""
    values = dict(protocol=protocol, dose_mg=dose_mg, amount=amount, effective_from=effective_from)
    values.update(currency=clinic_currency(), created_by=by)
    return audited_change(Price(), values, by=by, reason="Price added")


def payer_save(*, by: User, payer: Payer | None = None, **values) -> Payer:
    """Add a payer, or change one (``values``: the payer's fields)."""
    reason = "Payer added" if payer is None else "Payer changed"
    return audited_change(payer or Payer(), values, by=by, reason=reason)


def coverage_save(*, by: User, patient: Patient, coverage: Coverage | None = None, **values) -> Coverage:
    """Add a coverage to a patient's account, or change one (``values``: the coverage's fields)."""
    if coverage is None:
        coverage = Coverage(patient=patient, currency=clinic_currency())
        reason = "Coverage added"
    elif coverage.patient_id != patient.pk:
        raise ValidationError("This coverage belongs to another patient.")
    else:
        reason = "Coverage changed"
    return audited_change(coverage, values, by=by, reason=reason)


def authorisation_save(
    *, by: User, patient: Patient, authorisation: PriorAuthorisation | None = None, **values
) -> PriorAuthorisation:
    """Record a prior authorisation for a patient, or change one (``values``: its fields)."""
    if authorisation is None:
        authorisation = PriorAuthorisation(patient=patient)
        reason = "Prior authorisation added"
    elif authorisation.patient_id != patient.pk:
        raise ValidationError("This authorisation belongs to another patient.")
    else:
        reason = "Prior authorisation changed"
    return audited_change(authorisation, values, by=by, reason=reason)
