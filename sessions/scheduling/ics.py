"""Calendar files for patients: one .ics per appointment and a private feed.

Titles and descriptions carry no clinical detail (no drug, dose or diagnosis): a calendar is often
shared with family or synced to work devices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Event

from clinic.models import ClinicSettings
from sessions.models import RELEASED_STATUSES, TreatmentSession

PRODID = "-//Clinic tracker//Appointments//EN"


# Deliberately neutral: even the clinic's name can reveal the treatment.
EVENT_TITLE = "Clinic appointment"
CALENDAR_NAME = "My appointments"


def _event(session: TreatmentSession, settings: ClinicSettings, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"appointment-{session.pk}@clinic-tracker")
    event.add("dtstamp", stamp)
    event.add("dtstart", session.planned_start.astimezone(dt.UTC))
    event.add("dtend", session.planned_end.astimezone(dt.UTC))
    event.add("summary", EVENT_TITLE)
    event.add(
        "description",
        "Arrange your ride home: you may not drive until the next day after a restful sleep. "
        "Preparation instructions are in your patient portal."
        + (f" Questions: {settings.phone}." if settings.phone else ""),
    )
    if settings.address:
        event.add("location", settings.address.replace("\n", ", "))
    event.add("sequence", session.version)
    if session.status in RELEASED_STATUSES:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    return event


def calendar_for(sessions: Iterable[TreatmentSession]) -> bytes:
    settings = ClinicSettings.load()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", CALENDAR_NAME)
    stamp = timezone.now().astimezone(dt.UTC)
    for session in sessions:
        cal.add_component(_event(session, settings, stamp))
    return cal.to_ical()
