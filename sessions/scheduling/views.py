"""Scheduling pages: courses, bookings, calendars, rides. Views stay thin; the rules live in the
scheduling services (booking, courses, reviews, rides)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import idempotency
from clinic.access import admin_required, clinical_required, patient_row_or_404, prescriber_required
from clinic.forms import apply_service_errors
from clinic.models import ClinicSettings, OpeningHours, Patient
from clinic.panels import panels_for
from sessions.models import Course, CourseStatus, ReviewDecision, SessionStatus, TreatmentSession
from sessions.scheduling import booking
from sessions.scheduling import courses as course_services
from sessions.scheduling import reviews as review_services
from sessions.scheduling.calendars import with_series
from sessions.scheduling.capacity import Visit, capacity_warnings, session_visits, shifts_by_day, summarise
from sessions.scheduling.forms import (
    CourseForm,
    ReasonForm,
    ResumeForm,
    ReviewForm,
    SlotForm,
)
from sessions.scheduling.plan_preview import (
    PlanChanged,
    PlannedCourse,
    first_phase,
    plan_token,
    preview_lines,
    read_plan_token,
)
from sessions.scheduling.planning import plan_phase
from sessions.scheduling.windows import out_of_window_ids

# Calendars page a few years either way; far-off dates (year 1 or 9999) would overflow the date arithmetic.
CALENDAR_REACH = dt.timedelta(days=366 * 20)


def _parse_date(value: str | None, default: dt.date) -> dt.date:
    try:
        parsed = dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return parsed if abs(parsed - default) <= CALENDAR_REACH else default


@clinical_required
def course_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    courses = Course.objects.select_related("patient", "protocol", "current_phase", "prescriber")
    if status in CourseStatus.values:
        courses = courses.filter(status=status)
    page = Paginator(courses.order_by("-start_date", "-pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "sessions/scheduling/course_list.html",
        {"page": page, "status": status, "statuses": CourseStatus.choices},
    )


@admin_required
def course_create(request: HttpRequest) -> HttpResponse:
    """Preview, then book: the booking is what the preview showed (its signed token), or the admin is told
    what changed and sees the new preview."""
    settings = ClinicSettings.load()
    initial = {"start_date": timezone.localdate(timezone=settings.tz), "weekdays": [0, 3], "time": dt.time(9, 0)}
    for key in ("patient", "protocol", "time", "start_date"):
        if request.GET.get(key):
            initial[key] = request.GET[key]
    if request.GET.get("chair"):
        initial["preferred_chair"] = request.GET["chair"]
    if request.GET.get("start_date"):  # from a free slot on the calendar: start on that slot's weekday
        today = timezone.localdate(timezone=settings.tz)
        initial["weekdays"] = _weekdays_from(_parse_date(request.GET["start_date"], today))
    form = CourseForm(request.POST or None, initial=initial)
    preview = warnings = None
    suggestions = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        previewed = read_plan_token(data["plan_token"], patient=data["patient"], protocol=data["protocol"])
        try:
            if "preview" in request.POST or previewed is None:
                if "preview" not in request.POST:
                    messages.info(request, "Check the preview below, then book the course: nothing is saved yet.")
                preview = _preview(data)
            else:
                course = course_services.course_create(
                    patient=data["patient"],
                    protocol=data["protocol"],
                    prescriber=data["prescriber"],
                    start_date=data["start_date"],
                    weekdays=data["weekdays"],
                    time=data["time"],
                    preferred_chair=data["preferred_chair"],
                    by=request.user,
                    previewed=previewed,
                )
                # Booked only if the plan is still the previewed one, session for session.
                messages.success(request, f"Course planned: {len(previewed)} sessions booked as previewed.")
                return redirect(course)
        except PlanChanged as exc:
            form.add_error(None, exc)
            preview = _preview(data)
        except booking.BookingConflict as exc:
            form.add_error(None, exc)
            suggestions = exc.suggestions
        except ValidationError as exc:
            apply_service_errors(form, exc)
    lines = []
    if preview:
        data = form.cleaned_data
        warnings = _plan_warnings(preview, data["protocol"].is_esketamine, settings)
        lines = preview_lines(preview, time=data["time"], preferred_chair=data["preferred_chair"], tz=settings.tz)
        form.data = form.data.copy()
        form.data["plan_token"] = plan_token(preview, patient=data["patient"], protocol=data["protocol"])
    patient = form.cleaned_data.get("patient") if hasattr(form, "cleaned_data") else None
    if patient is None and str(initial.get("patient", "")).isdigit():
        patient = Patient.objects.active().filter(pk=initial["patient"]).first()
    if preview:  # the panels weigh the previewed sessions (e.g. against prior authorisations)
        patient = PlannedCourse(patient, form.cleaned_data["protocol"], [slot.start for slot in preview])
    context = {
        "form": form,
        "preview": preview,
        "lines": lines,
        "differ": sum(1 for line in lines if line.differs),
        "warnings": warnings,
        "suggestions": suggestions,
        "panels": panels_for("plan_course", request, patient),
    }
    return render(request, "sessions/scheduling/course_create.html", context)


def _preview(data: dict):
    return plan_phase(
        phase=first_phase(data["protocol"]),
        start_date=data["start_date"],
        weekdays=data["weekdays"],
        time=data["time"],
        patient=data["patient"],
        preferred_chair=data["preferred_chair"],
    )


def _weekdays_from(day: dt.date) -> list[int]:
    """The day's weekday and an open partner day 3–4 (else 2) days away, for a twice-weekly plan from that day."""
    open_days = set(OpeningHours.objects.values_list("weekday", flat=True))
    first = day.weekday()
    for step in (3, 4, -3, -4, 2, -2):
        partner = (first + step) % 7
        if partner in open_days:
            return sorted([first, partner])
    return [first]


