"""What payers paid: a remittance (an imported X12 835 file, or an entry by hand) and, per claim
line, the allowed amount, the payment, the patient's responsibility and the adjustments with their
group and reason codes (CO-45, PR-1/2/3, …). Rules in ``sessions/billing/remittance.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from sessions.models.billing import Payer, currency_field, money_field
from sessions.models.claims import Claim, ClaimLine


class RemittanceSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    X12_835 = "835", "X12 835 file"


class RemittanceStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    FAILED = "failed", "Refused (kept for review)"


class Remittance(models.Model):
    source = models.CharField(max_length=8, choices=RemittanceSource.choices)
    status = models.CharField(max_length=8, choices=RemittanceStatus.choices, default=RemittanceStatus.POSTED)
    payer = models.ForeignKey(Payer, null=True, blank=True, on_delete=models.PROTECT, related_name="remittances")
    filename = models.CharField(max_length=200, blank=True)
    content = models.TextField(blank=True, help_text="The 835 file as received.")
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    check_number = models.CharField("check / EFT trace number", max_length=50, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    total_paid = money_field(default=0)
    error = models.TextField(blank=True)
    unmatched = models.JSONField(default=list, blank=True, help_text="Payments that match no claim line.")
    unmatched_resolved_note = models.CharField(max_length=300, blank=True)
    currency = currency_field()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return (
            f"Remittance {self.pk} ({self.get_source_display()}{', ' + self.check_number if self.check_number else ''})"
        )


class LinePayment(models.Model):
    remittance = models.ForeignKey(Remittance, on_delete=models.PROTECT, related_name="line_payments")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="line_payments")
    claim_line = models.ForeignKey(ClaimLine, on_delete=models.PROTECT, related_name="payments")
    allowed = money_field(default=0)
    paid = money_field(default=0)
    deductible = money_field(default=0)
    coinsurance = money_field(default=0)
    copay = money_field(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim_line__claim", "claim_line__position", "pk"]

    def __str__(self) -> str:
        return f"{self.claim_line}: paid {self.paid}"


class LineAdjustment(models.Model):
    payment = models.ForeignKey(LinePayment, on_delete=models.PROTECT, related_name="adjustments")
    group = models.CharField(
        max_length=2, help_text="CO contractual, PR patient, OA other, PI payer-initiated, CR correction."
    )
    reason = models.CharField(max_length=5, help_text="CARC, e.g. 45, 1, 2, 3, 50.")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["payment", "pk"]

    def __str__(self) -> str:
        return f"{self.group}-{self.reason} {self.amount}"
