"""The live record of a session: check-in, vitals, dosing decision, administrations, assessments,
alerts, adverse events, discharge, amendments, REMS form status, drug lots and device receipts.

Readings are appended, never edited: a signed (discharged) session is read-only and corrections
are amendments. The services in ``sessions/monitoring/`` are the only writers.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models import Patient
from clinic.validators import no_hidden_characters
from sessions.models.lots import DeviceReceipt, DrugLot
from sessions.models.scheduling import TreatmentSession

ESKETAMINE_DEVICE_MG = 28


ESKETAMINE_MIN_OBSERVATION = 120  # SPRAVATO label / REMS: never less, whatever the settings say.


# Physiological ranges a reading must fall in (typing errors, not clinical limits).
SYSTOLIC_RANGE = (60, 260)


DIASTOLIC_RANGE = (30, 160)


HEART_RATE_RANGE = (25, 220)


SPO2_RANGE = (50, 100)


# IV ketamine: the weight and mg/kg a nurse may enter (published protocols: usually 0.5 mg/kg, about 0.1–0.75).
WEIGHT_KG_RANGE = (Decimal("20"), Decimal("350"))


MG_PER_KG_RANGE = (Decimal("0.05"), Decimal("1.50"))


MG_PER_KG_USUAL = (Decimal("0.1"), Decimal("0.75"))


# REMS: "when would the patient have been ready to leave without the 2-hour rule" (minutes).
READY_MINUTES_RANGE = (0, 600)


class CheckIn(models.Model):
    """The check-in checklist, one per session."""

    class Pregnancy(models.TextChoices):
        NOT_ASKED = "not_relevant", "Not relevant"
        NOT_PREGNANT = "not_pregnant", "Not pregnant"
        PREGNANT = "pregnant", "Pregnant or possibly pregnant"

    session = models.OneToOneField(TreatmentSession, on_delete=models.PROTECT, related_name="checkin")
    identity_confirmed = models.BooleanField(default=False)
    no_food_2h = models.BooleanField("no food in the last 2 hours", default=False)
    no_drink_30min = models.BooleanField("no liquids in the last 30 minutes", default=False)
    nasal_spray_ok = models.BooleanField(
        "nasal corticosteroid / decongestant at least 1 hour before, or none", default=False
    )
    ride_name = models.CharField("ride home: driver's name", max_length=120, validators=[no_hidden_characters])
    ride_phone = models.CharField("ride home: phone", max_length=25)
    # Concomitant medications (snapshot for the REMS form).
    med_benzodiazepines = models.BooleanField("benzodiazepines", default=False)
    med_nonbenzo_hypnotics = models.BooleanField("non-benzodiazepine sedative hypnotics", default=False)
    med_opioids = models.BooleanField("opioids", default=False)
    med_psychostimulants = models.BooleanField("psychostimulants", default=False)
    med_maois = models.BooleanField("MAOIs", default=False)
    medication_changes = models.TextField("changes in medication since last session", blank=True)
    contraindications_unchanged = models.BooleanField("contraindication screen unchanged", default=False)
    rems_enrolled = models.BooleanField("REMS enrolment confirmed", default=False)
    pregnancy = models.CharField(max_length=15, choices=Pregnancy.choices, default=Pregnancy.NOT_ASKED)
    notes = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Check-in of session {self.session_id}"

    @property
    def sedating_medications(self) -> bool:
        return self.med_benzodiazepines or self.med_nonbenzo_hypnotics or self.med_opioids

    @property
    def bp_raising_medications(self) -> bool:
        return self.med_psychostimulants or self.med_maois


class VitalsKind(models.TextChoices):
    PREDOSE = "predose", "Pre-dose"
    OBSERVATION = "observation", "Observation"


class VitalsReading(models.Model):
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="vitals")
    kind = models.CharField(max_length=12, choices=VitalsKind.choices, default=VitalsKind.OBSERVATION)
    taken_at = models.DateTimeField(db_index=True)
    systolic = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(SYSTOLIC_RANGE[0]), MaxValueValidator(SYSTOLIC_RANGE[1])]
    )
    diastolic = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(DIASTOLIC_RANGE[0]), MaxValueValidator(DIASTOLIC_RANGE[1])]
    )
    heart_rate = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(HEART_RATE_RANGE[0]), MaxValueValidator(HEART_RATE_RANGE[1])],
    )
    spo2 = models.PositiveSmallIntegerField(
        "SpO2 %", null=True, blank=True, validators=[MinValueValidator(SPO2_RANGE[0]), MaxValueValidator(SPO2_RANGE[1])]
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["taken_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(systolic__gt=models.F("diastolic")), name="vitals_systolic_above_diastolic"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.systolic}/{self.diastolic} at {self.taken_at:%H:%M}"

    @property
    def bp(self) -> str:
        return f"{self.systolic}/{self.diastolic}"


class Decision(models.TextChoices):
    PROCEED = "proceed", "Proceed with dosing"
    DEFER = "defer", "Defer (no dose today)"


class DosingDecision(models.Model):
    """A prescriber's decision when the pre-dose blood pressure is above the threshold."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="decisions")
    reading = models.ForeignKey(VitalsReading, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.by})"


