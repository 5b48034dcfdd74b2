"""Write operations on clinic records (patients, staff, chairs, settings, opening hours, the rota):
each one validates, saves atomically and leaves a history row naming the actor (``by``)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .audit import audited, audited_change, audited_create, audited_delete, audited_save
from .holds import upcoming_holds
from .models import Chair, ClinicSettings, OpeningHours, Patient, Role, StaffShift, User, new_calendar_token
from .places import Closure


def patient_save(*, by: User, patient: Patient | None = None, **values) -> Patient:
    """Add a patient, or change a patient's record (``values``: the record's fields)."""
    if patient is not None and patient.is_archived:
        raise ValidationError("Archived records cannot be edited; restore the patient first.")
    reason = "Patient added" if patient is None else "Patient record changed"
    return audited_change(patient or Patient(), values, by=by, reason=reason)


@transaction.atomic
def patient_archive(*, patient: Patient, by: User, reason: str) -> Patient:
    if patient.is_archived:
        raise ValidationError("This patient is already archived.")
    if not reason.strip():
        raise ValidationError("Give a reason for archiving.")
    # Bookings still ahead would keep holding chairs and sending reminders for an archived record.
    upcoming = upcoming_holds("patient", patient)
    if upcoming:
        raise ValidationError(
            f"{patient.full_name} still has {upcoming} upcoming booking(s): end or pause the course "
            "(or cancel the bookings) first, then archive."
        )
    patient.archived_at = timezone.now()
    patient.archived_reason = reason.strip()
    audited(patient, by=by, reason=f"Archived: {patient.archived_reason}")
    patient.save(update_fields=["archived_at", "archived_reason"])
    if patient.user_id:
        patient.user.is_active = False
        audited_save(patient.user, by=by, reason="Portal login closed: patient archived", update_fields=["is_active"])
    return patient


@transaction.atomic
def patient_restore(*, patient: Patient, by: User) -> Patient:
    if not patient.is_archived:
        raise ValidationError("This patient is not archived.")
    patient.archived_at = None
    patient.archived_reason = ""
    audited(patient, by=by, reason="Restored from archive")
    patient.save(update_fields=["archived_at", "archived_reason"])
    return patient


def patient_calendar_renew(*, patient: Patient, by: User) -> Patient:
    """A new private calendar address: the old link stops working at once."""
    patient.calendar_token = new_calendar_token()
    return audited_save(patient, by=by, reason="Calendar feed address renewed", update_fields=["calendar_token"])


def invitation_link(request: HttpRequest, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("password_reset_confirm", args=[uid, token]))


@transaction.atomic
def patient_invite(*, request: HttpRequest, patient: Patient, username: str, email: str, by: User) -> User:
    """Create the patient's portal login (no usable password) and email a link to set one."""
    if patient.user_id:
        raise ValidationError("This patient already has a portal login.")
    if patient.is_archived:
        raise ValidationError("An archived patient cannot be invited.")
    user = User(
        username=username, email=email, first_name=patient.first_name, last_name=patient.last_name, role=Role.PATIENT
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    audited_save(user, by=by, reason="Portal login created")
    patient.user = user
    audited_save(patient, by=by, reason="Portal login created", update_fields=["user"])
    link = invitation_link(request, user)
    body = render_to_string("clinic/email/invitation.txt", {"patient": patient, "user": user, "link": link})
    transaction.on_commit(lambda: send_mail("Your patient portal login", body, None, [email]))
    return user


# ---- Staff, chairs, settings, opening hours, rota (admin) ---------------------------------------


@transaction.atomic
def staff_save(*, by: User, member: User | None = None, **values) -> User:
    """Add a staff member (no password yet: they set one from the invitation link) or change one."""
    if member is None:
        member = User()
        member.set_unusable_password()
        reason = "Staff member added"
    else:
        reason = "Staff member changed"
    if values.get("role", member.role) not in (Role.STAFF, Role.ADMIN):
        raise ValidationError({"role": "A staff member is clinical staff or an admin."})
    return audited_change(member, values, by=by, reason=reason, exclude=["password"])


def chair_save(*, by: User, chair: Chair | None = None, **values) -> Chair:
    reason = "Chair added" if chair is None else "Chair changed"
    return audited_change(chair or Chair(), values, by=by, reason=reason)


def clinic_settings_save(*, by: User, **values) -> ClinicSettings:
    return audited_change(ClinicSettings.load(), values, by=by, reason="Clinic settings changed")


@transaction.atomic
def opening_hours_save(*, by: User, hours: dict[int, tuple[dt.time, dt.time] | None]) -> list[OpeningHours]:
    """The week's opening hours: weekday -> (opens, closes), or None when the clinic is closed that day."""
    existing = {h.weekday: h for h in OpeningHours.objects.select_for_update()}
    saved = []
    for weekday, times in sorted(hours.items()):
        current = existing.get(weekday)
        if times is None:
            if current is not None:
                audited_delete(current, by=by, reason="Closed on this day")
            continue
        opens, closes = times
        if current is not None and (current.opens, current.closes) == (opens, closes):
            saved.append(current)
            continue
        row = current or OpeningHours(weekday=weekday)
        saved.append(audited_change(row, {"opens": opens, "closes": closes}, by=by, reason="Opening hours set"))
    return saved


def shift_add(*, by: User, date: dt.date, staff: User, starts: dt.time, ends: dt.time) -> StaffShift:
    values = {"date": date, "staff": staff, "starts": starts, "ends": ends}
    return audited_change(StaffShift(), values, by=by, reason="Shift added to the rota")


def shift_remove(*, by: User, shift: StaffShift) -> None:
    audited_delete(shift, by=by, reason="Shift removed from the rota")


@transaction.atomic
def closure_add(
    *, by, date: dt.date, reason: str, opens: dt.time | None = None, closes: dt.time | None = None
) -> Closure:
    if date < timezone.localdate(timezone=ClinicSettings.load().tz):
        raise ValidationError({"date": "That day has passed; a closure is for today or a later day."})
    if Closure.objects.filter(date=date).exists():
        raise ValidationError({"date": f"{date:%d %b %Y} already has a closure; delete it first to change it."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the clinic is closed (e.g. public holiday, staff training)."})
    values = {"date": date, "reason": reason.strip(), "opens": opens, "closes": closes, "created_by": by}
    return audited_create(Closure, values, by=by, reason=f"Closure added for {date:%Y-%m-%d}")


@transaction.atomic
def closure_remove(*, by, closure: Closure) -> None:
    audited_delete(closure, by=by, reason=f"Closure removed for {closure.date:%Y-%m-%d}")
