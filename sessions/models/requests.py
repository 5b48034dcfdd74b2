"""A patient's request to cancel or move an appointment: staff see it and act on it through the booking
services (the course's rules still apply)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models import Patient
from sessions.models.scheduling import TreatmentSession


class RequestKind(models.TextChoices):
    CANCEL = "cancel", "Cancel"
    MOVE = "move", "Move"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for the clinic"
    DONE = "done", "Done"
    DECLINED = "declined", "Not possible"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AppointmentRequest(models.Model):
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="requests")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointment_requests")
    kind = models.CharField(max_length=8, choices=RequestKind.choices)
    preferred_start = models.DateTimeField(
        null=True, blank=True, help_text="For a move: the time the patient asks for."
    )
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN, db_index=True)
    response = models.CharField(max_length=300, blank=True, help_text="What the clinic tells the patient.")
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=models.Q(status="open"), name="one_open_request_per_session"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="move") | models.Q(preferred_start__isnull=False),
                name="move_request_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request for session {self.session_id} ({self.get_status_display()})"
