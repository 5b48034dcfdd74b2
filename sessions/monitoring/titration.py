"""Dose titration: a prescriber sets the planned dose of a session, or of the rest of its phase.

Rules (SPRAVATO prescribing information; DOMAIN.md "Treatments"):

- Esketamine is given in 28 mg devices: 56 mg (2 devices) or 84 mg (3 devices). TRD: day 1 of the
  course is 56 mg (the phase's ``first_dose_mg``), then 56 or 84 mg. MDSI: 84 mg, may be reduced to
  56 mg for tolerability.
- IV (and IM) ketamine is planned in mg/kg between ``IV_MG_PER_KG_MIN`` and ``IV_MG_PER_KG_MAX``.
- Only a prescriber changes a dose, with a written reason; each change is a ``DoseChange`` row and an
  audited save of every session it changes (history user and reason).
- The planned dose caps what is given: the devices offered follow it, and more devices (or more
  mg/kg) than planned are refused until a prescriber changes the plan. The REMS form, the
  controlled-substance log and the charge follow what was actually given.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.models import User
from sessions.models import (
    ESKETAMINE_DEVICE_MG,
    AdministrationKind,
    Course,
    DoseChange,
    DoseScope,
    SessionStatus,
    TreatmentSession,
)
from sessions.models.monitoring import MG_PER_KG_USUAL
from sessions.monitoring.state import create_record, ensure_writable, save_session

ESKETAMINE_DOSES_MG = (56, 84)  # SPRAVATO: 2 or 3 devices of 28 mg
# The planned IV dose stays in the published usual range, about 0.1–0.75 mg/kg (usually 0.5).
IV_MG_PER_KG_MIN, IV_MG_PER_KG_MAX = (v.quantize(Decimal("0.01")) for v in MG_PER_KG_USUAL)
DOSE_SOURCES = {
    "esketamine": "SPRAVATO label: 56 or 84 mg; TRD day 1 is 56 mg; MDSI 84 mg, may be reduced to 56 mg.",
    "mg_per_kg": f"Published IV ketamine studies: usually 0.5 mg/kg, range {IV_MG_PER_KG_MIN}–{IV_MG_PER_KG_MAX}.",
}
# A dose can still change until the first device is given (dosing) or the infusion starts.
CHANGEABLE_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.CHECKED_IN, SessionStatus.DOSING)
PENDING_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.CHECKED_IN)


def can_change_dose(user) -> bool:
    return bool(getattr(user, "is_prescriber", False))


def uses_mg_per_kg(session: TreatmentSession) -> bool:
    return not session.course.protocol.is_esketamine


def planned_mg(session: TreatmentSession) -> int:
    """The esketamine dose planned for the session (the phase's default when none was set)."""
    return session.planned_dose_mg or session.phase.default_dose_mg or ESKETAMINE_DOSES_MG[0]


def planned_mg_per_kg(session: TreatmentSession) -> Decimal | None:
    return session.planned_dose_mg_per_kg or session.phase.default_dose_mg_per_kg


def planned_text(session: TreatmentSession) -> str:
    if uses_mg_per_kg(session):
        value = planned_mg_per_kg(session)
        return f"{value} mg/kg" if value is not None else "as prescribed"
    mg = planned_mg(session)
    return f"{mg} mg ({mg // ESKETAMINE_DEVICE_MG} devices)"


def planned_devices(session: TreatmentSession) -> int:
    """The devices the planned dose allows: 2 or 3, and never more than the label's day-1 dose."""
    limit = min(3, max(2, planned_mg(session) // ESKETAMINE_DEVICE_MG))
    if session.number == 1 and session.phase.first_dose_mg:
        limit = min(limit, session.phase.first_dose_mg // ESKETAMINE_DEVICE_MG)
    return limit


def is_first_dose(session: TreatmentSession) -> bool:
    """The course's first dose: nothing dosed in the course yet and no pending session before this one."""
    others = TreatmentSession.objects.filter(course_id=session.course_id).exclude(pk=session.pk)
    if others.filter(first_dose_at__isnull=False).exists():
        return False
    return not others.filter(status__in=PENDING_STATUSES, planned_start__lt=session.planned_start).exists()


def day_one_mg(session: TreatmentSession) -> int | None:
    """The label's fixed day-1 dose when ``session`` is the course's first dose (TRD: 56 mg)."""
    first = session.phase.first_dose_mg
    if first and session.phase.order == 1 and is_first_dose(session):
        return first
    return None


def dose_changeable(session: TreatmentSession) -> bool:
    """Whether the planned dose of ``session`` may still change (before the dose is given)."""
    if session.is_signed or session.status not in CHANGEABLE_STATUSES:
        return False
    return not (uses_mg_per_kg(session) and session.administrations.all())


def changeable_sessions(course: Course):
    """The course's sessions whose planned dose may still change, in date order."""
    return (
        course.sessions.filter(status__in=CHANGEABLE_STATUSES, signed_at__isnull=True)
        .select_related("phase", "course__protocol")
        .order_by("planned_start", "pk")
    )


def _targets(session: TreatmentSession, scope: str) -> list[TreatmentSession]:
    if scope == DoseScope.SESSION:
        return [session]
    rest = (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("phase", "course__protocol")
        .filter(
            course_id=session.course_id,
            phase_id=session.phase_id,
            status__in=CHANGEABLE_STATUSES,
            signed_at__isnull=True,
            planned_start__gt=session.planned_start,
        )
        .order_by("planned_start", "pk")
    )
    return [session, *rest]


def _devices_given(session: TreatmentSession) -> int:
    return session.administrations.filter(kind=AdministrationKind.DEVICE).count()


def _check_esketamine(targets: list[TreatmentSession], dose_mg) -> int:
    try:
        dose = int(dose_mg)
    except (TypeError, ValueError):
        raise ValidationError({"dose_mg": "Choose 56 mg (2 devices) or 84 mg (3 devices)."}) from None
    if dose not in ESKETAMINE_DOSES_MG:
        raise ValidationError({"dose_mg": "Esketamine is 56 mg (2 devices) or 84 mg (3 devices)."})
    for s in targets:
        fixed = day_one_mg(s)
        if fixed is not None and dose != fixed:
            raise ValidationError(
                {
                    "dose_mg": f"Session {s.number} is day 1 of the course: the label fixes it at {fixed} mg. "
                    f"Change the dose from the next session on."
                }
            )
        if s.status == SessionStatus.DOSING and _devices_given(s) * ESKETAMINE_DEVICE_MG > dose:
            raise ValidationError(
                {"dose_mg": f"Session {s.number} has already received more than {dose} mg: the dose cannot go lower."}
            )
    return dose


def _check_mg_per_kg(targets: list[TreatmentSession], mg_per_kg) -> Decimal:
    try:
        value = Decimal(str(mg_per_kg)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"mg_per_kg": "Give the dose in mg/kg, e.g. 0.50."}) from None
    if not IV_MG_PER_KG_MIN <= value <= IV_MG_PER_KG_MAX:
        raise ValidationError(
            {"mg_per_kg": f"The planned dose must be between {IV_MG_PER_KG_MIN} and {IV_MG_PER_KG_MAX} mg/kg."}
        )
    for s in targets:
        if s.administrations.exists():
            raise ValidationError({"mg_per_kg": f"The infusion of session {s.number} has started: its dose is given."})
    return value


def dose_change(
    *,
    session: TreatmentSession,
    by: User,
    reason: str,
    scope: str = DoseScope.SESSION,
    dose_mg: int | None = None,
    mg_per_kg: Decimal | None = None,
) -> DoseChange:
    """Set the planned dose of ``session`` (and, with scope "phase", of its phase's later sessions)."""
    field = "mg_per_kg" if uses_mg_per_kg(session) else "dose_mg"
    if not can_change_dose(by):
        raise ValidationError({field: "Only a prescriber can change a planned dose."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Write the reason for the dose change."})
    if scope not in DoseScope.values:
        raise ValidationError({"scope": "Choose this session only or the rest of the phase."})
    with transaction.atomic():
        session = (
            TreatmentSession.objects.select_for_update(of=("self",))
            .select_related("phase", "course__protocol", "patient")
            .get(pk=session.pk)
        )
        ensure_writable(session)
        if session.status not in CHANGEABLE_STATUSES:
            raise ValidationError(
                {field: f"The dose of a session that is {session.get_status_display().lower()} cannot change."}
            )
        targets = _targets(session, scope)
        if field == "dose_mg":
            new_mg, new_per_kg = _check_esketamine(targets, dose_mg), None
            changed = [s for s in targets if planned_mg(s) != new_mg]
            new_text = f"{new_mg} mg"
        else:
            new_mg, new_per_kg = None, _check_mg_per_kg(targets, mg_per_kg)
            changed = [s for s in targets if planned_mg_per_kg(s) != new_per_kg]
            new_text = f"{new_per_kg} mg/kg"
        if not changed:
            raise ValidationError({field: f"Already planned at {new_text}."})
        previous = _short(changed[0])
        for s in changed:
            before = _short(s)
            if field == "dose_mg":
                s.planned_dose_mg = new_mg
            else:
                s.planned_dose_mg_per_kg = new_per_kg
            save_session(
                s,
                by=by,
                reason=f"Planned dose {before} → {new_text}: {reason}",
                fields=["planned_dose_mg" if field == "dose_mg" else "planned_dose_mg_per_kg"],
            )
        return create_record(
            DoseChange,
            by=by,
            audit=f"Planned dose {previous} → {new_text}",
            course_id=session.course_id,
            first_session=session,
            scope=scope,
            dose_mg=new_mg,
            mg_per_kg=new_per_kg,
            previous=previous,
            sessions_changed=len(changed),
            reason=reason,
            at=timezone.now(),
        )


def _short(session: TreatmentSession) -> str:
    return planned_text(session).split(" (")[0]
