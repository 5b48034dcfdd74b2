"""Background reminders through Django's tasks API (database backend; run ``manage.py db_worker``).

``enqueue_due_reminders`` (run by ``manage.py send_reminders``, e.g. every 15 minutes) finds sessions
whose reminder is due and enqueues one task each. The task records a ``SentReminder`` (unique per
session and kind) in the same transaction as it sends, so a reminder is never sent twice, even when
it was enqueued twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.models import ReminderKind, RideStatus, SentReminder, SessionStatus, TreatmentSession
from sessions.scheduling.closures import bookings_hit_by_closures, is_hit_by_closure
from sessions.scheduling.portal import preparation

log = logging.getLogger(__name__)


def due_reminders(now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """(session id, kind) pairs whose reminder is due and not yet sent."""
    now = now or timezone.now()
    settings = ClinicSettings.load()
    base = TreatmentSession.objects.filter(status=SessionStatus.SCHEDULED, planned_start__gt=now).exclude(
        patient__email=""
    )

    def not_sent(kind: str):
        return ~Exists(SentReminder.objects.filter(session=OuterRef("pk"), kind=kind))

    appointment = base.filter(planned_start__lte=now + dt.timedelta(hours=settings.reminder_hours_before)).filter(
        not_sent(ReminderKind.APPOINTMENT)
    )
    ride = (
        base.filter(planned_start__lte=now + dt.timedelta(hours=settings.ride_reminder_hours_before))
        .exclude(ride__status=RideStatus.CONFIRMED)
        .filter(not_sent(ReminderKind.RIDE))
    )
    closed = {session.pk for session, _closure in bookings_hit_by_closures(now)}
    due = [(pk, ReminderKind.APPOINTMENT.value) for pk in appointment.values_list("pk", flat=True)]
    due += [(pk, ReminderKind.RIDE.value) for pk in ride.values_list("pk", flat=True)]
    return [(pk, kind) for pk, kind in due if pk not in closed]


def enqueue_due_reminders(now: dt.datetime | None = None) -> int:
    due = due_reminders(now)
    for session_id, kind in due:
        send_reminder.enqueue(session_id=session_id, kind=kind)
    return len(due)


@task
def send_reminder(*, session_id: int, kind: str) -> str:
    """Send one reminder email unless it was already sent or is no longer relevant."""
    with transaction.atomic():
        session = (
            TreatmentSession.objects.select_related("patient", "course__protocol", "phase", "ride")
            .filter(pk=session_id)
            .first()
        )
        if session is None or session.status != SessionStatus.SCHEDULED or not session.patient.email:
            return "skipped"
        if is_hit_by_closure(session):  # the clinic closed that day since: the admin moves it first
            return "skipped"
        if kind == ReminderKind.RIDE and getattr(session, "ride", None) and session.ride.status == RideStatus.CONFIRMED:
            return "skipped"
        try:
            with transaction.atomic():
                SentReminder.objects.create(session=session, kind=kind, to=session.patient.email)
        except IntegrityError:
            return "already sent"
        settings = ClinicSettings.load()
        context = {
            "s": session,
            "clinic": settings,
            "start": session.planned_start.astimezone(settings.tz),
            "pickup": session.observation_end.astimezone(settings.tz),
            "steps": preparation(session.course.protocol.is_esketamine),
            "kind": kind,
        }
        subject = "Appointment reminder" if kind == ReminderKind.APPOINTMENT else "Please confirm your ride home"
        body = render_to_string("sessions/scheduling/email/reminder.txt", context)
        # Raising here rolls the SentReminder back, so the next run tries again.
        send_mail(subject, body, None, [session.patient.email])
    log.info("Sent %s reminder for session %s", kind, session_id)
    return "sent"
