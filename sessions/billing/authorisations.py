"""Prior authorisations: how many sessions are used, planned, and planned beyond the count or dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from clinic.models import ClinicSettings, Patient
from sessions.models import RELEASED_STATUSES, PriorAuthorisation, SessionStatus, TreatmentSession


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
    def beyond(self) -> int:
        """Planned sessions the authorisation does not cover (past its count or its end)."""
        return len(self.beyond_count) + len(self.beyond_dates)

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


@dataclass(frozen=True)
class PlannedVisit:
    """A session a plan would book (not saved yet), counted against the authorisations like a booking."""

    planned_start: dt.datetime
    protocol_id: int
    status: str = SessionStatus.SCHEDULED

    @property
    def course(self) -> PlannedVisit:  # _status reads session.course.protocol_id
        return self


def _current(auths: list[PriorAuthorisation], today: dt.date) -> list[PriorAuthorisation]:
    current = [a for a in auths if a.ends_on >= today]
    if not current and auths:
        current = [max(auths, key=lambda a: a.ends_on)]
    return sorted(current, key=lambda a: a.starts_on)


def _status(a: PriorAuthorisation, sessions: list[TreatmentSession], today: dt.date, tz) -> AuthorisationStatus:
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
    return AuthorisationStatus(a, used, min(len(pending), room), pending[room:], beyond_dates, today)


def counted_sessions(qs=None):
    """The sessions that count against authorisations (used or planned)."""
    qs = TreatmentSession.objects.all() if qs is None else qs
    return qs.exclude(status__in=[*RELEASED_STATUSES, SessionStatus.DEFERRED])


def _counted_sessions(patient_ids):
    return (
        counted_sessions(TreatmentSession.objects.filter(patient_id__in=patient_ids))
        .select_related("course")
        .order_by("planned_start")
    )


def authorisation_status(
    *, patient: Patient, protocol=None, today: dt.date | None = None, planned: list[PlannedVisit] = ()
) -> list[AuthorisationStatus]:
    """Each current (or most recent) authorisation with what is used, planned and beyond it. Two queries.

    ``protocol`` keeps the authorisations for that protocol (or any protocol); ``planned`` adds the sessions
    a plan would book (a preview), so the warnings name those beyond the authorised count or dates."""
    today = today or timezone.localdate()
    auths = list(PriorAuthorisation.objects.filter(patient=patient).select_related("payer", "protocol"))
    if protocol is not None:
        auths = [a for a in auths if a.protocol_id in (None, protocol.pk)]
    if not _current(auths, today):
        return []
    return statuses_of(auths, [*_counted_sessions([patient.pk]), *planned], today)


def statuses_of(auths: list[PriorAuthorisation], sessions: list, today: dt.date) -> list[AuthorisationStatus]:
    """``authorisation_status`` from rows a page already loaded: the patient's authorisations and the
    sessions that count against them (as ``counted_sessions`` selects them)."""
    current = _current(auths, today)
    if not current:
        return []
    tz = ClinicSettings.load().tz
    sessions = sorted(sessions, key=lambda s: s.planned_start)
    return [_status(a, sessions, today, tz) for a in current]


def patient_has_authorisation() -> Exists:
    """For a session query's ``annotate``: whether the session's patient has any prior authorisation, so a
    calendar asks ``sessions_beyond_authorisation`` about those patients only (and not at all when none has)."""
    return Exists(PriorAuthorisation.objects.filter(patient_id=OuterRef("patient_id")))


def sessions_beyond_authorisation(*, patient_ids, today: dt.date | None = None) -> dict[int, str]:
    """For a calendar or board: session id → why it is beyond its patient's authorisation.

    Three queries whatever the number of patients (authorisations, sessions, settings).
    """
    today = today or timezone.localdate()
    by_patient: dict[int, list[PriorAuthorisation]] = {}
    for a in PriorAuthorisation.objects.filter(patient_id__in=patient_ids):
        by_patient.setdefault(a.patient_id, []).append(a)
    if not by_patient:
        return {}
    tz = ClinicSettings.load().tz
    sessions: dict[int, list[TreatmentSession]] = {}
    for s in _counted_sessions(by_patient.keys()):
        sessions.setdefault(s.patient_id, []).append(s)
    flags: dict[int, str] = {}
    for patient_id, auths in by_patient.items():
        for a in _current(auths, today):
            status = _status(a, sessions.get(patient_id, []), today, tz)
            for s in status.beyond_count:
                flags.setdefault(s.pk, f"Beyond the {a.sessions_authorised} sessions of authorisation {a.number}")
            for s in status.beyond_dates:
                flags.setdefault(s.pk, f"After authorisation {a.number} ends ({a.ends_on:%Y-%m-%d})")
    return flags
