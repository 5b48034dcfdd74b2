"""Review gates: the end-of-phase review waits for the phase's sessions; stopping early is its own action."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sessions.models import CourseReview, CourseStatus, ReviewDecision, SessionStatus, TreatmentSession
from sessions.scheduling import courses, reviews
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, finish_phase

pytestmark = pytest.mark.django_db


def plan_trd(cast):
    return courses.course_create(
        patient=cast.patient_a,
        protocol=f.protocol("esketamine-trd"),
        prescriber=cast.prescriber,
        start_date=MONDAY,
        weekdays=[0, 3],
        time=dt.time(9),
        by=cast.admin,
    )


def test_the_end_of_induction_review_is_refused_before_the_first_induction_session(cast, chairs):
    course = plan_trd(cast)
    with pytest.raises(ValidationError, match="once its sessions are done: 8 still scheduled"):
        reviews.course_review(course=course, by=cast.prescriber, decision=ReviewDecision.CONTINUE)
    course.refresh_from_db()
    assert course.current_phase.order == 1
    assert not CourseReview.objects.exists()
    assert course.sessions.count() == 8


def test_the_review_is_refused_while_one_session_of_the_phase_is_still_scheduled(cast, chairs):
    course = plan_trd(cast)
    last = course.sessions.order_by("planned_start").last()
    course.sessions.exclude(pk=last.pk).update(status=SessionStatus.DISCHARGED)
    with pytest.raises(ValidationError, match="1 still scheduled"):
        reviews.course_review(course=course, by=cast.prescriber, decision=ReviewDecision.STOP)


def test_the_review_is_possible_when_missed_and_cancelled_sessions_account_for_the_rest(cast, chairs):
    course = plan_trd(cast)
    sessions = list(course.sessions.order_by("planned_start"))
    TreatmentSession.objects.filter(pk__in=[s.pk for s in sessions[:6]]).update(status=SessionStatus.DISCHARGED)
    TreatmentSession.objects.filter(pk=sessions[6].pk).update(status=SessionStatus.NO_SHOW)
    TreatmentSession.objects.filter(pk=sessions[7].pk).update(status=SessionStatus.CANCELLED)
    assert reviews.can_review(course)
    reviews.course_review(course=course, by=cast.prescriber, decision=ReviewDecision.CONTINUE)
    course.refresh_from_db()
    assert course.current_phase.order == 2


def test_a_maintenance_phase_with_a_missed_session_may_return_to_the_previous_schedule_at_once(cast, chairs):
    course = plan_trd(cast)
    finish_phase(course)
    reviews.course_review(course=course, by=cast.prescriber, decision=ReviewDecision.CONTINUE)
    finish_phase(course)
    reviews.course_review(course=course, by=cast.prescriber, decision=ReviewDecision.CONTINUE, sessions_to_plan=4)
    course.refresh_from_db()
    assert not reviews.can_review(course, decision=ReviewDecision.RETURN_TO_PREVIOUS)
    missed = course.sessions.filter(phase=course.current_phase).order_by("planned_start").first()
    TreatmentSession.objects.filter(pk=missed.pk).update(status=SessionStatus.NO_SHOW)
    assert reviews.can_review(course, decision=ReviewDecision.RETURN_TO_PREVIOUS)
    assert not reviews.can_review(course, decision=ReviewDecision.CONTINUE)


def test_stopping_early_ends_the_course_with_the_prescribers_reason_as_a_review(cast, chairs):
    course = plan_trd(cast)
    reviews.course_stop_early(course=course, by=cast.prescriber, reason="Intolerable dissociation")
    course.refresh_from_db()
    assert course.status == CourseStatus.ENDED
    assert "Intolerable dissociation" in course.status_reason
    review = course.reviews.get()
    assert review.decision == ReviewDecision.STOP and review.reviewed_by == cast.prescriber
    assert review.notes == "Stopped early: Intolerable dissociation"
    assert not course.sessions.holding_time().exists()


def test_stopping_early_needs_a_reason(cast, chairs):
    course = plan_trd(cast)
    with pytest.raises(ValidationError, match="reason"):
        reviews.course_stop_early(course=course, by=cast.prescriber, reason="  ")
    course.refresh_from_db()
    assert course.status == CourseStatus.ACTIVE


def test_only_a_prescriber_stops_a_course_early(cast, chairs):
    course = plan_trd(cast)
    with pytest.raises(ValidationError, match="Only a prescriber"):
        reviews.course_stop_early(course=course, by=cast.admin, reason="Moving")
    course.refresh_from_db()
    assert course.status == CourseStatus.ACTIVE


def test_the_review_page_says_why_the_review_must_wait_and_saves_nothing(cast, chairs):
    course = plan_trd(cast)
    client = client_for(cast.prescriber)
    page = client.get(f"/courses/{course.pk}/review/").content.decode()
    assert "once its sessions are done" in page and "Stop early" in page
    response = client.post(f"/courses/{course.pk}/review/", {"decision": "continue"})
    assert response.status_code == 200
    assert "8 still scheduled or in clinic" in response.content.decode()
    assert not CourseReview.objects.exists()


def test_the_course_page_offers_stop_early_and_not_the_review_before_the_phase_ends(cast, chairs):
    course = plan_trd(cast)
    page = client_for(cast.prescriber).get(course.get_absolute_url()).content.decode()
    assert f"/courses/{course.pk}/stop-early/" in page
    assert f'href="/courses/{course.pk}/review/"' not in page


def test_the_stop_early_page_refuses_an_empty_reason_and_stops_with_one(cast, chairs):
    course = plan_trd(cast)
    client = client_for(cast.prescriber)
    response = client.post(f"/courses/{course.pk}/stop-early/", {"reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    course.refresh_from_db()
    assert course.status == CourseStatus.ACTIVE
    response = client.post(f"/courses/{course.pk}/stop-early/", {"reason": "Patient request"}, follow=True)
    assert "Course stopped early" in response.content.decode()
    course.refresh_from_db()
    assert course.status == CourseStatus.ENDED
