"""Planning says what it did: the preview flags each session that differs from the request, Preview comes
before Book, and what is booked is what the preview showed (or the admin is told what changed)."""

import datetime as dt
import re

import pytest

from sessions.billing.authorisations import PlannedVisit, authorisation_status
from sessions.models import Course, Protocol, TreatmentSession
from sessions.scheduling import courses
from sessions.scheduling.plan_preview import PlanChanged, plan_token, preview_lines, read_plan_token
from sessions.scheduling.planning import plan_phase
from tests import factories as f
from tests.conftest import client_for
from tests.factories_billing import AuthorisationFactory
from tests.factories_scheduling import MONDAY, NY, at

pytestmark = pytest.mark.django_db


def request_for(cast, **changes):
    values = {
        "patient": cast.patient_a.pk,
        "protocol": f.protocol("esketamine-trd").pk,
        "prescriber": cast.prescriber.pk,
        "start_date": MONDAY.isoformat(),
        "weekdays": ["0", "3"],
        "time": "09:00",
    }
    return values | changes


def token_in(page: str) -> str:
    return re.search(r'name="plan_token" value="([^"]+)"', page).group(1)


def plan(chair=None):
    return plan_phase(
        phase=f.first_phase("esketamine-trd"),
        start_date=MONDAY,
        weekdays=[0, 3],
        time=dt.time(9),
        preferred_chair=chair,
    )


def test_the_preview_flags_a_session_at_another_time(chairs):
    for chair in chairs:  # both chairs taken on the first Monday at 09:00
        f.TreatmentSessionFactory(chair=chair, planned_start=at(MONDAY, 8, 45))
    lines = preview_lines(plan(), time=dt.time(9), preferred_chair=None, tz=NY)
    assert lines[0].other_time and not lines[0].other_chair
    assert not any(line.differs for line in lines[1:])


def test_the_preview_flags_a_session_in_another_chair(chairs):
    f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(MONDAY + dt.timedelta(days=3), 8, 45))
    lines = preview_lines(plan(chairs[0]), time=dt.time(9), preferred_chair=chairs[0], tz=NY)
    assert [line.other_chair for line in lines] == [False, True] + [False] * 6
    assert lines[1].slot.chair == chairs[1] and not lines[1].other_time


def test_booking_refuses_a_plan_that_changed_since_the_preview_and_says_how(cast, chairs):
    previewed = plan()
    expected = read_plan_token(
        plan_token(previewed, patient=cast.patient_a, protocol=f.protocol("esketamine-trd")),
        patient=cast.patient_a,
        protocol=f.protocol("esketamine-trd"),
    )
    for chair in chairs:  # someone books both chairs at the first session's time meanwhile
        f.TreatmentSessionFactory(chair=chair, planned_start=at(MONDAY, 8, 45))
    with pytest.raises(PlanChanged) as exc:
        courses.course_create(
            patient=cast.patient_a,
            protocol=f.protocol("esketamine-trd"),
            prescriber=cast.prescriber,
            start_date=MONDAY,
            weekdays=[0, 3],
            time=dt.time(9),
            by=cast.admin,
            previewed=expected,
        )
    assert exc.value.changes == [
        f"session 1: Mon 07 Jan 11:30 in Chair 1 (was Mon 07 Jan 09:00 in {previewed[0].chair})"
    ]
    assert not Course.objects.filter(patient=cast.patient_a).exists()


def test_a_token_for_another_patient_or_tampered_is_no_preview(cast, chairs):
    protocol = f.protocol("esketamine-trd")
    token = plan_token(plan(), patient=cast.patient_a, protocol=protocol)
    assert read_plan_token(token, patient=cast.patient_b, protocol=protocol) is None
    assert read_plan_token(token[:-2] + "xx", patient=cast.patient_a, protocol=protocol) is None
    assert read_plan_token(token, patient=cast.patient_a, protocol=protocol)


def test_book_without_a_preview_shows_the_preview_and_saves_nothing(cast, chairs):
    response = client_for(cast.admin).post("/courses/new/", request_for(cast))
    page = response.content.decode()
    assert response.status_code == 200 and "Preview: 8 sessions" in page and "Check the preview below" in page
    assert not TreatmentSession.objects.exists()