def _plan_warnings(slots, is_esketamine: bool, settings: ClinicSettings):
    if not slots:
        return []
    first, last = slots[0].start.astimezone(settings.tz).date(), slots[-1].start.astimezone(settings.tz).date()
    existing = list(
        TreatmentSession.objects.holding_time()
        .filter(
            planned_start__date__gte=first - dt.timedelta(days=1), planned_start__date__lte=last + dt.timedelta(days=1)
        )
        .select_related("course__protocol")
    )
    planned_days = {s.start.astimezone(settings.tz).date() for s in slots}
    visits = session_visits(existing) + [Visit(s.start, s.end, is_esketamine) for s in slots]
    warnings = capacity_warnings(visits, shifts_by_day(first, last), settings)
    return summarise([w for w in warnings if w.day in planned_days], settings.tz)


def _course(request: HttpRequest, pk: int, *related: str) -> Course:
    """The course of one patient (404 when missing), with the read logged."""
    return patient_row_or_404(
        request, Course.objects.select_related("patient", "protocol", "current_phase", *related), pk=pk
    )


def _course_context(request: HttpRequest, course: Course) -> dict:
    sessions = list(
        with_series(course.sessions.select_related("chair", "phase", "ride")).order_by("planned_start", "pk")
    )
    now = timezone.now()
    settings = ClinicSettings.load()
    phase = course.current_phase
    left_in_phase = [s for s in sessions if s.phase_id == phase.pk and s.status == SessionStatus.SCHEDULED]
    return {
        "course": course,
        "sessions": sessions,
        "reviews": course.reviews.select_related("phase", "next_phase", "reviewed_by"),
        "upcoming": [s for s in sessions if s.planned_start >= now and s.status == SessionStatus.SCHEDULED],
        "out_of_window": out_of_window_ids(course, sessions, settings),
        "needs_review": len(left_in_phase) <= 1 and course.status in review_services.REVIEWABLE,
        "can_review": review_services.can_review(course),
        "can_stop_early": review_services.can_stop_early(course, request.user),
        "panels": panels_for("course", request, course),
        "tz": settings.tz,
    }


