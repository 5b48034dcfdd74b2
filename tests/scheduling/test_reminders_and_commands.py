"""Reminders (sent once, through the tasks API), the plan_course dry run and the read-only admin."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from sessions.models import CourseStatus, RideStatus, SentReminder, SessionStatus, TreatmentSession
from sessions.scheduling import courses
from sessions.scheduling.reminders import due_reminders, enqueue_due_reminders
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, NY, at

pytestmark = pytest.mark.django_db


def booked(chairs, *, start, ride=RideStatus.CONFIRMED):
    s = f.TreatmentSessionFactory(chair=chairs[0], planned_start=start)
    f.RideFactory(session=s, status=ride)
    return s


def test_an_appointment_reminder_is_sent_once(chairs):
    s = booked(chairs, start=at(MONDAY, 15))
    assert enqueue_due_reminders() == 1
    assert enqueue_due_reminders() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [s.patient.email]
    assert "15:00" in mail.outbox[0].body and "No food for 2 hours" in mail.outbox[0].body
    assert SentReminder.objects.filter(session=s, kind="appointment").count() == 1


def test_a_reminder_enqueued_twice_is_still_sent_once(chairs):
    from sessions.scheduling.reminders import send_reminder

    s = booked(chairs, start=at(MONDAY, 15))
    send_reminder.enqueue(session_id=s.pk, kind="appointment")
    send_reminder.enqueue(session_id=s.pk, kind="appointment")
    assert len(mail.outbox) == 1


def test_reminders_wait_until_they_are_due(chairs):
    booked(chairs, start=at(MONDAY + dt.timedelta(days=3), 9))
    assert due_reminders() == []


def test_an_unconfirmed_ride_gets_a_ride_reminder(chairs):
    s = booked(chairs, start=at(MONDAY + dt.timedelta(days=1), 15), ride=RideStatus.PLANNED)
    enqueue_due_reminders()
    kinds = sorted(SentReminder.objects.filter(session=s).values_list("kind", flat=True))
    assert kinds == ["ride"]
    assert "confirm" in mail.outbox[0].subject.lower()


def test_cancelled_sessions_get_no_reminder(chairs):
    s = booked(chairs, start=at(MONDAY, 15))
    s.status = SessionStatus.CANCELLED
    s.save()
    assert enqueue_due_reminders() == 0


def test_the_send_reminders_command_enqueues_what_is_due(chairs, capsys):
    booked(chairs, start=at(MONDAY, 15))
    call_command("send_reminders")
    assert "Enqueued 1" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_plan_course_prints_one_json_object_per_session_and_saves_nothing(chairs, capsys):
    call_command(
        "plan_course",
        "--protocol",
        "esketamine-trd",
        "--start",
        MONDAY.isoformat(),
        "--weekdays",
        "mon,thu",
        "--time",
        "09:00",
        "--json",
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 8
    assert set(lines[0]) == {"index", "phase", "start", "end", "chair"}
    first = dt.datetime.fromisoformat(lines[0]["start"])
    assert first == at(MONDAY, 9) and first.utcoffset() is not None
    assert dt.datetime.fromisoformat(lines[1]["start"]).astimezone(NY).weekday() == 3
    assert not TreatmentSession.objects.exists()


def test_plan_course_fails_clearly_when_it_cannot_plan(chairs):
    with pytest.raises(CommandError, match="at least 2"):
        call_command(
            "plan_course",
            "--protocol",
            "esketamine-trd",
            "--start",
            MONDAY.isoformat(),
            "--weekdays",
            "mon,tue",
            "--time",
            "09:00",
            "--json",
        )
    with pytest.raises(CommandError, match="No protocol"):
        call_command(
            "plan_course", "--protocol", "nope", "--start", "2030-01-07", "--weekdays", "mon", "--time", "9:00"
        )


def test_plan_course_checks_the_patient(chairs):
    patient = f.PatientFactory(rems_status="pending", rems_enrolled_on=None)
    with pytest.raises(CommandError, match="REMS"):
        call_command(
            "plan_course",
            "--protocol",
            "esketamine-trd",
            "--start",
            MONDAY.isoformat(),
            "--weekdays",
            "mon,thu",
            "--time",
            "09:00",
            "--patient",
            str(patient.pk),
            "--json",
        )


def test_the_django_admin_cannot_add_or_change_bookings(cast, chairs):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    s = booked(chairs, start=at(MONDAY, 15))
    client = client_for(cast.admin)
    assert client.get("/django-admin/treatment/treatmentsession/add/").status_code == 403
    response = client.post(
        f"/django-admin/treatment/treatmentsession/{s.pk}/change/", {"planned_start_0": "2030-01-07"}
    )
    assert response.status_code == 403


def test_the_last_discharge_of_a_phase_puts_the_course_awaiting_review(chairs):
    s = booked(chairs, start=at(MONDAY, 9))
    s.status = SessionStatus.DISCHARGED
    s.save()
    courses.phase_end(session=s, by=None)
    s.course.refresh_from_db()
    assert s.course.status == CourseStatus.AWAITING_REVIEW