def test_the_page_books_exactly_the_previewed_plan(cast, chairs):
    client = client_for(cast.admin)
    preview = client.post("/courses/new/", request_for(cast, preview="1"))
    assert preview.status_code == 200 and "as asked" in preview.content.decode()
    response = client.post("/courses/new/", request_for(cast, plan_token=token_in(preview.content.decode())))
    assert response.status_code == 302
    starts = [s.planned_start.astimezone(NY) for s in TreatmentSession.objects.order_by("planned_start")]
    assert len(starts) == 8 and all(s.time() == dt.time(9) for s in starts)


def test_the_page_shows_what_changed_since_the_preview_and_books_nothing(cast, chairs):
    client = client_for(cast.admin)
    token = token_in(client.post("/courses/new/", request_for(cast, preview="1")).content.decode())
    for chair in chairs:
        f.TreatmentSessionFactory(chair=chair, planned_start=at(MONDAY, 8, 45))
    response = client.post("/courses/new/", request_for(cast, plan_token=token))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The plan changed since your preview" in page and "session 1: Mon 07 Jan 11:30" in page
    assert "other time" in page and "1 differs from your request" in page
    assert not Course.objects.filter(patient=cast.patient_a).exists()


def test_previewing_a_protocol_with_no_phases_says_so_instead_of_failing(cast, chairs):
    empty = Protocol.objects.create(slug="empty", name="Empty protocol", treatment="esketamine")
    response = client_for(cast.admin).post("/courses/new/", request_for(cast, protocol=empty.pk, preview="1"))
    assert response.status_code == 200
    assert "This protocol has no phases to plan" in response.content.decode()


# ---- prior authorisation in the preview and on the review page ---------------------------------------------


def test_the_preview_warns_when_planned_sessions_go_beyond_the_authorised_count(cast, chairs):
    AuthorisationFactory(
        patient=cast.patient_a, protocol=f.protocol("esketamine-trd"), number="PA-TRD", sessions_authorised=4
    )
    response = client_for(cast.admin).post("/courses/new/", request_for(cast, preview="1"))
    page = response.content.decode()
    assert response.status_code == 200 and "PA-TRD" in page
    assert "4 planned session(s) go beyond the 4 authorised" in page and "4 planned beyond it" in page


def test_the_preview_warns_when_planned_sessions_fall_after_the_authorised_dates(cast, chairs):
    AuthorisationFactory(patient=cast.patient_a, number="PA-SHORT", ends_on=MONDAY + dt.timedelta(days=10))
    statuses = authorisation_status(
        patient=cast.patient_a,
        protocol=f.protocol("esketamine-trd"),
        planned=[PlannedVisit(slot.start, f.protocol("esketamine-trd").pk) for slot in plan()],
    )
    assert "4 planned session(s) fall outside" in " ".join(statuses[0].warnings)


def test_the_preview_matches_authorisations_to_the_chosen_protocol(cast, chairs):
    AuthorisationFactory(patient=cast.patient_a, protocol=f.protocol("esketamine-trd"), number="PA-TRD")
    mdsi = request_for(cast, protocol=f.protocol("esketamine-mdsi").pk, preview="1")
    page = client_for(cast.admin).post("/courses/new/", mdsi).content.decode()
    assert "Preview: 8 sessions" in page and "PA-TRD" not in page


def test_the_review_page_shows_the_authorisation_for_the_courses_protocol(cast, chairs):
    course = courses.course_create(
        patient=cast.patient_a,
        protocol=f.protocol("esketamine-trd"),
        prescriber=cast.prescriber,
        start_date=MONDAY,
        weekdays=[0, 3],
        time=dt.time(9),
        by=cast.admin,
    )
    AuthorisationFactory(
        patient=cast.patient_a, protocol=f.protocol("esketamine-trd"), number="PA-TRD", sessions_authorised=6
    )
    AuthorisationFactory(patient=cast.patient_a, protocol=f.protocol("esketamine-mdsi"), number="PA-MDSI")
    response = client_for(cast.prescriber).get(f"/courses/{course.pk}/review/")
    page = response.content.decode()
    assert response.status_code == 200 and "PA-TRD" in page and "PA-MDSI" not in page
    assert "2 planned session(s) go beyond the 6 authorised" in page
