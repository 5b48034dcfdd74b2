"""What is written after the fact on a session: amendments (a correction of a signed record, the original
left as it was) and the prescriber's reason for a scheduled check that was missed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from sessions.models.monitoring import Assessment, VitalsReading
from sessions.models.scheduling import TreatmentSession


class AmendedField(models.TextChoices):
    """What a structured amendment corrects; the views show the corrected value in its place."""

    BP = "bp", "Blood pressure"
    HEART_RATE = "heart_rate", "Heart rate"
    SPO2 = "spo2", "SpO2"
    SCORE = "score", "Score"
    DOSE = "dose", "Dose given"


class Amendment(models.Model):
    """A correction to a record: the original stays as it was; this says what is right.

    A structured amendment names the reading (``vitals`` or ``assessment``, or neither for the session's
    dose) and the field it corrects, with the corrected value(s) in ``values``; every view shows the
    corrected value through ``sessions.monitoring.amendments``. A free-text amendment (``corrects`` empty)
    is listed on the session page only.
    """

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="amendments")
    vitals = models.ForeignKey(
        VitalsReading, null=True, blank=True, on_delete=models.PROTECT, related_name="amendments"
    )
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="amendments"
    )
    corrects = models.CharField(max_length=12, choices=AmendedField.choices, blank=True)
    values = models.JSONField(default=dict, blank=True, help_text="The corrected value(s) by field name.")
    subject = models.CharField("what is corrected", max_length=120)
    original = models.CharField("as recorded", max_length=300, blank=True)
    corrected = models.CharField("correct value", max_length=300)
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vitals__isnull=True) | models.Q(assessment__isnull=True),
                name="amendment_one_reading",
            ),
        ]

    def __str__(self) -> str:
        return f"Amendment to {self.subject}"


class MissedCheck(models.Model):
    """A prescriber's written reason why a check the protocol scheduled was not taken.

    ``key`` names the check as ``sessions.monitoring.timeline`` plans it (e.g. ``bp@40``, ``moaas@90``).
    """

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="missed_checks")
    key = models.CharField(max_length=40)
    label = models.CharField(max_length=80)
    due_at = models.DateTimeField()
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "key"], name="missed_check_once_per_session")]

    def __str__(self) -> str:
        return f"{self.label} not taken: {self.reason}"
