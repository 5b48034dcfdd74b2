"""One POST per step of the live session: each validates its form, calls one service and returns to the
session page (the form with its message beside the field when the service refuses)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic import idempotency
from clinic.access import clinical_required, patient_row_or_404
from clinic.forms import apply_service_errors
from clinic.models import ClinicSettings
from sessions.models import (
    Alert,
    InvalidTransition,
    Scale,
    SessionStatus,
    TreatmentSession,
)
from sessions.monitoring import alerts as alert_services
from sessions.monitoring import discharge as discharge_services
from sessions.monitoring import missed
from sessions.monitoring import services as monitoring
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
    at_time,
)
from sessions.monitoring.forms_round import CheckRoundForm
from sessions.monitoring.rounds import check_round_record
from sessions.monitoring.selectors import live_sessions, live_state
from sessions.monitoring.views import _detail, _safe_next, _session, record_session


def _target(request: HttpRequest, pk: int) -> TreatmentSession:
    """The session a step writes to, in one query (the service reads it again, locked; the page's rows are
    loaded only to show a refusal)."""
    return patient_row_or_404(request, TreatmentSession.objects.select_related("patient", "phase", "course"), pk=pk)


def _action(
    request: HttpRequest,
    pk: int,
    key: str,
    form: object,
    call: Callable[[TreatmentSession, dict], object],
    done: str,
    *,
    session: TreatmentSession | None = None,
) -> HttpResponse:
    session = session or _target(request, pk)
    if callable(form):  # a form that depends on the session
        form = form(session)
    if form.is_valid():
        try:
            call(session, form.cleaned_data)
        except InvalidTransition as e:
            messages.error(request, str(e))
            return redirect(session)
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            messages.success(request, done)
            return _back_to_place(session, key, started="and_start" in request.POST)
    messages.error(request, "Not saved — see the message beside the form.")
    return _detail(request, record_session(request, pk), {key: form}, status=400)


# Where the nurse is after a save: the page comes back at the card of the next entry, not at the top.
PLACES = {
    "checkin": "predose-card",
    "vitals": "vitals-card",
    "device": "dosing-card",
    "infusion_start": "dosing-card",
    "infusion_end": "vitals-card",
    "moaas": "moaas-card",
    "round": "round-card",
    "cadss": "cadss-card",
    "cadss_full": "cadss-card",
    "decision": "start-dosing-card",
}


def _checks_left(session: TreatmentSession) -> bool:
    cs = ClinicSettings.load()
    state = live_state(live_sessions().get(pk=session.pk), cs)
    return any(c.done_at is None and "discharge" not in c.label for c in state["checks"])


def _back_to_place(session: TreatmentSession, key: str, *, started: bool = False) -> HttpResponseRedirect:
    place = PLACES.get(key)
    if key == "round" and session.status == "observing" and not _checks_left(session):
        place = "ride-card"  # every scheduled check is in: next come the ride and the discharge
    if key == "vitals":  # the pre-dose card, or the dosing card once *Record and start dosing* started it
        if session.status == "checked_in":
            place = "predose-card"
        elif started and session.status == "dosing":
            place = "dosing-card"
    return HttpResponseRedirect(session.get_absolute_url() + (f"#{place}" if place else ""))


@clinical_required
@require_POST
def session_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s, d):
        monitoring.session_check_in(session=s, by=request.user, checklist=d, chair=d.get("chair"))

    def form(s):
        occupied = monitoring.checkin_chair_choices(s) if s.status == SessionStatus.SCHEDULED else ("", [])
        return CheckInForm(request.POST, occupied=occupied)

    return _action(request, pk, "checkin", form, call, "Checked in.")


@clinical_required
@require_POST
def session_vitals(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s, d):
        def record() -> str:
            monitoring.vitals_record(
                session=s,
                by=request.user,
                systolic=d["systolic"],
                diastolic=d["diastolic"],
                heart_rate=d["heart_rate"],
                spo2=d["spo2"],
                taken_at=at_time(d["taken_at"]),
            )
            if "and_start" in request.POST and s.status == "checked_in":
                _start_after_predose(request, s)
            return s.get_absolute_url()

        idempotency.once(key=d.get("idempotency_key"), user=request.user, run=record)

    return _action(request, pk, "vitals", VitalsForm(request.POST), call, "Vitals recorded.")


def _start_after_predose(request: HttpRequest, session: TreatmentSession) -> None:
    """*Record and start dosing*: the pre-dose BP is saved; dosing starts only when nothing blocks it
    (a BP above the limit still needs the prescriber's decision), and the nurse is told why not.
    ``session`` takes the status the service leaves (the redirect goes to the card of that status)."""
    try:
        started = monitoring.session_start_dosing(session=session, by=request.user)
    except (ValidationError, InvalidTransition) as e:
        messages.warning(request, "Vitals recorded; dosing not started: " + " ".join(getattr(e, "messages", [str(e)])))
    else:
        session.status = started.status
        messages.info(request, "Dosing started.")


@clinical_required
@require_POST
def session_decision(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_prescriber:
        messages.error(request, "Only a prescriber can record the dosing decision.")
        return redirect("session_detail", pk=pk)

    def call(s, d):
        monitoring.dosing_decision_record(session=s, by=request.user, decision=d["decision"], reason=d["reason"])

    return _action(request, pk, "decision", DecisionForm(request.POST), call, "Decision recorded.")


@clinical_required
@require_POST
def session_defer(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s, d):
        monitoring.session_defer(session=s, by=request.user, reason=d["reason"])

    return _action(request, pk, "defer", DeferForm(request.POST), call, "Session deferred: no dose today.")


@clinical_required
@require_POST
def session_start_dosing(request: HttpRequest, pk: int) -> HttpResponse:
    session = _target(request, pk)
    try:
        monitoring.session_start_dosing(session=session, by=request.user)
    except (ValidationError, InvalidTransition) as e:
        for msg in getattr(e, "messages", [str(e)]):
            messages.error(request, msg)
    else:
        messages.success(request, "Dosing started.")
    return redirect(session)


@clinical_required
@require_POST
def session_device(request: HttpRequest, pk: int) -> HttpResponse:
    session = _target(request, pk)
    form = DeviceForm(request.POST, patient=session.patient)

    def call(s, d):
        adm = monitoring.administer_device(
            session=s, by=request.user, lot=d["lot"], receipt=d["receipt"], given_at=at_time(d["given_at"])
        )
        if adm.warning:
            messages.warning(request, adm.warning)

    return _action(request, pk, "device", form, call, "Device recorded.", session=session)


@clinical_required
@require_POST
def session_infusion_start(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s, d):
        adm = monitoring.infusion_start(
            session=s,
            by=request.user,
            lot=d["lot"],
            weight_kg=d["weight_kg"],
            mg_per_kg=d["mg_per_kg"],
            started_at=at_time(d["started_at"]),
        )
        if adm.warning:
            messages.warning(request, adm.warning)

    return _action(request, pk, "infusion_start", InfusionStartForm(request.POST), call, "Infusion started.")


@clinical_required
@require_POST
def session_infusion_end(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s, d):
        monitoring.infusion_end(session=s, by=request.user, ended_at=at_time(d["ended_at"]))

    return _action(request, pk, "infusion_end", InfusionEndForm(request.POST), call, "Infusion ended.")


@clinical_required
@require_POST
def session_observe(request: HttpRequest, pk: int) -> HttpResponse:
    session = _target(request, pk)
    try:
        monitoring.session_start_observing(session=session, by=request.user)
    except (ValidationError, InvalidTransition) as e:
        for msg in getattr(e, "messages", [str(e)]):
            messages.error(request, msg)
    else:
        messages.success(request, "Dosing complete: observing.")
        return _back_to_place(session, "round")
    return redirect(session)


@clinical_required
@require_POST
def session_check_round(request: HttpRequest, pk: int) -> HttpResponse:
    form = CheckRoundForm(request.POST)

    def call(s, d):
        check_round_record(
            session=s,
            by=request.user,
            systolic=d["systolic"],
            diastolic=d["diastolic"],
            heart_rate=d["heart_rate"],
            spo2=d["spo2"],
            moaas=d["moaas"],
            cadss_items=form.cadss_items(),
            taken_at=at_time(d["taken_at"]),
        )

    return _action(request, pk, "round", form, call, "Check round recorded (BP, MOAA/S and CADSS).")


@clinical_required
@require_POST
def session_moaas(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s, d):
        monitoring.assessment_record(
            session=s, by=request.user, scale=Scale.MOAAS, score=d["score"], taken_at=at_time(d["taken_at"])
        )

    return _action(request, pk, "moaas", MoaasForm(request.POST), call, "MOAA/S recorded.")


@clinical_required
@require_POST
def session_cadss(request: HttpRequest, pk: int) -> HttpResponse:
    full = request.GET.get("full") == "1"
    form = CadssForm(request.POST, full=full)

    def call(s, d):
        monitoring.assessment_record(
            session=s,
            by=request.user,
            scale=Scale.CADSS if full else Scale.CADSS6,
            items=form.items(),
            taken_at=at_time(d["taken_at"]),
        )

    return _action(request, pk, "cadss_full" if full else "cadss", form, call, "CADSS recorded.")


@clinical_required
@require_POST
def session_adverse_event(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s, d):
        monitoring.adverse_event_record(
            session=s,
            by=request.user,
            description=d["description"],
            severity=d["severity"],
            occurred_at=at_time(d["occurred_at"]),
            action=d["action"],
            serious=d["serious"],
        )

    return _action(request, pk, "adverse", AdverseEventForm(request.POST), call, "Adverse event recorded.")


@clinical_required
@require_POST
def session_ride_arrived(request: HttpRequest, pk: int) -> HttpResponse:
    session = _target(request, pk)
    try:
        monitoring.ride_arrived(session=session, by=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, "Ride home is here.")
        return HttpResponseRedirect(session.get_absolute_url() + "#discharge")
    return redirect(session)


@clinical_required
@require_POST
def session_discharge(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s, d):
        discharge_services.session_discharge(
            session=s,
            by=request.user,
            clinician_ready=d["clinician_ready"],
            ready_without_rule_minutes=d["ready_without_rule_minutes"],
            override_reason=d["override_reason"],
        )

    return _action(request, pk, "discharge", DischargeForm(request.POST), call, "Discharged; the record is signed.")


@clinical_required
@require_POST
def session_amend(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = AmendmentForm(request.POST, session=session)

    def call(s, d):
        monitoring.amendment_add(session=s, by=request.user, **form.service_args())

    return _action(
        request, pk, "amendment", form, call, "Amendment added: every view of the record shows it.", session=session
    )


@clinical_required
@require_POST
def session_missed_check(request: HttpRequest, pk: int) -> HttpResponse:
    """A prescriber's written reason why a scheduled check was not taken."""

    def call(s, d):
        missed.missed_check_record(session=s, by=request.user, key=d["key"], reason=d["reason"])

    return _action(request, pk, "missed", MissedCheckForm(request.POST), call, "Reason recorded: check not taken.")


@clinical_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = patient_row_or_404(request, Alert.objects.select_related("session"), pk=pk)
    default = alert.session.get_absolute_url() if alert.session_id else reverse("monitor_board")
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the action taken to acknowledge the alert.")
    else:
        try:
            alert_services.alert_acknowledge(alert=alert, by=request.user, action=form.cleaned_data["action"])
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, "Alert acknowledged.")
    return HttpResponseRedirect(_safe_next(request, default))
