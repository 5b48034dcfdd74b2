"""The nurse's live session screen, the monitoring board, alerts, REMS forms, lots and outcomes.

Each POST validates a form, calls one service and redirects; on a refusal the page is shown
again with the message beside the field (status 400), nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable

from crispy_forms.layout import Submit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from clinic.access import clinical_required, patient_row_or_404
from clinic.compiled import compiled_rows
from clinic.models import ClinicSettings
from sessions.models import (
    ESKETAMINE_DEVICE_MG,
    OutcomeScore,
    SessionStatus,
    TreatmentSession,
)
from sessions.monitoring import board, missed, timeline, titration
from sessions.monitoring import rems as rems_services
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
)
from sessions.monitoring.forms_round import CheckRoundForm
from sessions.monitoring.forms_titration import DoseChangeForm
from sessions.monitoring.selectors import (
    live_rows_with_related,
    live_sessions,
    live_state,
    patient_level_alerts,
    take_related,
)

# ---- lookups --------------------------------------------------------------------------------


def record_session(request: HttpRequest, pk: int) -> TreatmentSession:
    """The session page's selector (the page and its live partial): the session with every row it
    shows, in one query. The read is logged."""
    session = patient_row_or_404(request, compiled_rows("record_session", _record_row, pk=pk))
    take_related([session])
    return session


def _record_row(*, pk: int):
    return live_rows_with_related().filter(pk=pk)


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


class PageForms(dict):
    """The session page's forms, each built the first time the page asks for it: most are shown at one step of
    the session only, and building all nineteen cost more than rendering the few shown."""

    def __init__(self, factories: dict[str, Callable[[], object]], bound: dict):
        super().__init__(bound)
        self.factories = factories

    def __missing__(self, name: str):
        if name not in self.factories:
            raise KeyError(name)
        form = self[name] = self.factories[name]()
        return form


def _forms(session: TreatmentSession, request: HttpRequest, bound: dict) -> PageForms:
    def url(name: str) -> str:
        return reverse(name, args=[session.pk])

    ride = getattr(session, "ride", None)
    checkin = getattr(session, "checkin", None)
    dosing = session.status == SessionStatus.DOSING
    device, infusion = dosing and session.is_esketamine, dosing and not session.is_esketamine

    def checkin_form():
        form = CheckInForm(
            instance=checkin,
            initial=None if checkin else CheckInForm.initial_for(session.patient, ride),
            action=url("session_check_in"),
            submit_label="Update checklist" if checkin else "Check in",
            occupied=monitoring.checkin_chair_choices(session)
            if session.status == SessionStatus.SCHEDULED
            else ("", []),
        )
        if checkin is None:
            _known_items_confirmed(form, session, ride)
        return form

    def vitals_form():
        form = VitalsForm(action=url("session_vitals"))
        if session.status == SessionStatus.CHECKED_IN:
            # One tap for the usual case: the pre-dose BP saved and dosing started when nothing blocks it.
            start = Submit("and_start", "Record and start dosing")
            start.field_classes = "btn btn-success btn-lg ms-sm-2 mt-2 mt-sm-0"
            form.helper.add_input(start)
        return form

    def device_form():
        # A lot is preselected (one query) only where the form is shown: while dosing, for the drug given.
        form = DeviceForm(
            action=url("session_device"), patient=session.patient, initial=None if device else dict(NO_LOT)
        )
        if dosing:
            # The lot is remembered between devices of the session.
            given = sorted(session.administrations.all(), key=lambda a: (a.given_at, a.number))  # prefetched
            if given:
                form.initial["lot"] = given[-1].lot_id
        return form

    factories = {
        "checkin": checkin_form,
        "vitals": vitals_form,
        "decision": lambda: DecisionForm(action=url("session_decision")),
        "defer": lambda: DeferForm(action=url("session_defer")),
        "device": device_form,
        "infusion_start": lambda: InfusionStartForm(
            action=url("session_infusion_start"),
            initial={
                "weight_kg": session.patient.weight_kg,
                "mg_per_kg": session.phase.default_dose_mg_per_kg,
                **({} if infusion else NO_LOT),
            },
        ),
        "infusion_end": lambda: InfusionEndForm(action=url("session_infusion_end")),
        "moaas": lambda: MoaasForm(action=url("session_moaas")),
        "round": lambda: CheckRoundForm(action=url("session_check_round")),
        "cadss": lambda: CadssForm(action=url("session_cadss")),
        "cadss_full": lambda: CadssForm(action=url("session_cadss") + "?full=1", full=True),
        "adverse": lambda: AdverseEventForm(action=url("session_adverse_event")),
        "discharge": lambda: DischargeForm(action=url("session_discharge")),
        "amendment": lambda: AmendmentForm(action=url("session_amend"), session=session),
        "dose": lambda: DoseChangeForm(action=url("session_dose_change"), session=session),
        "missed": lambda: MissedCheckForm(action=url("session_missed_check")),
    }
    return PageForms(factories, bound)


def _detail(request: HttpRequest, session: TreatmentSession, bound: dict | None = None, status: int = 200):
    cs = ClinicSettings.load()
    state = live_state(session, cs)
    reading = monitoring.latest_predose(session)
    context = {
        **state,
        "bps": board.bp_readings(session, state["checks"], cs),
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
    state = live_state(session, cs)
    context = {**state, "bps": board.bp_readings(session, state["checks"], cs), "cs": cs, "ack_form": AcknowledgeForm()}
    if _has_patient_alerts(session):
        context["open_alerts"] = context["open_alerts"] + patient_level_alerts(session)
    return render(request, "sessions/monitoring/_live.html", context)


def _board_context() -> dict:
    return {**board.board_context(), "ack_form": AcknowledgeForm()}


@clinical_required
def monitor_board(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions/monitoring/board.html", _board_context())


@clinical_required
def monitor_board_live(request: HttpRequest) -> HttpResponse:
    context = {**_board_context(), "on_home": request.GET.get("home") == "1"}
    return render(request, "sessions/monitoring/_board_live.html", context)
