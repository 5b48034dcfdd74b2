"""Scheduling's public API in one place (the code lives in planning, booking, capacity, calendars, tasks)."""

from .booking import (  # noqa: F401
    BookingConflict,
    course_create,
    course_end,
    course_pause,
    course_resume,
    course_review,
    missed_session_options,
    ride_update,
    session_book,
    session_cancel,
    session_no_show,
    session_reschedule,
)
from .capacity import capacity_warnings  # noqa: F401
from .planning import ClinicDiary, next_free_slots, plan_phase, visit_minutes  # noqa: F401
