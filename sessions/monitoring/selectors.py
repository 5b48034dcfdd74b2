"""Reads of live sessions: the session page's row, the day's sessions that the staff home's day by
chair and the cards of patients in a chair share, their open alerts, and the live state of a loaded
session (no query of its own).

The board (``board.py``), the session page (``views.py``) and the staff home (``sessions.home``) all
read through here, so neither the board nor the views import each other.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from clinic.compiled import compiled_rows
from clinic.models import ClinicSettings
from clinic.rows import built_once, json_rows, related_instances, row_fields
from sessions.models import (
    IN_CLINIC_STATUSES,
    AdministrationKind,
    Alert,
    OutcomeScore,
    Scale,
    SessionStatus,
    TreatmentSession,
)
from sessions.monitoring import amendments, timeline
from sessions.monitoring import discharge as discharge_services
from sessions.monitoring import services as monitoring
from sessions.scheduling.calendars import day_bounds, with_series

OTHER_ALERTS_SHOWN = 50

# Each kind of row a live session has, with the rows it points to that the live screen and the cards show.
LIVE_RELATED: dict[str, tuple[str, ...]] = {
    "vitals": ("by",),
    "assessments": ("by",),
    "administrations": ("lot", "by", "receipt"),
    "alerts": ("acknowledged_by",),
    "decisions": ("by",),
    "adverse_events": ("by",),
    "amendments": ("by",),
    "missed_checks": ("by",),
}


def _related_model(name: str):
    return TreatmentSession._meta.get_field(name).related_model


LIVE_PREFETCHES = tuple(
    Prefetch(name, queryset=_related_model(name).objects.select_related(*with_rows))
    for name, with_rows in LIVE_RELATED.items()
)


def _live_rows():
    return TreatmentSession.objects.select_related(
        "patient",
        "chair",
        "phase",
        "course__protocol",
        "course__prescriber",
        "ride",
        "checkin__by",
        "discharge__by",
        "discharge__override_by",
        "discharged_by",
        "rems_submission__by",
    )


def live_sessions():
    """Sessions with everything the live screen and the board read, in a fixed number of queries."""
    return _live_rows().prefetch_related(*LIVE_PREFETCHES)


def live_rows_with_related(*, skip: tuple[str, ...] = ()):
    """A copy of ``_live_rows_with_related(skip)``, built once per process (its expressions are the same
    for every request; the caller filters the copy)."""
    return built_once(("live_rows_with_related", skip), lambda: _live_rows_with_related(skip))


def _live_rows_with_related(skip: tuple[str, ...]):
    """``_live_rows`` with, in the same query, each session's rows of every kind in ``LIVE_RELATED``
    (those in ``skip`` left out) as JSON, whether its patient has open alerts not tied to a session
    (``has_patient_alerts``) and whether it has outcome scores (``has_scores``). ``take_related`` then
    makes the JSON the sessions' prefetched rows: a session and all it shows in one query."""
    related = {}
    for name, with_rows in LIVE_RELATED.items():
        if name in skip:
            continue
        model = _related_model(name)
        mine = model.objects.filter(**{TreatmentSession._meta.get_field(name).field.name: OuterRef("pk")})
        related[f"_rel_{name}"] = json_rows(mine, **row_fields(model, *with_rows))
    return _live_rows().annotate(
        **related,
        has_patient_alerts=Exists(Alert.objects.open().filter(patient=OuterRef("patient_id"), session__isnull=True)),
        has_scores=Exists(OutcomeScore.objects.filter(session=OuterRef("pk"))),
    )


def take_related(sessions: list[TreatmentSession], *, skip: tuple[str, ...] = ()) -> None:
    """The rows ``live_rows_with_related`` brought, as each session's prefetched rows (no query); the kinds
    in ``skip`` are left for the caller to load its own way."""
    for session in sessions:
        for name in LIVE_RELATED:
            if name not in skip:
                keep_prefetched(
                    session, name, related_instances(_related_model(name), session.__dict__.pop(f"_rel_{name}"))
                )


def keep_prefetched(session, name: str, rows: list) -> None:
    """Store ``rows`` as the row's prefetched ``name`` (what ``prefetch_related`` would have read), so that
    ``session.<name>.all()`` answers from them without a query."""
    cache = session.__dict__.setdefault("_prefetched_objects_cache", {})
    related = getattr(session, name).all()
    related._result_cache, related._prefetch_done = rows, True
    cache[name] = related


def day_sessions(day: dt.date, tz, *, in_chair: bool = False) -> list[TreatmentSession]:
    """The day's sessions (cancelled ones left out; only those in a chair with ``in_chair``) in time order,
    in one query: what the day by chair reads (patient, phase, ride, ``series_total``) and what the cards
    of patients in a chair read (the live rows with their related rows, for ``take_related``; the alerts
    come from ``board_alerts``). The staff home, its refresh and the monitor board all start here. Its
    SQL is compiled once per process (``clinic.compiled``): only the day's bounds change."""
    start, end = day_bounds(day, tz)
    return compiled_rows(("day_sessions", in_chair), partial(_day_rows, in_chair=in_chair), start=start, end=end)


def _day_rows(*, start: dt.datetime, end: dt.datetime, in_chair: bool):
    rows = live_rows_with_related(skip=("alerts",)).filter(planned_start__gte=start, planned_start__lt=end)
    rows = rows.filter(status__in=IN_CLINIC_STATUSES) if in_chair else rows.exclude(status=SessionStatus.CANCELLED)
    return with_series(rows).order_by("planned_start")


