"""Booking an offered slot twice with the same idempotency key (a retry, a double tap) books once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions.scheduling import booking
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, at
from tests.scheduling.test_booking import plan_trd

pytestmark = pytest.mark.django_db

KEY = "0f3c2b1a9d8e7f6a5b4c3d2e1f0a9b8c"


def test_booking_the_same_offered_slot_twice_books_once_and_answers_with_the_first_booking(cast, chairs, frozen):
    course = plan_trd(cast, chairs)
    first = course.sessions.order_by("planned_start").first()
    frozen.move_to(at(MONDAY, 10))
    booking.session_no_show(session=first, by=cast.staff)
    slot = booking.missed_session_options(first)["slots"][0]
    count = course.sessions.count()
    admin = client_for(cast.admin)
    data = {"start": slot.start.isoformat(), "chair": slot.chair.pk, "idempotency_key": KEY}
    first_answer = admin.post(reverse("course_book_session", args=[course.pk]), data)
    second_answer = admin.post(reverse("course_book_session", args=[course.pk]), data)
    assert first_answer.status_code == second_answer.status_code == 302
    assert second_answer["Location"] == first_answer["Location"] and "/bookings/" in first_answer["Location"]
    assert course.sessions.count() == count + 1
