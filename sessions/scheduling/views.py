"""Scheduling pages: courses, bookings, calendars, rides. Views stay thin; the rules live in the
scheduling services (booking, courses, reviews, rides)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import admin_required, clinical_required, note_patient_access, prescriber_required
from clinic.forms import apply_service_errors
from clinic.models import Chair, ClinicSettings, OpeningHours, Patient
from clinic.panels import panels_for
from sessions.billing.authorisations import sessions_beyond_authorisation
from sessions.models import Course, CourseStatus, PhaseKind, ReviewDecision, SessionStatus, TreatmentSession
from sessions.scheduling import booking
from sessions.scheduling import courses as course_services
from sessions.scheduling import reviews as review_services
from sessions.scheduling import rides as ride_services
from sessions.scheduling.calendars import board_sessions, calendar_days, unconfirmed_rides, with_series
from sessions.scheduling.capacity import Visit, capacity_warnings, session_visits, shifts_by_day, summarise
from sessions.scheduling.forms import (
    CalendarFilterForm,
    CancelForm,
    CourseForm,
    FreeSlotForm,
    ReasonForm,
    RescheduleForm,
    ResumeForm,
    ReviewForm,
    RideForm,
    SlotForm,
    VersionForm,
)
from sessions.scheduling.planning import next_free_slots, plan_phase


def _settings() -> ClinicSettings:
    return ClinicSettings.load()


# Calendars page a few years either way; far-off dates (year 1 or 9999) would overflow the date arithmetic.
CALENDAR_REACH = dt.timedelta(days=366 * 20)


def _parse_date(value: str | None, default: dt.date) -> dt.date:
    try:
        parsed = dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return parsed if abs(parsed - default) <= CALENDAR_REACH else default


# ---- Courses ------------------------------------------------------------------------------


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
    settings = _settings()
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
        try:
            if "preview" in request.POST:
                phase = data["protocol"].phases.order_by("order").first()
                preview = plan_phase(
                    phase=phase,
                    start_date=data["start_date"],
                    weekdays=data["weekdays"],
                    time=data["time"],
                    patient=data["patient"],
                    preferred_chair=data["preferred_chair"],
                )
                warnings = _plan_warnings(preview, data["protocol"].is_esketamine, settings)
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
                )
                messages.success(request, f"Course planned: {course.sessions.count()} sessions booked.")
                return redirect(course)
        except booking.BookingConflict as exc:
            form.add_error(None, exc)
            suggestions = exc.suggestions
        except ValidationError as exc:
            apply_service_errors(form, exc)
    patient = form.cleaned_data.get("patient") if hasattr(form, "cleaned_data") else None
    if patient is None and str(initial.get("patient", "")).isdigit():
        patient = Patient.objects.active().filter(pk=initial["patient"]).first()
    context = {
        "form": form,
        "preview": preview,
        "warnings": warnings,
        "suggestions": suggestions,
        "panels": panels_for("plan_course", request, patient),
    }
    return render(request, "sessions/scheduling/course_create.html", context)


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


def _course_context(request: HttpRequest, course: Course) -> dict:
    sessions = list(
        with_series(course.sessions.select_related("chair", "phase", "ride")).order_by("planned_start", "pk")
    )
    now = timezone.now()
    phase = course.current_phase
    left_in_phase = [s for s in sessions if s.phase_id == phase.pk and s.status == SessionStatus.SCHEDULED]
    return {
        "course": course,
        "sessions": sessions,
        "reviews": course.reviews.select_related("phase", "next_phase", "reviewed_by"),
        "upcoming": [s for s in sessions if s.planned_start >= now and s.status == SessionStatus.SCHEDULED],
        "needs_review": course.status in (CourseStatus.ACTIVE, CourseStatus.AWAITING_REVIEW)
        and len(left_in_phase) <= 1,
        "panels": panels_for("course", request, course),
        "tz": _settings().tz,
    }


@clinical_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(
        Course.objects.select_related("patient", "protocol", "current_phase", "prescriber", "preferred_chair"), pk=pk
    )
    note_patient_access(request, course.patient)
    return render(request, "sessions/scheduling/course_detail.html", _course_context(request, course))


@prescriber_required
def course_review(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course.objects.select_related("patient", "protocol", "current_phase"), pk=pk)
    note_patient_access(request, course.patient)
    initial = {"decision": request.GET.get("decision") or ReviewDecision.CONTINUE}
    form = ReviewForm(request.POST or None, course=course, initial=initial)
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
    return render(request, "sessions/scheduling/course_review.html", {"course": course, "form": form})


def _course_action(request: HttpRequest, pk: int, *, title: str, form, action, done: str) -> HttpResponse:
    course = get_object_or_404(Course.objects.select_related("patient", "protocol", "current_phase"), pk=pk)
    note_patient_access(request, course.patient)
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
    form = ResumeForm(request.POST or None, initial={"start_date": timezone.localdate(timezone=_settings().tz)})
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
    course = get_object_or_404(Course, pk=pk)
    form = SlotForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That slot is no longer valid; choose another.")
        return redirect(course)
    try:
        session = booking.session_book(
            course=course, start=form.cleaned_data["start"], chair=form.cleaned_data["chair"], by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(course)
    messages.success(request, f"Booked session {session.number}.")
    return redirect("booking_detail", session.pk)


# ---- Bookings -------------------------------------------------------------------------------


def _session(pk: int) -> TreatmentSession:
    return get_object_or_404(
        TreatmentSession.objects.with_related().select_related("course__prescriber", "phase__protocol"), pk=pk
    )


def _booking_page(request: HttpRequest, session: TreatmentSession, **forms) -> HttpResponse:
    settings = _settings()
    tz = settings.tz
    local = session.planned_start.astimezone(tz)
    context = {
        "s": session,
        "tz": tz,
        "series_total": session.course.sessions.holding_time().count(),
        "reschedule_form": forms.get("reschedule_form")
        or RescheduleForm(
            initial={"date": local.date(), "time": local.time(), "chair": session.chair_id, "version": session.version}
        ),
        "cancel_form": forms.get("cancel_form") or CancelForm(initial={"version": session.version}),
        "ride_form": forms.get("ride_form")
        or RideForm.for_session(session, action=reverse("booking_ride", args=[session.pk])),
        "suggestions": forms.get("suggestions", []),
        "late_cancel": booking.is_late_cancellation(session, settings),
        "can_no_show": session.can_move_to(SessionStatus.NO_SHOW) and session.planned_start <= timezone.now(),
        "missed": booking.missed_session_options(session) if session.status == SessionStatus.NO_SHOW else None,
        "panels": panels_for("booking", request, session),
        "PhaseKind": PhaseKind,
    }
    return render(request, "sessions/scheduling/booking_detail.html", context, status=forms.get("status", 200))


@clinical_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    note_patient_access(request, session.patient)
    return _booking_page(request, session)


@admin_required
@require_POST
def booking_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    form = RescheduleForm(request.POST)
    suggestions = []
    if form.is_valid():
        try:
            booking.session_reschedule(
                session=session,
                start=form.start(),
                chair=form.cleaned_data["chair"],
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except booking.BookingConflict as exc:
            form.add_error(None, exc)
            suggestions = exc.suggestions
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Booking moved.")
            return redirect("booking_detail", pk)
    session = _session(pk)
    return _booking_page(request, session, reschedule_form=form, suggestions=suggestions, status=400)


@admin_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            booking.session_cancel(
                session=session,
                by=request.user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Booking cancelled; the chair is free again.")
            return redirect("booking_detail", pk)
    return _booking_page(request, _session(pk), cancel_form=form, status=400)


@clinical_required
@require_POST
def booking_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    form = VersionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("The form was incomplete; reload the page.")
        booking.session_no_show(session=session, by=request.user, version=form.cleaned_data["version"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.warning(request, "Marked as a no-show.")
    return redirect("booking_detail", pk)


@clinical_required
@require_POST
def booking_ride(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    form = RideForm(request.POST, action=reverse("booking_ride", args=[pk]))
    if form.is_valid():
        try:
            ride_services.ride_update(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Ride saved.")
            return redirect("booking_detail", pk)
    return _booking_page(request, _session(pk), ride_form=form, status=400)


# ---- Calendars ------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[CalendarFilterForm, object]:
    form = CalendarFilterForm(request.GET or None)
    return form, form.apply(TreatmentSession.objects.all())


def _flag_authorisations(days) -> None:
    """Mark each shown session that runs beyond its patient's prior authorisation (three queries)."""
    shown = [s for d in days for cd in d.chairs for s in cd.sessions]
    flags = sessions_beyond_authorisation(patient_ids={s.patient_id for s in shown}) if shown else {}
    for session in shown:
        session.auth_warning = flags.get(session.pk, "")


