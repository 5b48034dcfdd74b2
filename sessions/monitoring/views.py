"""The nurse's live session screen, the monitoring board, alerts, REMS forms, lots and outcomes.

Each POST validates a form, calls one service and redirects; on a refusal the page is shown
again with the message beside the field (status 400), nothing saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic.access import clinical_required, note_patient_access, patient_for, patient_required, portal_patient
from clinic.models import ClinicSettings
from sessions.models import (
    IN_CLINIC_STATUSES,
    Administration,
    AdministrationKind,
    Alert,
    Assessment,
    DeviceReceipt,
    DrugLot,
    Instrument,
    InvalidTransition,
    OutcomeScore,
    RemsStatusFilter,
    Scale,
    SessionStatus,
    Source,
    TreatmentSession,
    VitalsReading,
)
from sessions.monitoring import alerts as alert_services
from sessions.monitoring import discharge as discharge_services
from sessions.monitoring import lots as lot_services
from sessions.monitoring import rems as rems_services
from sessions.monitoring import services as monitoring
from sessions.monitoring import timeline
from sessions.monitoring.forms import (
    INSTRUMENT_TITLES,
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
    LotForm,
    MoaasForm,
    OutcomeForm,
    ReceiptForm,
    RemsSubmitForm,
    VitalsForm,
    at_time,
)
from sessions.outcomes import services as outcome_services

# ---- lookups --------------------------------------------------------------------------------


def live_sessions():
    """Sessions with everything the live screen and the board read, in a fixed number of queries."""
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
    ).prefetch_related(
        Prefetch("vitals", queryset=VitalsReading.objects.select_related("by")),
        Prefetch("assessments", queryset=Assessment.objects.select_related("by")),
        Prefetch("administrations", queryset=Administration.objects.select_related("lot", "by", "receipt")),
        Prefetch("alerts", queryset=Alert.objects.select_related("acknowledged_by")),
        "decisions__by",
        "adverse_events__by",
        "amendments__by",
    )


def _session(request: HttpRequest, pk: int) -> TreatmentSession:
    session = get_object_or_404(live_sessions(), pk=pk)
    note_patient_access(request, session.patient_id)
    return session


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    ):
        return target
    return default


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errs in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error.messages)


# ---- the live state of one session ----------------------------------------------------------


def live_state(session: TreatmentSession, cs: ClinicSettings, now=None) -> dict:
    now = now or timezone.now()
    checks = timeline.due_checks(session, cs, now)
    earliest = timeline.earliest_discharge_at(session, cs)
    vitals = sorted(session.vitals.all(), key=lambda r: (r.taken_at, r.pk))
    assessments = sorted(session.assessments.all(), key=lambda a: (a.taken_at, a.pk))
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
        "infusion": next((a for a in adms if a.kind == AdministrationKind.INFUSION), None),
    }


def _forms(session: TreatmentSession, request: HttpRequest, bound: dict) -> dict:
    def url(name: str) -> str:
        return reverse(name, args=[session.pk])

    ride = getattr(session, "ride", None)
    checkin = getattr(session, "checkin", None)
    forms = {
        "checkin": CheckInForm(
            instance=checkin,
            initial=None if checkin else CheckInForm.initial_for(session.patient, ride),
            action=url("session_check_in"),
            submit_label="Update checklist" if checkin else "Check in",
        ),
        "vitals": VitalsForm(action=url("session_vitals")),
        "decision": DecisionForm(action=url("session_decision")),
        "defer": DeferForm(action=url("session_defer")),
        "device": DeviceForm(action=url("session_device"), patient=session.patient),
        "infusion_start": InfusionStartForm(
            action=url("session_infusion_start"),
            initial={"weight_kg": session.patient.weight_kg, "mg_per_kg": session.phase.default_dose_mg_per_kg},
        ),
        "infusion_end": InfusionEndForm(action=url("session_infusion_end")),
        "moaas": MoaasForm(action=url("session_moaas")),
        "cadss": CadssForm(action=url("session_cadss")),
        "cadss_full": CadssForm(action=url("session_cadss") + "?full=1", full=True),
        "adverse": AdverseEventForm(action=url("session_adverse_event")),
        "discharge": DischargeForm(action=url("session_discharge")),
        "amendment": AmendmentForm(action=url("session_amend")),
    }
    forms.update(bound)
    return forms


def _detail(request: HttpRequest, session: TreatmentSession, bound: dict | None = None, status: int = 200):
    cs = ClinicSettings.load()
    state = live_state(session, cs)
    reading = monitoring.latest_predose(session)
    context = {
        **state,
        "cs": cs,
        "forms": _forms(session, request, bound or {}),
        "predose": reading,
        "predose_high": monitoring.predose_above_threshold(reading, cs),
        "decision": monitoring.decision_for(session, reading),
        "dosing_blockers": monitoring.dosing_blockers(session, cs)
        if session.status == SessionStatus.CHECKED_IN
        else [],
        "max_devices": monitoring.max_devices(session) if session.is_esketamine else None,
        "ack_form": AcknowledgeForm(),
        "scores": OutcomeScore.objects.filter(session=session).order_by("completed_at"),
        "rems_status": rems_services.form_status(session, cs)
        if session.is_esketamine and session.status == SessionStatus.DISCHARGED
        else None,
    }
    return render(request, "sessions/monitoring/session_detail.html", context, status=status)


@clinical_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _session(request, pk))


@clinical_required
def session_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the session page that refreshes itself (htmx polling)."""
    session = _session(request, pk)
    cs = ClinicSettings.load()
    context = {**live_state(session, cs), "cs": cs, "ack_form": AcknowledgeForm()}
    return render(request, "sessions/monitoring/_live.html", context)


