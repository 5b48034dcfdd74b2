"""Drug lots (Schedule III, lot numbers recorded per administration) and patient-specific device receipts
(used within 14 days of receipt)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models import Patient


class Drug(models.TextChoices):
    ESKETAMINE = "esketamine", "Esketamine nasal spray 28 mg device"
    KETAMINE = "ketamine", "Ketamine hydrochloride injection"


class DrugLot(models.Model):
    """A lot of a Schedule III drug held by the clinic; the controlled-substance log is per lot."""

    drug = models.CharField(max_length=12, choices=Drug.choices)
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()
    received_on = models.DateField()
    quantity = models.PositiveIntegerField(help_text="Devices for esketamine, mg for ketamine.")
    supplier = models.CharField(max_length=120, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "lot_number"]
        constraints = [models.UniqueConstraint(fields=["drug", "lot_number"], name="lot_number_unique_per_drug")]

    def __str__(self) -> str:
        return f"{self.lot_number} ({self.get_drug_display()})"

    @property
    def unit(self) -> str:
        return "devices" if self.drug == Drug.ESKETAMINE else "mg"


class DeviceReceipt(models.Model):
    """Patient-specific esketamine devices received for one patient: use within N days of receipt."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="device_receipts")
    lot = models.ForeignKey(DrugLot, on_delete=models.PROTECT, related_name="receipts")
    devices = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(30)])
    received_on = models.DateField()
    use_by = models.DateField()
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["use_by", "pk"]

    def __str__(self) -> str:
        return f"{self.devices} devices of lot {self.lot.lot_number} for patient {self.patient_id}"
