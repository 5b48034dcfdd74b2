"""The nurse's live session screen, the monitoring board, alerts, REMS forms, lots and outcomes.

Each POST validates a form, calls one service and redirects; on a refusal the page is shown
again with the message beside the field (status 400), nothing saved.
"""

from __future__ import annotations

from crispy_forms.layout import Submit
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from clinic.access import clinical_required, patient_row_or_404
from clinic.models import ClinicSettings
from sessions.models import (
    ESKETAMINE_DEVICE_MG,
    Administration,
    AdministrationKind,
    Alert,
    Assessment,
    OutcomeScore,
    Scale,
    SessionStatus,
    TreatmentSession,
    VitalsReading,
)
from sessions.monitoring import amendments, missed, timeline, titration
from sessions.monitoring import discharge as discharge_services
from sessions.monitoring import rems as rems_services
from sessions.monitoring import services as monitoring
from sessions.monitoring.board import patient_level_alerts
from sessions.monitoring.forms import (
    AcknowledgeForm,
    AdverseEventForm,
    AmendmentForm,
    CadssForm,
    CheckInForm,
    DecisionForm,
    DeferForm,
    DeviceForm,
    DischargeForm,
    InfusionEndForm,
    InfusionStartForm,
    MissedCheckForm,
    MoaasForm,
    VitalsForm,
)
from sessions.monitoring.forms_round import CheckRoundForm
from sessions.monitoring.forms_titration import DoseChangeForm

# ---- lookups --------------------------------------------------------------------------------


LIVE_PREFETCHES = (
    Prefetch("vitals", queryset=VitalsReading.objects.select_related("by")),
    Prefetch("assessments", queryset=Assessment.objects.select_related("by")),
    Prefetch("administrations", queryset=Administration.objects.select_related("lot", "by", "receipt")),
    Prefetch("alerts", queryset=Alert.objects.select_related("acknowledged_by")),
    "decisions__by",
    "adverse_events__by",
    "amendments__by",
    "missed_checks__by",
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


def _relation(lookup) -> str:
    return (lookup.prefetch_through if isinstance(lookup, Prefetch) else lookup).split("__")[0]


def live_rows_with_presence():
    """``_live_rows`` with, for each session, whether each kind of related row exists (``has_<name>``,
    ``has_patient_alerts``, ``has_scores``), in the same query; ``prefetch_present`` then reads only
    the kinds some session has (a scheduled session has none yet; most have no amendments)."""
    exists = {}
    for lookup in LIVE_PREFETCHES:
        name = _relation(lookup)
        field = TreatmentSession._meta.get_field(name)
        exists[f"has_{name}"] = Exists(field.related_model.objects.filter(**{field.field.name: OuterRef("pk")}))
    return _live_rows().annotate(
        **exists,
        has_patient_alerts=Exists(Alert.objects.open().filter(patient=OuterRef("patient_id"), session__isnull=True)),
        has_scores=Exists(OutcomeScore.objects.filter(session=OuterRef("pk"))),
    )


def prefetch_present(sessions: list[TreatmentSession]) -> None:
    """One query per kind of related row that any of ``sessions`` has; the others are empty, unread."""
    present = [lookup for lookup in LIVE_PREFETCHES if any(getattr(s, f"has_{_relation(lookup)}") for s in sessions)]
    prefetch_related_objects(sessions, *present)
    for session in sessions:
        cache = session.__dict__.setdefault("_prefetched_objects_cache", {})
        for lookup in LIVE_PREFETCHES:
            name = _relation(lookup)
            if name not in cache:  # none in the database: an empty result, no query
                empty = getattr(session, name).all()
                empty._result_cache, empty._prefetch_done = [], True
                cache[name] = empty


def record_session(request: HttpRequest, pk: int) -> TreatmentSession:
    """The session page's selector (the page and its live partial): the session with what exists,
    then only the kinds of rows it has. The read is logged."""
    session = patient_row_or_404(request, live_rows_with_presence(), pk=pk)
    prefetch_present([session])
    return session


def _session(request: HttpRequest, pk: int) -> TreatmentSession:
    return patient_row_or_404(request, live_sessions(), pk=pk)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    ):
        return target
    return default