def _action(
    request: HttpRequest,
    pk: int,
    key: str,
    form: object,
    call: Callable[[TreatmentSession, dict], object],
    done: str,
) -> HttpResponse:
    session = _session(request, pk)
    if form.is_valid():
        try:
            call(session, form.cleaned_data)
        except InvalidTransition as e:
            messages.error(request, str(e))
            return redirect(session)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, done)
            return redirect(session)
    messages.error(request, "Not saved — see the message beside the form.")
    return _detail(request, session, {key: form}, status=400)


@clinical_required
@require_POST
def session_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s, d):
        monitoring.session_check_in(session=s, by=request.user, checklist=d)

    return _action(request, pk, "checkin", CheckInForm(request.POST), call, "Checked in.")


@clinical_required
@require_POST
def session_vitals(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s, d):
        monitoring.vitals_record(
            session=s,
            by=request.user,
            systolic=d["systolic"],
            diastolic=d["diastolic"],
            heart_rate=d["heart_rate"],
            spo2=d["spo2"],
            taken_at=at_time(d["taken_at"]),
        )

    return _action(request, pk, "vitals", VitalsForm(request.POST), call, "Vitals recorded.")


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
    session = _session(request, pk)
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
    session = _session(request, pk)
    form = DeviceForm(request.POST, patient=session.patient)

    def call(s, d):
        adm = monitoring.administer_device(
            session=s, by=request.user, lot=d["lot"], receipt=d["receipt"], given_at=at_time(d["given_at"])
        )
        if adm.warning:
            messages.warning(request, adm.warning)

    return _action(request, pk, "device", form, call, "Device recorded.")


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
    session = _session(request, pk)
    try:
        monitoring.session_start_observing(session=session, by=request.user)
    except (ValidationError, InvalidTransition) as e:
        for msg in getattr(e, "messages", [str(e)]):
            messages.error(request, msg)
    else:
        messages.success(request, "Dosing complete: observing.")
    return redirect(session)


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
    session = _session(request, pk)
    try:
        monitoring.ride_arrived(session=session, by=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, "Ride home is here.")
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
    def call(s, d):
        monitoring.amendment_add(session=s, by=request.user, **d)

    return _action(request, pk, "amendment", AmendmentForm(request.POST), call, "Amendment added.")


@clinical_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.select_related("session"), pk=pk)
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


# ---- the board ------------------------------------------------------------------------------


def _board_context() -> dict:
    cs = ClinicSettings.load()
    now = timezone.now()
    today = timezone.localdate(timezone=cs.tz)
    sessions = list(
        live_sessions().on_day(today, cs.tz).filter(status__in=IN_CLINIC_STATUSES).order_by("planned_start")
    )
    rows = [live_state(s, cs, now) for s in sessions]
    # Alerts first, then overdue checks, then the rest by time.
    rows.sort(key=lambda r: (not r["open_alerts"], not r["overdue"], r["s"].planned_start))
    other_alerts = list(
        Alert.objects.open()
        .exclude(session__in=[s.pk for s in sessions])
        .select_related("patient", "session")
        .order_by("-raised_at")[:50]
    )
    return {"rows": rows, "other_alerts": other_alerts, "now": now, "cs": cs, "ack_form": AcknowledgeForm()}


