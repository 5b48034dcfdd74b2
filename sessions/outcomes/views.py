"""Outcome questionnaire pages: staff enter a PHQ-9 or GAD-7 for a patient; patients answer them in the portal."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from clinic.access import clinical_required, patient_for, patient_required, portal_patient
from clinic.models import ClinicSettings, OpeningHours
from sessions.models import (
    IN_CLINIC_STATUSES,
    Instrument,
    SessionStatus,
    Source,
    TreatmentSession,
)
from sessions.outcomes import services as outcome_services
from sessions.outcomes.forms import OutcomeForm
from sessions.outcomes.services import INSTRUMENT_TITLES


def _instrument(value: str) -> str:
    if value not in Instrument.values:
        raise Http404("Unknown questionnaire.")
    return value


@clinical_required
def outcome_create(request: HttpRequest, pk: int, instrument: str) -> HttpResponse:
    patient = patient_for(request, pk)
    instrument = _instrument(instrument)
    session = None
    if request.GET.get("session"):
        session = get_object_or_404(TreatmentSession, pk=request.GET["session"], patient=patient)
    form = OutcomeForm(request.POST or None, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        score = outcome_services.outcome_record(
            patient=patient,
            by=request.user,
            instrument=instrument,
            items=form.items(),
            source=Source.STAFF,
            session=session,
        )
        messages.success(request, f"{INSTRUMENT_TITLES[instrument]} saved: {score.total} ({score.band}).")
        return redirect(session.get_absolute_url() if session else patient.get_absolute_url())
    title = f"{INSTRUMENT_TITLES[instrument]} for {patient.full_name}"
    back = session.get_absolute_url() if session else patient.get_absolute_url()
    return render(
        request,
        "sessions/outcomes/questionnaire.html",
        {"form": form, "title": title, "back": back, "instrument": instrument},
    )


def _next_session(patient):
    return (
        patient.sessions.filter(
            planned_start__gte=timezone.now() - dt.timedelta(hours=12),
            status__in=[SessionStatus.SCHEDULED, *IN_CLINIC_STATUSES],
        )
        .order_by("planned_start")
        .first()
    )


FOLLOW_UP_FLAG = "phq9_follow_up"


def follow_up_when(now: dt.datetime | None = None) -> str:
    """When the care team will call after a PHQ-9 with thoughts of self-harm: the same day while the clinic is
    open, otherwise the morning of the next day it opens."""
    settings = ClinicSettings.load()
    local = (now or timezone.now()).astimezone(settings.tz)
    hours = {h.weekday: h for h in OpeningHours.objects.all()}
    today = hours.get(local.weekday())
    if today is not None and local.time() < today.closes:
        return f"today, before {today.closes:%H:%M}"
    for ahead in range(1, 8):
        day = local.date() + dt.timedelta(days=ahead)
        opening = hours.get(day.weekday())
        if opening is not None:
            when = "tomorrow" if ahead == 1 else f"on {day:%A}"
            return f"{when} morning, soon after we open at {opening.opens:%H:%M}"
    return "as soon as the clinic opens"


@patient_required
def portal_questionnaires(request: HttpRequest) -> HttpResponse:
    patient = portal_patient(request)
    follow_up = follow_up_when() if request.session.pop(FOLLOW_UP_FLAG, False) else ""
    scores = list(patient.outcome_scores.order_by("-completed_at")[:20])
    today = timezone.localdate()
    done_today = {s.instrument for s in scores if timezone.localdate(s.completed_at) == today}
    context = {
        "patient": patient,
        "scores": scores,
        "instruments": [(v, INSTRUMENT_TITLES[v], v in done_today) for v in Instrument.values],
        "next_session": _next_session(patient),
        "follow_up": follow_up,
        "patient_phone": patient.phone,
    }
    return render(request, "sessions/outcomes/portal_questionnaires.html", context)


@patient_required
def portal_questionnaire(request: HttpRequest, instrument: str) -> HttpResponse:
    patient = portal_patient(request)
    instrument = _instrument(instrument)
    form = OutcomeForm(request.POST or None, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        session = _next_session(patient)
        if session and timezone.localdate(session.planned_start) != timezone.localdate():
            session = None
        outcome_services.outcome_record(
            patient=patient,
            by=request.user,
            instrument=instrument,
            items=form.items(),
            source=Source.PORTAL,
            session=session,
        )
        messages.success(request, "Thank you — your answers are saved and your care team will see them.")
        if instrument == Instrument.PHQ9 and form.items()[8] > 0:
            request.session[FOLLOW_UP_FLAG] = True  # shown once on the next page
        return redirect("portal_questionnaires")
    return render(
        request,
        "sessions/outcomes/questionnaire.html",
        {
            "form": form,
            "title": INSTRUMENT_TITLES[instrument],
            "back": reverse("portal_questionnaires"),
            "instrument": instrument,
            "portal": True,
        },
    )
