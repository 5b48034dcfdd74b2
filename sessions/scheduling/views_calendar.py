"""Calendar pages for admins: the week and the day by chair with free time, the next free slots, and the
rides still to confirm."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.access import admin_required, clinical_required, note_patient_access
from clinic.models import ClinicSettings
from sessions.billing.authorisations import sessions_beyond_authorisation
from sessions.models import TreatmentSession
from sessions.scheduling.calendars import calendar_days, unconfirmed_rides
from sessions.scheduling.forms import (
    CalendarFilterForm,
    FreeSlotForm,
)
from sessions.scheduling.planning import next_free_slots
from sessions.scheduling.views import _parse_date


def _filters(request: HttpRequest) -> tuple[CalendarFilterForm, object]:
    """The filter form and the sessions it selects; filtered to one patient, the page shows that
    patient's schedule, so the read is logged."""
    form = CalendarFilterForm(request.GET or None)
    sessions = form.apply(TreatmentSession.objects.all())
    if form.is_bound and form.is_valid() and form.cleaned_data.get("patient"):
        note_patient_access(request, form.cleaned_data["patient"])
    return form, sessions


def _flag_authorisations(days) -> None:
    """Mark each shown session that runs beyond its patient's prior authorisation (three queries)."""
    shown = [s for d in days for cd in d.chairs for s in cd.sessions]
    flags = sessions_beyond_authorisation(patient_ids={s.patient_id for s in shown}) if shown else {}
    for session in shown:
        session.auth_warning = flags.get(session.pk, "")


@admin_required
def calendar_week(request: HttpRequest) -> HttpResponse:
    settings = ClinicSettings.load()
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
    settings = ClinicSettings.load()
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
    settings = ClinicSettings.load()
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
    return render(
        request, "sessions/scheduling/rides_unconfirmed.html", {"sessions": sessions, "tz": ClinicSettings.load().tz}
    )
