"""Write operations on clinic records: each one validates, saves atomically and leaves history."""

from __future__ import annotations

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

from .audit import audited, audited_save
from .holds import upcoming_holds
from .models import Patient, Role, User


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


def invitation_link(request: HttpRequest, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("password_reset_confirm", args=[uid, token]))


@transaction.atomic
def patient_invite(*, request: HttpRequest, patient: Patient, username: str, email: str) -> User:
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
    user.save()
    patient.user = user
    audited(patient, by=request.user, reason="Portal login created")
    patient.save(update_fields=["user"])
    link = invitation_link(request, user)
    body = render_to_string("clinic/email/invitation.txt", {"patient": patient, "user": user, "link": link})
    transaction.on_commit(lambda: send_mail("Your patient portal login", body, None, [email]))
    return user
