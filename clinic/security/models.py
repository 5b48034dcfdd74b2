"""Security records of the clinic app: which database sessions belong to which user (so logout and
deactivation can end all of them), and the read log of who opened which patient's record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class UserSession(models.Model):
    """One row per session key a user logged in with (Django's DB session backend holds the data)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "clinic"
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"session of user {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class AccessLog(models.Model):
    """Who looked at which patient's record, and when (reads, not only writes)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    patient = models.ForeignKey("clinic.Patient", null=True, on_delete=models.SET_NULL, related_name="access_logs")
    path = models.CharField(max_length=300)
    method = models.CharField(max_length=8)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        app_label = "clinic"
        ordering = ["-at"]
        indexes = [models.Index(fields=["patient", "-at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.method} {self.path} at {self.at:%Y-%m-%d %H:%M}"


class PasswordResetRequest(models.Model):
    """One password-reset request, kept a day to rate-limit them per address and per client.

    The address is stored hashed (requests name addresses that may belong to no one).
    """

    address_hash = models.CharField(max_length=64)
    client = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        app_label = "clinic"
        indexes = [models.Index(fields=["address_hash", "at"]), models.Index(fields=["client", "at"])]

    def __str__(self) -> str:
        return f"password reset request from {self.client} at {self.at:%Y-%m-%d %H:%M}"


class FormSubmission(models.Model):
    """The first answer to a form carrying an idempotency key (clinic/idempotency.py), kept a day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    result_url = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        app_label = "clinic"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="formsubmission_once_per_user_key")]

    def __str__(self) -> str:
        return f"submission {self.key} of user {self.user_id}"
