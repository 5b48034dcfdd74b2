"""What outcomes add to shared pages: the PHQ-9 / GAD-7 summary and chart on the patient page, the
questionnaire prompt in the portal, and the questionnaires in the patient's audit trail."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from clinic.audit import register_patient_history
from clinic.panels import panel_values, register_panel, register_value
from clinic.rows import instances, json_rows
from sessions.models import Instrument, OutcomeScore
from sessions.outcomes.services import summary


@register_value("patient", "outcomes_scores")
def _scores():
    rows = OutcomeScore.objects.filter(patient=OuterRef("pk"))
    return json_rows(rows, pk="pk", instrument="instrument", total="total", band="band", completed_at="completed_at")


@register_panel("patient", order=29, template="sessions/outcomes/_patient_panel.html")
def patient_outcomes_panel(request, patient) -> dict:
    values = panel_values(patient)
    if values is not None and "outcomes_scores" in values:  # loaded by the patient page's selector
        scores = sorted(instances(OutcomeScore, values["outcomes_scores"]), key=lambda s: (s.completed_at, s.pk))
    else:
        scores = list(patient.outcome_scores.order_by("completed_at", "pk"))
    dates = sorted({timezone.localtime(s.completed_at).date() for s in scores})
    by_day: dict = {}
    for sc in scores:
        by_day[(timezone.localtime(sc.completed_at).date(), sc.instrument)] = sc.total
    return {
        "patient": patient,
        "outcome_data": {
            "labels": [d.strftime("%Y-%m-%d") for d in dates],
            "phq9": [by_day.get((d, Instrument.PHQ9)) for d in dates],
            "gad7": [by_day.get((d, Instrument.GAD7)) for d in dates],
        },
        "phq9": summary(scores, Instrument.PHQ9),
        "gad7": summary(scores, Instrument.GAD7),
        "has_scores": bool(scores),
    }


def _done_today(instrument: str) -> Exists:
    today = timezone.localdate()
    return Exists(OutcomeScore.objects.filter(patient=OuterRef("pk"), instrument=instrument, completed_at__date=today))


register_value("portal", "outcomes_phq9_today")(lambda: _done_today(Instrument.PHQ9))
register_value("portal", "outcomes_gad7_today")(lambda: _done_today(Instrument.GAD7))


@register_panel("portal", order=30, template="sessions/outcomes/_portal_panel.html")
def portal_questionnaire_panel(request, patient) -> dict:
    values = panel_values(patient)
    if values is None:
        today = timezone.localdate()
        done = set(patient.outcome_scores.filter(completed_at__date=today).values_list("instrument", flat=True))
    else:  # loaded by the portal's selector (clinic.panels.load_values)
        done = {i for i in (Instrument.PHQ9, Instrument.GAD7) if values[f"outcomes_{i.value}_today"]}
    return {"done_today": done, "all_done": {Instrument.PHQ9, Instrument.GAD7} <= done}


@register_patient_history
def outcomes_history(patient):
    yield "Questionnaire", OutcomeScore.history.filter(patient_id=patient.pk)