class AdministrationKind(models.TextChoices):
    DEVICE = "device", "Nasal spray device"
    INFUSION = "infusion", "IV infusion"


class Administration(models.Model):
    """One esketamine device (28 mg) or one IV infusion (weight × mg/kg)."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="administrations")
    kind = models.CharField(max_length=10, choices=AdministrationKind.choices)
    number = models.PositiveSmallIntegerField(default=1, help_text="Device 1, 2, 3.")
    given_at = models.DateTimeField(help_text="Device time or infusion start.")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Infusion end.")
    dose_mg = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(0)])
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    mg_per_kg = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    lot = models.ForeignKey(DrugLot, on_delete=models.PROTECT, related_name="administrations")
    receipt = models.ForeignKey(
        DeviceReceipt, null=True, blank=True, on_delete=models.PROTECT, related_name="administrations"
    )
    warning = models.CharField(max_length=200, blank=True, help_text="Shown and kept, e.g. a short device interval.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["given_at", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "kind", "number"], name="administration_number_unique"),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gt=models.F("given_at")),
                name="administration_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}: {self.dose_mg} mg"

    @property
    def quantity(self) -> str:
        return "1 device" if self.kind == AdministrationKind.DEVICE else f"{self.dose_mg} mg"


class Scale(models.TextChoices):
    MOAAS = "moaas", "MOAA/S (sedation)"
    CADSS = "cadss", "CADSS, 23 items (dissociation)"
    CADSS6 = "cadss6", "CADSS, 6-item short form (dissociation)"


MOAAS_LABELS = {
    5: "5 — responds readily to name in normal tone (alert)",
    4: "4 — lethargic response to name in normal tone",
    3: "3 — responds only after name called loudly or repeatedly",
    2: "2 — responds only after mild prodding or shaking",
    1: "1 — responds only after painful trapezius squeeze",
    0: "0 — no response (loss of consciousness)",
}


CADSS6_ITEMS = (1, 2, 6, 7, 15, 22)


class Assessment(models.Model):
    """A sedation (MOAA/S) or dissociation (CADSS) check."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="assessments")
    scale = models.CharField(max_length=8, choices=Scale.choices)
    taken_at = models.DateTimeField(db_index=True)
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(92)])
    items = models.JSONField(default=list, blank=True, help_text="CADSS item scores 0–4, in item order.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["taken_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_scale_display()} {self.score} at {self.taken_at:%H:%M}"


class AlertKind(models.TextChoices):
    BP_REPEAT = "bp_repeat", "Blood pressure high on two readings"
    BP_ONCE = "bp_once", "Blood pressure very high"
    SPO2 = "spo2", "Low oxygen saturation"
    HEART_RATE = "heart_rate", "Sustained high heart rate"
    SEDATION = "sedation", "Deep sedation (MOAA/S)"
    PHQ9_ITEM9 = "phq9_item9", "PHQ-9 item 9: thoughts of self-harm"


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(acknowledged_at__isnull=True)


class Alert(models.Model):
    """Stays on the board until a prescriber acknowledges it with the action taken."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="alerts")
    session = models.ForeignKey(
        TreatmentSession, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    kind = models.CharField(max_length=12, choices=AlertKind.choices)
    message = models.CharField(max_length=300)
    raised_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.TextField(blank=True, help_text="What the prescriber did about it.")

    objects = AlertQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["acknowledged_at", "raised_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class AdverseEvent(models.Model):
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="adverse_events")
    occurred_at = models.DateTimeField()
    description = models.CharField("what happened", max_length=300)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    action = models.CharField("action taken", max_length=300, blank=True)
    serious = models.BooleanField(default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.description} ({self.get_severity_display()})"


class Discharge(models.Model):
    """How a session ended: the gate as it stood, any override, and the REMS minutes question."""

    session = models.OneToOneField(TreatmentSession, on_delete=models.PROTECT, related_name="discharge")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    clinician_ready = models.BooleanField(default=False)
    ready_without_rule_minutes = models.PositiveSmallIntegerField(
        "ready to leave without the 2-hour rule (minutes after the first dose)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(600)],
    )
    criteria = models.JSONField(default=list, help_text="Each criterion with met / not met at discharge.")
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Discharge of session {self.session_id}"

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)