@admin_required
def calendar_week(request: HttpRequest) -> HttpResponse:
    settings = _settings()
    today = timezone.localdate(timezone=settings.tz)
    start = _parse_date(request.GET.get("start"), today)
    start -= dt.timedelta(days=start.weekday())
    form, qs = _filters(request)
    days = [d for d in calendar_days(start, 7, sessions_qs=qs, settings=settings) if d.is_open or d.count]
    _flag_authorisations(days)
    query = request.GET.copy()
    query.pop("start", None)
    context = {
        "days": days,
        "start": start,
        "prev": start - dt.timedelta(days=7),
        "next": start + dt.timedelta(days=7),
        "today": today,
        "filter_form": form,
        "extra_hidden": [("start", start.isoformat())],  # filtering stays on the week shown
        "query": query.urlencode(),
        "free_form": FreeSlotForm(),
        "tz": settings.tz,
    }
    return render(request, "sessions/scheduling/calendar_week.html", context)


@admin_required
def calendar_day(request: HttpRequest) -> HttpResponse:
    settings = _settings()
    today = timezone.localdate(timezone=settings.tz)
    day = _parse_date(request.GET.get("date"), today)
    form, qs = _filters(request)
    (cal,) = calendar_days(day, 1, sessions_qs=qs, settings=settings)
    _flag_authorisations([cal])
    query = request.GET.copy()
    query.pop("date", None)
    context = {
        "cal": cal,
        "day": day,
        "prev": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "today": today,
        "filter_form": form,
        "extra_hidden": [("date", day.isoformat())],  # filtering stays on the day shown
        "query": query.urlencode(),
        "free_form": FreeSlotForm(),
        "tz": settings.tz,
    }
    return render(request, "sessions/scheduling/calendar_day.html", context)


