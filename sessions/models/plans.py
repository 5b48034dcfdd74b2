"""Payment plans: a balance split into monthly instalments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models import Patient
from sessions.models.billing import currency_field, money_field, non_negative


class PaymentPlan(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="payment_plans")
    total = money_field()
    starts_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField("active", default=True)
    currency = currency_field()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = non_negative("total", prefix="plan")

    def __str__(self) -> str:
        return f"Plan of {self.total} {self.currency} from {self.starts_on:%Y-%m-%d}"


class Instalment(models.Model):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    due_on = models.DateField()
    amount = money_field()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "due_on"]
        constraints = non_negative("amount", prefix="instalment")

    def __str__(self) -> str:
        return f"{self.amount} due {self.due_on:%Y-%m-%d}"
