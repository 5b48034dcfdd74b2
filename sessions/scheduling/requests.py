"""A patient asks to cancel or move an appointment; the clinic accepts (through the booking services, so
the course's rules still apply: opening hours, free chair, spacing, late-cancellation fee) or declines
with a reason the patient reads."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_create, audited_save
from clinic.models import Chair, ClinicSettings, User
from sessions.models import AppointmentRequest, RequestKind, RequestStatus, SessionStatus, TreatmentSession
from sessions.scheduling import booking
from sessions.scheduling.diary import ClinicDiary
from sessions.scheduling.planning import visit_minutes


def request_refusal(session: TreatmentSession, *, now: dt.datetime | None = None) -> str:
    """Why this appointment cannot be changed online any more ("" when it can)."""
    if session.status != SessionStatus.SCHEDULED or session.planned_start <= (now or timezone.now()):
        return "This appointment can no longer be changed online; please call the clinic."
    if session.requests.filter(status=RequestStatus.OPEN).exists():
        return "You have already asked to change this appointment; the clinic will reply here."
    return ""


def _check_hours(session: TreatmentSession, start: dt.datetime) -> None:
    settings = ClinicSettings.load()
    tz = settings.tz
    if start <= timezone.now():
        raise ValidationError({"preferred_date": "That time has passed; choose a later day."})
    day = start.astimezone(tz).date()
    diary = ClinicDiary.load(start=day, end=day, settings=settings)
    end = start + dt.timedelta(minutes=visit_minutes(session.phase, settings))
    if diary.fits_opening_hours(start, end):
        return
    opening = diary.opening(day)
    if opening is None:
        raise ValidationError({"preferred_date": f"The clinic is closed on {day:%A}s; choose another day."})
    raise ValidationError(
        {
            "preferred_time": f"That is outside opening hours: on {day:%A} the clinic is open "
            f"{opening[0]:%H:%M}–{opening[1]:%H:%M}, and a visit starting then would end at "
            f"{end.astimezone(tz):%H:%M}. The latest start is "
            f"{(opening[1] - (end - start)).astimezone(tz):%H:%M}."
        }
    )


@transaction.atomic
def appointment_request_create(
    *, session: TreatmentSession, kind: str, by: User, preferred_start: dt.datetime | None = None, note: str = ""
) -> AppointmentRequest:
    session = TreatmentSession.objects.select_for_update().select_related("phase__protocol").get(pk=session.pk)
    refusal = request_refusal(session)
    if refusal:
        raise ValidationError(refusal)
    if kind == RequestKind.MOVE:
        if preferred_start is None:
            raise ValidationError({"preferred_date": "Choose the day and time you would like instead."})
        _check_hours(session, preferred_start)
    else:
        preferred_start = None
    return audited_create(
        AppointmentRequest,
        {
            "session": session,
            "patient_id": session.patient_id,
            "kind": kind,
            "preferred_start": preferred_start,
            "note": note.strip()[:300],
        },
        by=by,
        reason=f"Patient asked to {kind} the appointment",
    )


def _open(request: AppointmentRequest) -> AppointmentRequest:
    current = AppointmentRequest.objects.select_for_update().select_related("session").get(pk=request.pk)
    if current.status != RequestStatus.OPEN:
        raise ValidationError(f"This request is already {current.get_status_display().lower()}.")
    return current


def _close(request: AppointmentRequest, *, status: str, response: str, by: User) -> AppointmentRequest:
    request.status, request.response = status, response[:300]
    request.handled_at, request.handled_by = timezone.now(), by
    return audited_save(request, by=by, reason=f"Request {request.get_status_display().lower()}: {response}")


@transaction.atomic
def appointment_request_accept(
    *, request: AppointmentRequest, by: User, chair: Chair | None = None
) -> AppointmentRequest:
    """Do what the patient asked through the booking service; a refusal (clash, spacing, hours) leaves
    everything as it was and says why."""
    request = _open(request)
    session = TreatmentSession.objects.with_related().get(pk=request.session_id)
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            f"The appointment is no longer scheduled (it is {session.get_status_display().lower()}), so it cannot "
            "be changed."
        )
    tz = ClinicSettings.load().tz
    if request.kind == RequestKind.CANCEL:
        booking.session_cancel(session=session, by=by, reason=f"Patient asked to cancel. {request.note}".strip())
        response = "Cancelled as you asked."
    else:
        moved = booking.session_reschedule(
            session=session, start=request.preferred_start, chair=chair or session.chair, by=by, version=None
        )
        response = f"Moved to {moved.planned_start.astimezone(tz):%A %d %B, %H:%M} as you asked."
    return _close(request, status=RequestStatus.DONE, response=response, by=by)


@transaction.atomic
def appointment_request_decline(*, request: AppointmentRequest, by: User, response: str) -> AppointmentRequest:
    if not response.strip():
        raise ValidationError({"response": "Tell the patient why (they read this)."})
    request = _open(request)
    return _close(request, status=RequestStatus.DECLINED, response=response.strip(), by=by)
