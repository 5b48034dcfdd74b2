"""What a claim needs besides the charge, as the clinic records it: the billing provider, each
prescriber's NPI, a course's diagnosis codes and the E/M code a prescriber chooses for a visit.
Each write checks its identifiers (``identifiers.py``) and names the actor in its history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.audit import audited_change
from clinic.models import User
from sessions.billing import identifiers as ids
from sessions.billing.claim_check import session_claim_sent
from sessions.models import (
    IN_CLINIC_STATUSES,
    BillingProvider,
    Course,
    CourseDiagnoses,
    PrescriberNpi,
    SessionStatus,
    TreatmentSession,
    VisitCoding,
)
from sessions.models.billing import EM_CODES

MAX_CLINICIAN_MINUTES = 600
CODABLE = (*IN_CLINIC_STATUSES, SessionStatus.DISCHARGED)
PLACE_OF_SERVICE = {"11": "Office", "22": "On-campus outpatient hospital", "19": "Off-campus outpatient hospital"}
EM_LEVELS = {
    "99212": "99212 — straightforward (10+ minutes)",
    "99213": "99213 — low complexity (20+ minutes)",
    "99214": "99214 — moderate complexity (30+ minutes)",
    "99215": "99215 — high complexity (40+ minutes)",
}


def _field_errors(checks: dict[str, tuple]) -> dict:
    """Run ``{field: (cleaner, value)}``; the cleaned values, or a ValidationError naming each field."""
    cleaned, errors = {}, {}
    for name, (clean, value) in checks.items():
        try:
            cleaned[name] = clean(value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def billing_provider_save(*, by: User, **values) -> BillingProvider:
    """The clinic's billing name, NPI, tax id, address (ZIP+4) and place of service."""
    provider = BillingProvider.load()
    checks = {}
    if values.get("npi"):
        checks["npi"] = (ids.clean_npi, values["npi"])
    if values.get("tax_id"):
        checks["tax_id"] = (ids.clean_tax_id, values["tax_id"])
    if values.get("ketamine_ndc"):
        checks["ketamine_ndc"] = (ids.clean_ndc, values["ketamine_ndc"])
    if values.get("zip_code"):
        checks["zip_code"] = (ids.clean_zip_plus4, values["zip_code"])
    values.update(_field_errors(checks))
    if "state" in values:
        values["state"] = (values["state"] or "").upper()
    pos = values.get("place_of_service")
    if pos is not None and pos not in PLACE_OF_SERVICE:
        raise ValidationError({"place_of_service": f"Choose one of {', '.join(PLACE_OF_SERVICE)}."})
    return audited_change(provider, values, by=by, reason="Billing provider changed")


def prescriber_npi_save(*, by: User, prescriber: User, npi: str) -> PrescriberNpi:
    """A prescriber's individual NPI (checked with its check digit)."""
    if not prescriber.is_prescriber:
        raise ValidationError({"npi": f"{prescriber} is not a prescriber."})
    npi = _field_errors({"npi": (ids.clean_npi, npi)})["npi"]
    row = PrescriberNpi.objects.filter(user=prescriber).first() or PrescriberNpi(user=prescriber)
    reason = "Prescriber NPI added" if row.pk is None else "Prescriber NPI changed"
    return audited_change(row, {"npi": npi}, by=by, reason=reason)


def can_set_diagnoses(user: User) -> bool:
    return user.is_admin or user.is_prescriber


def course_diagnoses_save(*, by: User, course: Course, codes: str | list[str]) -> CourseDiagnoses:
    """The course's ICD-10-CM codes (the first is primary); each code's format is checked."""
    if not can_set_diagnoses(by):
        raise ValidationError("Only a prescriber or an admin records a course's diagnoses.")
    cleaned = _field_errors({"codes": (ids.clean_diagnoses, codes)})["codes"]
    row = CourseDiagnoses.objects.filter(course=course).first() or CourseDiagnoses(course=course)
    reason = "Diagnoses recorded" if row.pk is None else "Diagnoses changed"
    return audited_change(row, {"codes": ",".join(cleaned), "updated_by": by}, by=by, reason=reason)


def em_code_locked_reason(session: TreatmentSession) -> str:
    """Why the visit's E/M code can no longer change ("" while it can): a claim was sent with it."""
    if session_claim_sent(session):
        return "A claim with this visit was sent; correct it with a replacement claim."
    return ""


def can_choose_em_code(user: User, session: TreatmentSession) -> bool:
    return bool(user.is_prescriber) and session.status in CODABLE and not em_code_locked_reason(session)


def visit_em_code_choose(
    *, by: User, session: TreatmentSession, em_code: str, clinician_minutes: int | None = None
) -> VisitCoding:
    """The prescriber's E/M code for a visit (99212–99215), used by its charge when chosen before discharge
    and always by its claim; with the active clinician minutes that earn +99417 beside 99215 for payers that
    allow prolonged-service codes."""
    if not by.is_prescriber:
        raise ValidationError("Only a prescriber chooses the visit's E/M code.")
    if em_code not in EM_CODES:
        raise ValidationError({"em_code": f"Choose one of {', '.join(EM_CODES)}."})
    if clinician_minutes is not None and not 0 < clinician_minutes <= MAX_CLINICIAN_MINUTES:
        raise ValidationError(
            {"clinician_minutes": f"Enter the active clinician minutes (1–{MAX_CLINICIAN_MINUTES}) or leave it empty."}
        )
    with transaction.atomic():
        session = TreatmentSession.objects.select_for_update().get(pk=session.pk)
        if session.status not in CODABLE:
            raise ValidationError("The E/M code is chosen for a visit that took place (in clinic or discharged).")
        locked = em_code_locked_reason(session)
        if locked:
            raise ValidationError(locked)
        row = VisitCoding.objects.filter(session=session).first() or VisitCoding(session=session)
        reason = "E/M code chosen" if row.pk is None else "E/M code changed"
        return audited_change(
            row, {"em_code": em_code, "clinician_minutes": clinician_minutes, "chosen_by": by}, by=by, reason=reason
        )
