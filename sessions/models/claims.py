"""Claims to payers: one per patient, payer and date of service, built from discharged sessions' charges.

A claim's lines are worked out from its charges while it is a draft or ready, and written once when it
is submitted; a submitted claim is never edited (corrections are a replacement, frequency 7, or a void,
frequency 8, of it). Rules in ``sessions/billing/claims.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models import Patient
from sessions.models.billing import (
    Charge,
    Coverage,
    ImmutableError,
    Payer,
    PriorAuthorisation,
    currency_field,
    money_field,
    non_negative,
)


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready to send"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    PAID = "paid", "Paid"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    DENIED = "denied", "Denied"
    CORRECTED = "corrected", "Corrected by another claim"
    VOID = "void", "Void"


OPEN_STATUSES = (ClaimStatus.DRAFT, ClaimStatus.READY)
SENT_STATUSES = (
    ClaimStatus.SUBMITTED,
    ClaimStatus.ACCEPTED,
    ClaimStatus.PAID,
    ClaimStatus.PARTIALLY_PAID,
    ClaimStatus.DENIED,
)


class Frequency(models.TextChoices):
    ORIGINAL = "1", "Original"
    REPLACEMENT = "7", "Replacement of a prior claim"
    VOID = "8", "Void of a prior claim"


class ClaimBatch(models.Model):
    """One exported 837P file, kept as sent."""

    content = models.TextField()
    claim_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"837P batch {self.pk} ({self.claim_count} claims)"

    @property
    def filename(self) -> str:
        return f"837P-{self.pk:05d}.x12"


class Claim(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="claims")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="claims")
    service_date = models.DateField(db_index=True)
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT, db_index=True)
    frequency = models.CharField(max_length=1, choices=Frequency.choices, default=Frequency.ORIGINAL)
    original = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        help_text="The claim corrected.",
    )
    control_number = models.CharField("claim id", max_length=20, unique=True, null=True, blank=True)
    payer_claim_number = models.CharField(
        "payer's claim number", max_length=50, blank=True, help_text="As the payer's remittance gives it."
    )
    # Written once at submission (what was sent):
    coverage = models.ForeignKey(Coverage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    authorisation = models.ForeignKey(
        PriorAuthorisation, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    member_id = models.CharField(max_length=40, blank=True)
    diagnosis_codes = models.CharField(max_length=120, blank=True)
    rendering_npi = models.CharField(max_length=10, blank=True)
    note = models.CharField(max_length=80, blank=True, help_text="CMS-1500 box 19 / 837P NTE.")
    total = money_field(default=0)
    currency = currency_field()
    batch = models.ForeignKey(ClaimBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    transferred_to_patient = money_field(default=0, help_text="Denied amounts the patient now owes.")
    appeal_note = models.TextField(blank=True)
    appealed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-service_date", "-pk"]
        # the claim reports: sent claims (a few statuses) by date of service, without reading the others
        indexes = [
            models.Index(fields=["patient", "payer", "service_date"]),
            models.Index(fields=["status", "service_date"]),
        ]
        constraints = [*non_negative("total", prefix="claim")]

    def __str__(self) -> str:
        number = self.control_number or f"draft {self.pk}"
        return f"Claim {number} ({self.payer}, {self.service_date:%Y-%m-%d})"

    @property
    def is_sent(self) -> bool:
        return self.status in SENT_STATUSES

    @property
    def code_list(self) -> list[str]:
        return [c for c in self.diagnosis_codes.split(",") if c]


class ClaimLine(models.Model):
    """One service line as sent (written at submission, never changed)."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="lines")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="claim_lines")
    position = models.PositiveSmallIntegerField()
    control_number = models.CharField("line control number", max_length=30)
    code = models.CharField(max_length=10)
    modifiers = models.CharField(max_length=11, blank=True)
    units = models.PositiveSmallIntegerField()
    amount = money_field()
    ndc = models.CharField("NDC (11 digits)", max_length=11, blank=True)
    ndc_quantity = models.PositiveSmallIntegerField(null=True, blank=True)
    ndc_unit = models.CharField(max_length=2, blank=True)
    description = models.CharField(max_length=120)
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "position"]
        constraints = [
            *non_negative("amount", prefix="claimline"),
            models.UniqueConstraint(fields=["claim", "position"], name="claim_line_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code}{'-' + self.modifiers if self.modifiers else ''} × {self.units}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("A sent claim line is never edited; send a replacement claim instead.")
        super().save(*args, **kwargs)
