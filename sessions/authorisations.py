"""Prior authorisations: how many sessions are used, planned, and planned beyond the count or dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from clinic.models import ClinicSettings, Patient

from .models import RELEASED_STATUSES, PriorAuthorisation, SessionStatus, TreatmentSession


@dataclass
class AuthorisationStatus:
    authorisation: PriorAuthorisation
    used: int  # discharged sessions inside the authorisation
    planned: int  # sessions still to come inside its dates and count
    beyond_count: list[TreatmentSession]
    beyond_dates: list[TreatmentSession]
    today: dt.date

    @property
    def remaining(self) -> int:
        return max(self.authorisation.sessions_authorised - self.used - self.planned, 0)

    @property
    def remaining_to_use(self) -> int:
        return max(self.authorisation.sessions_authorised - self.used, 0)

    @property
    def days_left(self) -> int:
        return (self.authorisation.ends_on - self.today).days

    @property
    def is_expired(self) -> bool:
        return self.days_left < 0

    @property
    def about_to_run_out(self) -> bool:
        return not self.is_expired and (self.remaining_to_use <= 2 or self.days_left <= 14)

    @property
    def warnings(self) -> list[str]:
        a = self.authorisation
        out = []
        if self.is_expired:
            out.append(f"Authorisation {a.number} ended on {a.ends_on:%Y-%m-%d}.")
        if self.beyond_count:
            out.append(
                f"{len(self.beyond_count)} planned session(s) go beyond the {a.sessions_authorised} authorised "
                f"(from {self.beyond_count[0].planned_start:%Y-%m-%d})."
            )
        if self.beyond_dates:
            out.append(
                f"{len(self.beyond_dates)} planned session(s) fall outside {a.starts_on:%Y-%m-%d}–"
                f"{a.ends_on:%Y-%m-%d} (first {self.beyond_dates[0].planned_start:%Y-%m-%d})."
            )
        if not out and self.about_to_run_out:
            out.append(
                f"Authorisation {a.number} is about to run out: {self.remaining_to_use} session(s) left, "
                f"ends {a.ends_on:%Y-%m-%d}. Ask the payer for a renewal."
            )
        return out


def authorisation_status(*, patient: Patient, protocol=None, today: dt.date | None = None) -> list[AuthorisationStatus]:
    """Each current (or most recent) authorisation with what is used, planned and beyond it. Two queries."""
    today = today or timezone.localdate()
    auths = list(PriorAuthorisation.objects.filter(patient=patient).select_related("payer", "protocol"))
    if protocol is not None:
        auths = [a for a in auths if a.protocol_id in (None, protocol.pk)]
    current = [a for a in auths if a.ends_on >= today]
    if not current and auths:
        current = [max(auths, key=lambda a: a.ends_on)]
    if not current:
        return []
    tz = ClinicSettings.load().tz
    sessions = list(
        TreatmentSession.objects.filter(patient=patient)
        .exclude(status__in=[*RELEASED_STATUSES, SessionStatus.DEFERRED])
        .select_related("course")
        .order_by("planned_start")
    )
    out = []
    for a in sorted(current, key=lambda a: a.starts_on):
        relevant = [s for s in sessions if a.protocol_id is None or s.course.protocol_id == a.protocol_id]
        inside, beyond_dates = [], []
        for s in relevant:
            day = timezone.localtime(s.planned_start, tz).date()
            if a.starts_on <= day <= a.ends_on:
                inside.append(s)
            elif day > a.ends_on and s.status == SessionStatus.SCHEDULED:
                beyond_dates.append(s)
        used = sum(1 for s in inside if s.status == SessionStatus.DISCHARGED)
        pending = [s for s in inside if s.status != SessionStatus.DISCHARGED]
        room = max(a.sessions_authorised - used, 0)
        out.append(AuthorisationStatus(a, used, min(len(pending), room), pending[room:], beyond_dates, today))
    return out