@admin_required
def calendar_free_slots(request: HttpRequest) -> HttpResponse:
    settings = _settings()
    form = FreeSlotForm(request.GET or None)
    slots = None
    if form.is_valid():
        protocol = form.cleaned_data["protocol"]
        phase = protocol.phases.order_by("order").first()
        day = form.cleaned_data.get("after") or timezone.localdate(timezone=settings.tz)
        after = dt.datetime.combine(day, dt.time.min, tzinfo=settings.tz)
        slots = (
            next_free_slots(phase=phase, after=after, chair=form.cleaned_data.get("chair"), limit=8) if phase else []
        )
    return render(
        request,
        "sessions/scheduling/free_slots.html",
        {
            "form": form,
            "slots": slots,
            "tz": settings.tz,
            "protocol": form.cleaned_data.get("protocol") if slots is not None else None,
        },
    )


@clinical_required
def rides_unconfirmed(request: HttpRequest) -> HttpResponse:
    sessions = list(unconfirmed_rides(2))
    return render(request, "sessions/scheduling/rides_unconfirmed.html", {"sessions": sessions, "tz": _settings().tz})


def board_for_day(day: dt.date, settings: ClinicSettings) -> dict:
    """The staff day board: today's sessions grouped by chair (a fixed number of queries)."""
    tz = settings.tz
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    sessions = list(
        board_sessions()
        .filter(planned_start__gte=start, planned_start__lt=start + dt.timedelta(days=1))
        .exclude(status__in=(SessionStatus.CANCELLED,))
        .order_by("planned_start")
    )
    chairs = {c.pk: c for c in Chair.objects.order_by("name")}
    grouped: dict[int, list] = {pk: [] for pk, c in chairs.items() if c.is_active}
    for s in sessions:
        grouped.setdefault(s.chair_id, []).append(s)
    rows = [(chairs[pk], items) for pk, items in grouped.items()]
    rows.sort(key=lambda r: r[0].name)
    return {"rows": rows, "count": sum(1 for s in sessions if s.status != SessionStatus.NO_SHOW)}


def patient_courses(patient: Patient):
    return patient.courses.select_related("protocol", "current_phase")