def live_state(session: TreatmentSession, cs: ClinicSettings, now=None) -> dict:
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
    open_alerts = [a for a in session.alerts.all() if a.is_open]
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
        "open_alerts": open_alerts,
        "closed_alerts": [a for a in session.alerts.all() if not a.is_open],
        "latest_bp": vitals[-1] if vitals else None,
        "latest_moaas": next((a for a in reversed(assessments) if a.scale == Scale.MOAAS), None),
        "latest_cadss": next((a for a in reversed(assessments) if a.scale != Scale.MOAAS), None),
        "devices": [a for a in adms if a.kind == AdministrationKind.DEVICE],
        "dose_given": amendments.amended_dose(session),
        "infusion": next((a for a in adms if a.kind == AdministrationKind.INFUSION), None),
    }


NO_LOT = {"lot": None}


def _known_items_confirmed(form, session: TreatmentSession, ride) -> None:
    """Check-in items the clinic already knows are shown as confirmed (ticked, with where it is known
    from) instead of asking the nurse to tick them again; the nurse can still untick them."""
    patient = session.patient
    if patient.is_rems_enrolled:
        form.initial["rems_enrolled"] = True
        enrolled = f" on {patient.rems_enrolled_on:%d %b %Y}" if patient.rems_enrolled_on else ""
        form.fields["rems_enrolled"].help_text = f"Confirmed: enrolled in the SPRAVATO REMS{enrolled} (patient record)."
    if ride is not None and ride.status == "confirmed":
        form.fields["ride_name"].help_text = "Confirmed: this ride was confirmed for today."


def _forms(session: TreatmentSession, request: HttpRequest, bound: dict) -> dict:
    def url(name: str) -> str:
        return reverse(name, args=[session.pk])

    ride = getattr(session, "ride", None)
    checkin = getattr(session, "checkin", None)
    dosing = session.status == SessionStatus.DOSING
    device, infusion = dosing and session.is_esketamine, dosing and not session.is_esketamine
    forms = {
        "checkin": CheckInForm(
            instance=checkin,
            initial=None if checkin else CheckInForm.initial_for(session.patient, ride),
            action=url("session_check_in"),
            submit_label="Update checklist" if checkin else "Check in",
            occupied=monitoring.checkin_chair_choices(session)
            if session.status == SessionStatus.SCHEDULED
            else ("", []),
        ),
        "vitals": VitalsForm(action=url("session_vitals")),
        "decision": DecisionForm(action=url("session_decision")),
        "defer": DeferForm(action=url("session_defer")),
        # A lot is preselected (one query) only where the form is shown: while dosing, for the drug given.
        "device": DeviceForm(
            action=url("session_device"), patient=session.patient, initial=None if device else dict(NO_LOT)
        ),
        "infusion_start": InfusionStartForm(
            action=url("session_infusion_start"),
            initial={
                "weight_kg": session.patient.weight_kg,
                "mg_per_kg": session.phase.default_dose_mg_per_kg,
                **({} if infusion else NO_LOT),
            },
        ),
        "infusion_end": InfusionEndForm(action=url("session_infusion_end")),
        "moaas": MoaasForm(action=url("session_moaas")),
        "round": CheckRoundForm(action=url("session_check_round")),
        "cadss": CadssForm(action=url("session_cadss")),
        "cadss_full": CadssForm(action=url("session_cadss") + "?full=1", full=True),
        "adverse": AdverseEventForm(action=url("session_adverse_event")),
        "discharge": DischargeForm(action=url("session_discharge")),
        "amendment": AmendmentForm(action=url("session_amend"), session=session),
        "dose": DoseChangeForm(action=url("session_dose_change"), session=session),
        "missed": MissedCheckForm(action=url("session_missed_check")),
    }
    if checkin is None:
        _known_items_confirmed(forms["checkin"], session, ride)
    if session.status == SessionStatus.CHECKED_IN:
        # One tap for the usual case: the pre-dose BP saved and dosing started when nothing blocks it.
        start = Submit("and_start", "Record and start dosing")
        start.field_classes = "btn btn-success btn-lg ms-sm-2 mt-2 mt-sm-0"
        forms["vitals"].helper.add_input(start)
    if session.status == SessionStatus.DOSING and "device" not in bound:
        # The lot is remembered between devices of the session.
        given = sorted(session.administrations.all(), key=lambda a: (a.given_at, a.number))  # prefetched
        if given:
            forms["device"].initial["lot"] = given[-1].lot_id
    forms.update(bound)
    return forms