@clinical_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = _course(request, pk, "prescriber", "preferred_chair")
    return render(request, "sessions/scheduling/course_detail.html", _course_context(request, course))


@prescriber_required
def course_review(request: HttpRequest, pk: int) -> HttpResponse:
    course = _course(request, pk)
    initial = {"decision": request.GET.get("decision") or ReviewDecision.CONTINUE}
    form = ReviewForm(request.POST or None, course=course, initial=initial)
    blocker = review_services.review_blocker(course, decision=request.POST.get("decision") or initial["decision"])
    if request.method == "POST" and form.is_valid():
        try:
            review = review_services.course_review(course=course, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if review.next_phase is None:
                messages.success(request, "Review recorded: the course is stopped and its upcoming sessions cancelled.")
            else:
                messages.success(request, f"Review recorded: {review.next_phase.name} is booked.")
            return redirect(course)
    context = {
        "course": course,
        "form": form,
        "blocker": blocker,
        "panels": panels_for("course_review", request, course),
    }
    return render(request, "sessions/scheduling/course_review.html", context)


@prescriber_required
def course_stop_early(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST or None, submit_label="Stop the course early", danger=True)
    return _course_action(
        request,
        pk,
        title="Stop the course early",
        done="Course stopped early; the reason is recorded and its upcoming sessions are cancelled.",
        form=form,
        action=lambda c, d: review_services.course_stop_early(course=c, by=request.user, reason=d["reason"]),
    )


def _course_action(request: HttpRequest, pk: int, *, title: str, form, action, done: str) -> HttpResponse:
    course = _course(request, pk)
    if request.method == "POST" and form.is_valid():
        try:
            action(course, form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(course)
    return render(request, "sessions/scheduling/course_action.html", {"course": course, "form": form, "title": title})


@admin_required
def course_pause(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST or None, submit_label="Pause the course")
    return _course_action(
        request,
        pk,
        title="Pause the course",
        done="Course paused; its upcoming sessions are cancelled and the chairs free again.",
        form=form,
        action=lambda c, d: course_services.course_pause(course=c, by=request.user, reason=d["reason"]),
    )


@admin_required
def course_resume(request: HttpRequest, pk: int) -> HttpResponse:
    form = ResumeForm(
        request.POST or None, initial={"start_date": timezone.localdate(timezone=ClinicSettings.load().tz)}
    )
    return _course_action(
        request,
        pk,
        title="Resume the course",
        done="Course resumed; the rest of the phase is booked.",
        form=form,
        action=lambda c, d: course_services.course_resume(
            course=c, by=request.user, start_date=d["start_date"], reason=d["reason"]
        ),
    )


@admin_required
def course_end(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST or None, submit_label="End the course", danger=True)
    return _course_action(
        request,
        pk,
        title="End the course",
        done="Course ended; its upcoming sessions are cancelled.",
        form=form,
        action=lambda c, d: course_services.course_end(course=c, by=request.user, reason=d["reason"]),
    )


@admin_required
@require_POST
def course_book_session(request: HttpRequest, pk: int) -> HttpResponse:
    """Book an offered slot (e.g. a make-up for a missed induction session)."""
    course = _course(request, pk)
    form = SlotForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That slot is no longer valid; choose another.")
        return redirect(course)

    def book() -> str:
        session = booking.session_book(
            course=course, start=form.cleaned_data["start"], chair=form.cleaned_data["chair"], by=request.user
        )
        messages.success(request, f"Booked session {session.number}.")
        return reverse("booking_detail", args=[session.pk])

    try:
        url, _first = idempotency.once(key=form.cleaned_data["idempotency_key"], user=request.user, run=book)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(course)
    return redirect(url)