def board_alerts(sessions: list[TreatmentSession], day: dt.date, tz) -> tuple[dict[int, list[Alert]], list[Alert]]:
    """The board's alerts in one query: every alert of ``sessions`` (the patients in a chair on ``day``, as
    ``day_sessions(day, tz, in_chair=True)`` reads them), kept as each session's prefetched ``alerts`` (the
    card and the discharge criteria read them); the open alerts of their patients not tied to a session
    (PHQ-9 item 9), by patient; and the latest ``OTHER_ALERTS_SHOWN`` other open alerts. Newest first, like
    ``Alert.Meta.ordering``. The query names the day's sessions in a chair by the day (its SQL compiled
    once per process), not by their keys; an alert of a session that came into a chair since counts as other."""
    start, end = day_bounds(day, tz)
    alerts = compiled_rows("board_alerts", _board_alert_rows, start=start, end=end)
    ids = [s.pk for s in sessions]
    by_session: dict[int, list[Alert]] = {pk: [] for pk in ids}
    by_patient: dict[int, list[Alert]] = {}
    patients = {s.patient_id for s in sessions}
    other: list[Alert] = []
    for alert in alerts:
        if alert.session_id in by_session:
            by_session[alert.session_id].append(alert)
        elif alert.session_id is None and alert.patient_id in patients:
            by_patient.setdefault(alert.patient_id, []).append(alert)
        else:
            other.append(alert)
    for session in sessions:
        keep_prefetched(session, "alerts", by_session[session.pk])
    return by_patient, other


def _board_alert_rows(*, start: dt.datetime, end: dt.datetime):
    in_chair = TreatmentSession.objects.filter(
        planned_start__gte=start, planned_start__lt=end, status__in=IN_CLINIC_STATUSES
    ).order_by()
    on_cards = Q(session__in=in_chair.values("pk")) | Q(session__isnull=True, patient__in=in_chair.values("patient_id"))
    others = Alert.objects.open().exclude(on_cards).order_by("-raised_at", "-pk").values("pk")[:OTHER_ALERTS_SHOWN]
    return (
        Alert.objects.filter(
            Q(session__in=in_chair.values("pk")) | Q(acknowledged_at__isnull=True) & (on_cards | Q(pk__in=others))
        )
        .select_related("patient", "session", "acknowledged_by")
        .order_by("-raised_at", "-pk")
    )


def patient_level_alerts(session) -> list[Alert]:
    """Open alerts about the session's patient that are not tied to a session (PHQ-9 item 9)."""
    return list(Alert.objects.open().filter(patient_id=session.patient_id, session__isnull=True).order_by("raised_at"))


def live_state(session: TreatmentSession, cs: ClinicSettings, now=None) -> dict:
    """What the live screen and a board card show of a session loaded with its related rows (no query)."""
    now = now or timezone.now()
    checks = timeline.due_checks(session, cs, now)
    earliest = timeline.earliest_discharge_at(session, cs)
    # Readings as amended (corrections shown in place, marked, with the original a click away).
    vitals = amendments.amended_vitals(session)
    assessments = amendments.amended_assessments(session)
    adms = sorted(session.administrations.all(), key=lambda a: (a.given_at, a.number))
    events = []
    for r in vitals:
        events.append((r.taken_at, "vitals", r))
    for a in assessments:
        events.append((a.taken_at, "assessment", a))
    for a in adms:
        events.append((a.given_at, "administration", a))
        if a.ended_at:
            events.append((a.ended_at, "infusion_end", a))
    for e in session.adverse_events.all():
        events.append((e.occurred_at, "adverse", e))
    events.sort(key=lambda e: e[0])
    t0 = session.first_dose_at
    events = [
        {"at": at, "kind": kind, "obj": obj, "min": int((at - t0).total_seconds() // 60) if t0 and at >= t0 else None}
        for at, kind, obj in events
    ]
    criteria = (
        discharge_services.discharge_criteria(session, cs=cs, now=now)
        if session.status == SessionStatus.OBSERVING
        else []
    )
    predose = monitoring.latest_predose(session) if session.status == SessionStatus.CHECKED_IN else None
    return {
        "needs_decision": monitoring.predose_above_threshold(predose, cs)
        and monitoring.decision_for(session, predose) is None,
        "criteria": criteria,
        "gate_open": discharge_services.gate_open(criteria) if criteria else False,
        "s": session,
        "now": now,
        "checks": checks,
        "overdue": [c for c in checks if c.status == "overdue"],
        "next_check": timeline.next_check(checks),
        "elapsed": timeline.minutes_since_first_dose(session, now),
        "earliest": earliest,
        "to_discharge": max(0, int((earliest - now).total_seconds() // 60) + 1)
        if earliest and earliest > now
        else (0 if earliest else None),
        "events": events,
        "open_alerts": [a for a in session.alerts.all() if a.is_open],
        "closed_alerts": [a for a in session.alerts.all() if not a.is_open],
        "latest_bp": vitals[-1] if vitals else None,
        "latest_moaas": next((a for a in reversed(assessments) if a.scale == Scale.MOAAS), None),
        "latest_cadss": next((a for a in reversed(assessments) if a.scale != Scale.MOAAS), None),
        "devices": [a for a in adms if a.kind == AdministrationKind.DEVICE],
        "dose_given": amendments.amended_dose(session),
        "infusion": next((a for a in adms if a.kind == AdministrationKind.INFUSION), None),
    }
