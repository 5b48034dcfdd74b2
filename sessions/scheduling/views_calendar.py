"""Calendar pages for admins: the week and the day by chair with free time, the next free slots, and the
rides still to confirm."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import admin_required, clinical_required, note_patient_access, patient_row_or_404
from clinic.models import ClinicSettings
from sessions.billing.authorisations import sessions_beyond_authorisation
from sessions.models import SessionStatus, TreatmentSession
from sessions.scheduling import booking
from sessions.scheduling.calendars import calendar_choices, calendar_days, unconfirmed_rides
from sessions.scheduling.forms import (
    CalendarFilterForm,
    CalendarMoveForm,
    FreeSlotForm,
)
from sessions.scheduling.grid import can_move, day_grid, week_rows
from sessions.scheduling.planning import next_free_slots, visit_minutes
from sessions.scheduling.views import CALENDAR_REACH


def _calendar(
    request: HttpRequest, start: dt.date, days: int, settings: ClinicSettings, now: dt.datetime | None = None
):
    """The page's one read: chairs and protocols once (the grid and both forms use them), then the days with
    the sessions the filters keep (the same number of queries for any number of chairs or sessions)."""
    choices = calendar_choices()
    form = CalendarFilterForm(request.GET or None, choices=choices)
    cal_days = calendar_days(start, days, shown=form.condition(), settings=settings, chairs=choices.chairs, now=now)
    _flag_authorisations(cal_days)
    _note_search(request, form, cal_days)
    return choices, form, cal_days


def _asked_day(request: HttpRequest, names: tuple[str, ...], today: dt.date, instead: str) -> dt.date:
    """The day in the first of the query's ``names`` given, else today; a value that is not a date, or is
    decades away, shows today with a message saying why (never an error page)."""
    value = next((v for v in (request.GET.get(n, "").strip() for n in names) if v), "")
    if not value:
        return today
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        messages.warning(request, f"“{value[:40]}” is not a date (YYYY-MM-DD): showing {instead}.")
        return today
    if abs(day - today) > CALENDAR_REACH:
        messages.warning(request, f"{day:%Y-%m-%d} is too far from today: showing {instead}.")
        return today
    return day


def _note_search(request: HttpRequest, form: CalendarFilterForm, days) -> None:
    """Searched for a patient, the page shows that patient's schedule, so the read is logged (one entry per
    patient shown)."""
    if form.is_bound and form.is_valid() and form.cleaned_data.get("patient"):
        for patient_id in sorted({s.patient_id for d in days for cd in d.chairs for s in cd.sessions}):
            note_patient_access(request, patient_id)


def _flag_authorisations(days) -> None:
    """Mark each shown session that runs beyond its patient's prior authorisation (no query when no patient
    shown has one, else two)."""
    shown = [s for d in days for cd in d.chairs for s in cd.sessions]
    authorised = {s.patient_id for s in shown if s.has_authorisation}
    flags = sessions_beyond_authorisation(patient_ids=authorised) if authorised else {}
    for session in shown:
        session.auth_warning = flags.get(session.pk, "")


@admin_required
def calendar_week(request: HttpRequest) -> HttpResponse:
    settings = ClinicSettings.load()
    today = timezone.localdate(timezone=settings.tz)
    start = _asked_day(request, ("start", "date"), today, "this week")  # the week containing that day
    start -= dt.timedelta(days=start.weekday())
    choices, form, days = _calendar(request, start, 7, settings)
    days = [d for d in days if d.is_open or d.count or d.closure]  # a closure day says why it is closed
    query = request.GET.copy()
    query.pop("start", None)
    query.pop("date", None)
    context = {
        "days": days,
        "rows": week_rows(days, need_minutes=choices.shortest_visit_minutes(settings)),
        "start": start,
        "prev": start - dt.timedelta(days=7),
        "next": start + dt.timedelta(days=7),
        "today": today,
        "filter_form": form,
        "extra_hidden": [("start", start.isoformat())],  # filtering stays on the week shown
        "query": query.urlencode(),
        "free_form": FreeSlotForm(choices=choices),
        "tz": settings.tz,
    }
    return render(request, "sessions/scheduling/calendar_week.html", context)


@admin_required
def calendar_day(request: HttpRequest) -> HttpResponse:
    settings = ClinicSettings.load()
    today = timezone.localdate(timezone=settings.tz)
    day = _asked_day(request, ("date",), today, "today")
    now = timezone.now()
    choices, form, (cal,) = _calendar(request, day, 1, settings, now)
    moving = _moving(request)
    need = visit_minutes(moving.phase, settings) if moving else choices.shortest_visit_minutes(settings)
    grid = day_grid(cal, opening=cal.opening, need_minutes=need, tz=settings.tz, moving=moving, now=now)
    for block in grid.blocks:
        if block.session is not None:
            block.session.movable = can_move(block.session, now)
    query = request.GET.copy()
    query.pop("date", None)
    query.pop("move", None)
    context = {
        "cal": cal,
        "grid": grid,
        "moving": moving,
        "day": day,
        "prev": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "today": today,
        "filter_form": form,
        "extra_hidden": [("date", day.isoformat())],  # filtering stays on the day shown
        "query": query.urlencode(),
        "free_form": FreeSlotForm(choices=choices),
        "tz": settings.tz,
    }
    return render(request, "sessions/scheduling/calendar_day.html", context)


def _moving(request: HttpRequest) -> TreatmentSession | None:
    """The booking chosen with *Move* (``?move=<id>``): free cells then move it there."""
    pk = request.GET.get("move", "")
    if not pk.isdigit():
        return None
    session = (
        TreatmentSession.objects.with_related()
        .select_related("phase__protocol")
        .filter(pk=int(pk), status=SessionStatus.SCHEDULED)
        .first()
    )
    if session is not None:
        note_patient_access(request, session.patient_id)
    return session


@admin_required
@require_POST
def calendar_move(request: HttpRequest) -> HttpResponse:
    """Move a booking to the calendar cell chosen after *Move* or dropped on; the booking service checks
    everything (chair and patient free, opening hours, spacing, the course's rules) and a refusal says why."""
    form = CalendarMoveForm(request.POST)
    back = reverse("calendar_day")
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, "Not moved: " + " ".join(errors))
        return redirect(f"{back}?date={request.POST.get('date', '')}")
    start, chair = form.cleaned_data["slot"]
    settings = ClinicSettings.load()
    day = start.astimezone(settings.tz).date()
    session = patient_row_or_404(request, TreatmentSession.objects.with_related(), pk=form.cleaned_data["session"])
    try:
        booking.session_reschedule(
            session=session, start=start, chair=chair, by=request.user, version=form.cleaned_data["version"]
        )
    except ValidationError as exc:
        messages.error(request, f"Not moved: {' '.join(exc.messages)}")
        return redirect(f"{back}?date={day.isoformat()}&move={session.pk}")
    messages.success(
        request,
        f"Moved {session.patient.full_name}'s session to {chair.name}, {start.astimezone(settings.tz):%a %d %b %H:%M}.",
    )
    return redirect(f"{back}?date={day.isoformat()}")


@admin_required
def calendar_free_slots(request: HttpRequest) -> HttpResponse:
    settings = ClinicSettings.load()
    form = FreeSlotForm(request.GET or None)
    slots = None
    if form.is_valid():
        phase = form.choices.first_phase(form.cleaned_data["protocol"])
        day = form.cleaned_data.get("after") or timezone.localdate(timezone=settings.tz)
        after = dt.datetime.combine(day, dt.time.min, tzinfo=settings.tz)
        slots = (
            next_free_slots(
                phase=phase,
                after=after,
                chair=form.cleaned_data.get("chair"),
                limit=8,
                active_chairs=[c for c in form.choices.chairs if c.is_active],
            )
            if phase
            else []
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
    return render(
        request, "sessions/scheduling/rides_unconfirmed.html", {"sessions": sessions, "tz": ClinicSettings.load().tz}
    )