def _detail(request: HttpRequest, session: TreatmentSession, bound: dict | None = None, status: int = 200):
    cs = ClinicSettings.load()
    state = live_state(session, cs)
    reading = monitoring.latest_predose(session)
    context = {
        **state,
        "open_alerts": state["open_alerts"] + (patient_level_alerts(session) if _has_patient_alerts(session) else []),
        # After a refused entry the page is shown from the POST URL: the address bar goes back to the
        # session page (static/js/app.js), so a reload never re-posts or lands on a 405.
        "canonical_url": session.get_absolute_url() if status != 200 else "",
        "cs": cs,
        "forms": _forms(session, request, bound or {}),
        "predose": reading,
        "predose_high": monitoring.predose_above_threshold(reading, cs),
        "decision": monitoring.decision_for(session, reading),
        "dosing_blockers": monitoring.dosing_blockers(session, cs)
        if session.status == SessionStatus.CHECKED_IN
        else [],
        "max_devices": monitoring.max_devices(session) if session.is_esketamine else None,
        "device_mg": ESKETAMINE_DEVICE_MG,
        "planned_dose": titration.planned_text(session),
        "dose_changeable": titration.dose_changeable(session),
        "checkin_blocker": monitoring.checkin_time_blocker(session)
        if session.status == SessionStatus.SCHEDULED
        else "",
        "can_change_dose": titration.can_change_dose(request.user),
        "can_excuse_checks": missed.can_excuse_checks(request.user),
        "unrecorded": timeline.unrecorded_checks(state["checks"], state["now"])
        if session.status in (SessionStatus.DOSING, SessionStatus.OBSERVING)
        else [],
        "ack_form": AcknowledgeForm(),
        "scores": OutcomeScore.objects.filter(session=session).order_by("completed_at")
        if getattr(session, "has_scores", True)
        else [],
        "rems_status": rems_services.form_status(session, cs)
        if session.is_esketamine and session.status == SessionStatus.DISCHARGED
        else None,
    }
    return render(request, "sessions/monitoring/session_detail.html", context, status=status)


def _has_patient_alerts(session: TreatmentSession) -> bool:
    return getattr(session, "has_patient_alerts", True)  # known when loaded by record_session


@clinical_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, record_session(request, pk))


@clinical_required
def session_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the session page that refreshes itself (htmx polling)."""
    session = record_session(request, pk)
    cs = ClinicSettings.load()
    context = {**live_state(session, cs), "cs": cs, "ack_form": AcknowledgeForm()}
    if _has_patient_alerts(session):
        context["open_alerts"] = context["open_alerts"] + patient_level_alerts(session)
    return render(request, "sessions/monitoring/_live.html", context)


def _board_context() -> dict:
    from sessions.monitoring.board import board_context

    return {**board_context(), "ack_form": AcknowledgeForm()}


@clinical_required
def monitor_board(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions/monitoring/board.html", _board_context())


@clinical_required
def monitor_board_live(request: HttpRequest) -> HttpResponse:
    context = {**_board_context(), "on_home": request.GET.get("home") == "1"}
    return render(request, "sessions/monitoring/_board_live.html", context)