@clinical_required
def monitor_board(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions/monitoring/board.html", _board_context())


@clinical_required
def monitor_board_live(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions/monitoring/_board_live.html", _board_context())


# ---- REMS -----------------------------------------------------------------------------------


@clinical_required
def rems_list(request: HttpRequest) -> HttpResponse:
    cs = ClinicSettings.load()
    wanted = request.GET.get("status") or ""
    rows = []
    counts = dict.fromkeys(RemsStatusFilter.values, 0)
    for s in rems_services.rems_sessions(cs):
        status = rems_services.form_status(s, cs)
        counts[status] += 1
        if not wanted or wanted == status:
            rows.append({"s": s, "status": status, "due": rems_services.due_date(s, cs)})
    context = {"rows": rows[:200], "counts": counts, "wanted": wanted, "statuses": RemsStatusFilter.choices}
    return render(request, "sessions/monitoring/rems_list.html", context)


@clinical_required
def rems_form(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    if not session.is_esketamine:
        raise Http404("REMS forms are for esketamine sessions.")
    cs = ClinicSettings.load()
    context = {
        "s": session,
        "form_data": rems_services.rems_form(session, cs),
        "status": rems_services.form_status(session, cs) if session.status == SessionStatus.DISCHARGED else None,
        "due": rems_services.due_date(session, cs),
        "submit_form": RemsSubmitForm(action=reverse("rems_submit", args=[session.pk])),
    }
    return render(request, "sessions/monitoring/rems_form.html", context)


@clinical_required
@require_POST
def rems_submit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = RemsSubmitForm(request.POST)
    if form.is_valid():
        try:
            rems_services.rems_submit(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, "REMS form marked as submitted.")
            return redirect("rems_form", pk=session.pk)
    messages.error(request, "Not saved: " + " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("rems_form", pk=session.pk)


# ---- lots and device receipts ---------------------------------------------------------------


def _lots_page(request: HttpRequest, lot_form=None, receipt_form=None, status: int = 200) -> HttpResponse:
    receipts = lot_services.receipts_with_use(
        DeviceReceipt.objects.select_related("patient", "lot").prefetch_related("administrations")
    )
    context = {
        "lots": DrugLot.objects.select_related("received_by").order_by("-received_on"),
        "receipts": [r for r in receipts if r.state != "used"],
        "alerts": [r for r in receipts if r.state in ("expired", "soon")],
        "lot_form": lot_form or LotForm(action=reverse("lot_create")),
        "receipt_form": receipt_form or ReceiptForm(action=reverse("receipt_create")),
        "today": timezone.localdate(),
    }
    return render(request, "sessions/monitoring/lot_list.html", context, status=status)


@clinical_required
def lot_list(request: HttpRequest) -> HttpResponse:
    return _lots_page(request)


@clinical_required
@require_POST
def lot_create(request: HttpRequest) -> HttpResponse:
    form = LotForm(request.POST, action=reverse("lot_create"))
    if form.is_valid():
        try:
            lot_services.lot_receive(by=request.user, **form.cleaned_data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, "Lot received.")
            return redirect("lot_list")
    return _lots_page(request, lot_form=form, status=400)


@clinical_required
@require_POST
def receipt_create(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.POST, action=reverse("receipt_create"))
    if form.is_valid():
        try:
            lot_services.receipt_record(by=request.user, **form.cleaned_data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, "Device receipt recorded.")
            return redirect("lot_list")
    return _lots_page(request, receipt_form=form, status=400)


@clinical_required
def lot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(DrugLot.objects.select_related("received_by"), pk=pk)
    return render(request, "sessions/monitoring/lot_detail.html", {"lot": lot, "log": lot_services.lot_log(lot)})


# ---- outcomes -------------------------------------------------------------------------------


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
        "sessions/monitoring/questionnaire.html",
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


@patient_required
def portal_questionnaires(request: HttpRequest) -> HttpResponse:
    patient = portal_patient(request)
    scores = list(patient.outcome_scores.order_by("-completed_at")[:20])
    today = timezone.localdate()
    done_today = {s.instrument for s in scores if timezone.localdate(s.completed_at) == today}
    context = {
        "patient": patient,
        "scores": scores,
        "instruments": [(v, INSTRUMENT_TITLES[v], v in done_today) for v in Instrument.values],
        "next_session": _next_session(patient),
    }
    return render(request, "sessions/monitoring/portal_questionnaires.html", context)


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
        return redirect("portal_questionnaires")
    return render(
        request,
        "sessions/monitoring/questionnaire.html",
        {
            "form": form,
            "title": INSTRUMENT_TITLES[instrument],
            "back": reverse("portal_questionnaires"),
            "instrument": instrument,
            "portal": True,
        },
    )
