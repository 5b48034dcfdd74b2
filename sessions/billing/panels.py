"""Billing on shared pages: panels with estimates before a session, the charge after it, balances and
prior-authorisation warnings (see clinic.panels); billing rows in the patient's audit trail."""

from __future__ import annotations

from django.db.models import OuterRef
from django.utils import timezone

from clinic.audit import register_patient_history
from clinic.panels import panel_values, register_panel, register_value
from clinic.rows import instances, json_rows
from sessions.billing import coding
from sessions.billing import services as billing
from sessions.billing.authorisations import PlannedVisit, authorisation_status, counted_sessions, statuses_of
from sessions.billing.ledger import balance_expression, balance_in_cents
from sessions.billing.pricing import pick_coverage
from sessions.models import (
    RELEASED_STATUSES,
    Adjustment,
    Charge,
    CourseDiagnoses,
    Coverage,
    Payment,
    PaymentPlan,
    PriorAuthorisation,
    SessionStatus,
    TreatmentSession,
    VisitCoding,
)

T = "sessions/billing/panels/"


def _upcoming(qs, limit: int = 12):
    return list(
        qs.filter(planned_start__gte=timezone.now(), status=SessionStatus.SCHEDULED)
        .select_related("course__protocol", "patient")
        .order_by("planned_start")[:limit]
    )


register_value("patient", "billing_balance")(balance_expression)


@register_value("patient", "billing_coverages")
def _coverages():
    return json_rows(
        Coverage.objects.filter(patient=OuterRef("pk")),
        **{f: f for f in ("pk", "member_id", "copay", "coinsurance_percent", "starts_on", "ends_on")},
        **{f: f for f in ("payer_id", "payer__name", "payer__kind")},
    )


@register_value("patient", "billing_authorisations")
def _authorisations():
    fields = ("pk", "number", "sessions_authorised", "starts_on", "ends_on", "payer_id", "payer__name")
    return json_rows(
        PriorAuthorisation.objects.filter(patient=OuterRef("pk")),
        **{f: f for f in fields},
        **{f: f for f in ("payer__kind", "protocol_id", "protocol__name")},
    )


@register_value("patient", "billing_counted_sessions")
def _counted():
    rows = counted_sessions(TreatmentSession.objects.filter(patient=OuterRef("pk")))
    return json_rows(
        rows, pk="pk", planned_start="planned_start", status="status", course__protocol_id="course__protocol_id"
    )


@register_panel("patient", order=60, template=T + "patient.html")
def patient_panel(request, patient) -> dict:
    today = timezone.localdate()
    values = panel_values(patient)
    if values is not None and "billing_coverages" in values:  # loaded by the patient page's selector
        balance = balance_in_cents(values["billing_balance"])
        coverage = pick_coverage(instances(Coverage, values["billing_coverages"]), today)
        auths = statuses_of(
            instances(PriorAuthorisation, values["billing_authorisations"]),
            instances(TreatmentSession, values["billing_counted_sessions"]),
            today,
        )
    else:
        balance = billing.patient_balance(patient)
        coverage = billing.coverage_in_force(patient=patient, on=today)
        auths = authorisation_status(patient=patient)
    return {
        "patient": patient,
        "balance": balance,
        "currency": billing.clinic_currency(),
        "coverage": coverage,
        "authorisations": auths,
        "is_admin": request.user.is_admin,
    }


@register_value("portal", "billing_balance")
def _portal_balance():
    return balance_expression()


@register_panel("portal", order=60, template=T + "portal.html")
def portal_panel(request, patient) -> dict:
    # The portal's selector loaded the upcoming sessions and the balance (clinic.panels.load_values).
    upcoming = getattr(patient, "portal_upcoming", None)
    if upcoming is None:
        sessions = _upcoming(patient.sessions, 3)
    else:
        now = timezone.now()
        sessions = [s for s in upcoming if s.status == SessionStatus.SCHEDULED and s.planned_start >= now][:3]
    values = panel_values(patient)
    balance = balance_in_cents(values["billing_balance"]) if values else billing.patient_balance(patient)
    estimates = billing.estimates_for_sessions(sessions, patient=patient)
    return {"balance": balance, "currency": billing.clinic_currency(), "estimates": estimates}


@register_panel("course", order=60, template=T + "course.html")
def course_panel(request, course) -> dict:
    sessions = _upcoming(course.sessions)
    return {
        "course": course,
        "estimates": billing.estimates_for_sessions(sessions, patient=course.patient),
        "authorisations": authorisation_status(patient=course.patient, protocol=course.protocol),
        "currency": billing.clinic_currency(),
        "is_clinical": request.user.is_clinical,
        "diagnoses": CourseDiagnoses.objects.filter(course=course).first(),
        "can_set_diagnoses": coding.can_set_diagnoses(request.user),
    }


@register_panel("plan_course", order=60, template=T + "plan_course.html")
def plan_course_panel(request, plan) -> dict | None:
    """``plan``: the patient, or a previewed plan (``.patient``, ``.protocol``, ``.starts``) whose sessions
    are counted against the authorisations for its protocol."""
    if plan is None:
        return None
    patient, protocol = getattr(plan, "patient", plan), getattr(plan, "protocol", None)
    planned = [PlannedVisit(start, protocol.pk) for start in getattr(plan, "starts", ())]
    return {
        "patient": patient,
        "coverage": billing.coverage_in_force(patient=patient, on=timezone.localdate()),
        "authorisations": authorisation_status(patient=patient, protocol=protocol, planned=planned),
    }


@register_panel("course_review", order=60, template=T + "plan_course.html")
def course_review_panel(request, course) -> dict:
    """The review page: the authorisations for the course's protocol, with what is already booked."""
    return {
        "patient": course.patient,
        "coverage": billing.coverage_in_force(patient=course.patient, on=timezone.localdate()),
        "authorisations": authorisation_status(patient=course.patient, protocol=course.protocol),
    }


@register_panel("booking", order=60, template=T + "booking.html")
def booking_panel(request, session) -> dict:
    charge = Charge.objects.filter(session=session).prefetch_related("lines").select_related("payer").first()
    context = {"session": session, "charge": charge, "currency": billing.clinic_currency(), "estimate": None}
    context["coding"] = VisitCoding.objects.filter(session=session).select_related("chosen_by").first()
    context["can_code"] = coding.can_choose_em_code(request.user, session)
    if charge is None and session.status not in (*RELEASED_STATUSES, SessionStatus.DEFERRED):
        context["estimate"] = billing.estimate_for_session(session)
    return context


@register_patient_history
def billing_history(patient):
    yield "Coverage", Coverage.history.filter(patient_id=patient.pk)
    yield "Prior authorisation", PriorAuthorisation.history.filter(patient_id=patient.pk)
    yield "Charge", Charge.history.filter(patient_id=patient.pk)
    yield "Adjustment", Adjustment.history.filter(patient_id=patient.pk)
    yield "Payment", Payment.history.filter(patient_id=patient.pk)
    yield "Payment plan", PaymentPlan.history.filter(patient_id=patient.pk)
    yield "Diagnoses", CourseDiagnoses.history.filter(course__patient_id=patient.pk)
    yield "Visit coding", VisitCoding.history.filter(session__patient_id=patient.pk)
