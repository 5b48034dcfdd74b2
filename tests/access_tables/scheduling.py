from . import ADMIN, ADMIN_POST, CLINICAL, CLINICAL_POST, PATIENT_OWN, PRESCRIBER, PUBLIC, Case, roles

PATIENT_POST = roles(patient_a=405, patient_b=405)


def build(world) -> None:
    import datetime as dt

    from django.utils import timezone

    from tests import factories as f

    chair = f.ChairFactory(name="Access chair")
    world.course = f.CourseFactory(patient=world.patient_a, prescriber=world.prescriber)
    start = (timezone.now() + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    world.booking = f.TreatmentSessionFactory(course=world.course, chair=chair, planned_start=start)
    f.RideFactory(session=world.booking)
    from sessions.models import AppointmentRequest

    world.change_request = AppointmentRequest.objects.create(
        session=world.booking, patient=world.patient_a, kind="cancel"
    )


def _course(w) -> dict:
    return {"pk": w.course.pk}


def _request(w) -> dict:
    return {"pk": w.change_request.pk}


def _booking(w) -> dict:
    return {"pk": w.booking.pk}


TABLE = {
    "course_list": Case(CLINICAL),
    "course_create": Case(ADMIN),
    "course_detail": Case(CLINICAL, _course),
    "course_review": Case(PRESCRIBER, _course),
    "course_stop_early": Case(PRESCRIBER, _course),
    "course_pause": Case(ADMIN, _course),
    "course_resume": Case(ADMIN, _course),
    "course_end": Case(ADMIN, _course),
    "course_book_session": Case(ADMIN_POST, _course),
    "booking_detail": Case(CLINICAL, _booking),
    "booking_reschedule": Case(roles(prescriber=405, admin=405), _booking),
    "booking_cancel": Case(ADMIN_POST, _booking),
    "booking_no_show": Case(CLINICAL_POST, _booking),
    "booking_ride": Case(CLINICAL_POST, _booking),
    "calendar_week": Case(ADMIN),
    "calendar_day": Case(ADMIN),
    "calendar_free_slots": Case(ADMIN),
    "calendar_move": Case(ADMIN_POST),
    "rides_unconfirmed": Case(CLINICAL),
    "portal_appointment": Case(PATIENT_OWN, _booking),
    "portal_appointment_ics": Case(PATIENT_OWN, _booking),
    "portal_ride": Case(PATIENT_POST, _booking),
    "portal_appointment_request": Case(PATIENT_POST, _booking),
    "appointment_requests": Case(ADMIN),
    "appointment_request_accept": Case(ADMIN_POST, _request),
    "appointment_request_decline": Case(ADMIN_POST, _request),
    "portal_feed_reset": Case(PATIENT_POST),
    "calendar_feed": Case(PUBLIC, lambda w: {"token": w.patient_a.calendar_token}),
}
