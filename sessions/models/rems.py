"""The REMS Patient Monitoring Form's submission record of each outpatient esketamine session."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from sessions.models.scheduling import TreatmentSession


class RemsStatusFilter(models.TextChoices):
    TO_SUBMIT = "to_submit", "To submit"
    SUBMITTED = "submitted", "Submitted"
    OVERDUE = "overdue", "Overdue"


class RemsSubmission(models.Model):
    """The REMS Patient Monitoring Form of one esketamine session was submitted."""

    session = models.OneToOneField(TreatmentSession, on_delete=models.PROTECT, related_name="rems_submission")
    submitted_on = models.DateField()
    confirmation_number = models.CharField(max_length=60)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"REMS form {self.confirmation_number}"
