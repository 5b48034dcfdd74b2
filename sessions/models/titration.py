"""Dose changes a prescriber sets for the next session or the rest of a phase, with the reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from sessions.models.scheduling import Course, TreatmentSession


class DoseScope(models.TextChoices):
    SESSION = "session", "This session only"
    PHASE = "phase", "This session and the rest of the phase"


class DoseChange(models.Model):
    """A prescriber's change of the planned dose (titration), from one session on."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="dose_changes")
    first_session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=10, choices=DoseScope.choices)
    dose_mg = models.PositiveSmallIntegerField(null=True, blank=True)
    mg_per_kg = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    previous = models.CharField("planned before", max_length=60)
    sessions_changed = models.PositiveSmallIntegerField()
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dose_mg__isnull=False) | models.Q(mg_per_kg__isnull=False),
                name="dose_change_has_a_dose",
            ),
        ]

    def __str__(self) -> str:
        return f"Dose change to {self.dose_text} ({self.by})"

    @property
    def dose_text(self) -> str:
        return f"{self.dose_mg} mg" if self.dose_mg is not None else f"{self.mg_per_kg} mg/kg"
