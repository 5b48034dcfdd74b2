"""Treatment protocols as data: phases with frequency, dose, observation and chair time."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.places import Capability


class Treatment(models.TextChoices):
    ESKETAMINE = "esketamine", "Esketamine nasal spray"
    KETAMINE_IV = "ketamine_iv", "Ketamine IV infusion"
    KETAMINE_IM = "ketamine_im", "Ketamine IM injection"


class Protocol(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    treatment = models.CharField(max_length=20, choices=Treatment.choices)
    indication = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="Where the regimen comes from.")
    is_active = models.BooleanField("active", default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_esketamine(self) -> bool:
        return self.treatment == Treatment.ESKETAMINE

    @property
    def is_infusion(self) -> bool:
        return self.treatment == Treatment.KETAMINE_IV

    @property
    def chair_need(self) -> str | None:
        """What a chair must serve for this protocol's visits (a clinic.places.Capability), None: any chair."""
        return {Treatment.ESKETAMINE: Capability.NASAL_SPRAY, Treatment.KETAMINE_IV: Capability.IV_INFUSION}.get(
            self.treatment
        )


class PhaseKind(models.TextChoices):
    INDUCTION = "induction", "Induction"
    CONSOLIDATION = "consolidation", "Consolidation"
    MAINTENANCE = "maintenance", "Maintenance"


class ProtocolPhase(models.Model):
    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=15, choices=PhaseKind.choices)
    name = models.CharField(max_length=80)
    sessions_per_week = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    interval_weeks = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
        help_text="1 = every week, 2 = every two weeks (used when sessions per week is 1).",
    )
    weeks = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(104)],
        help_text="Length of the phase; empty for open-ended maintenance.",
    )
    total_sessions = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Fixed number of sessions (e.g. 6 IV infusions); overrides weeks × frequency."
    )
    min_days_between = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    default_dose_mg = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Esketamine mg per session.")
    first_dose_mg = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Dose of the very first session of the course (TRD day 1: 56 mg)."
    )
    default_dose_mg_per_kg = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    observation_minutes = models.PositiveSmallIntegerField(default=120)
    checkin_minutes = models.PositiveSmallIntegerField(default=15)
    dosing_minutes = models.PositiveSmallIntegerField(default=15)
    turnover_minutes = models.PositiveSmallIntegerField(default=15)
    review_at_end = models.BooleanField(
        default=False, help_text="A prescriber's review is needed before the next phase is planned."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["protocol", "order"]
        constraints = [models.UniqueConstraint(fields=["protocol", "order"], name="phase_order_unique")]

    def __str__(self) -> str:
        return f"{self.protocol.name} — {self.name}"

    def previous_phase(self) -> ProtocolPhase | None:
        """The phase before this one in its protocol (the earlier, more frequent schedule)."""
        return self.protocol.phases.filter(order__lt=self.order).order_by("-order").first()

    def following_phase(self) -> ProtocolPhase | None:
        return self.protocol.phases.filter(order__gt=self.order).order_by("order").first()

    @property
    def chair_minutes(self) -> int:
        """How long one visit holds a chair: check-in, dosing, observation, turnover."""
        return self.checkin_minutes + self.dosing_minutes + self.observation_minutes + self.turnover_minutes

    @property
    def chair_duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.chair_minutes)

    @property
    def planned_session_count(self) -> int | None:
        if self.total_sessions:
            return self.total_sessions
        if self.weeks is None:
            return None
        if self.sessions_per_week == 1:
            return -(-self.weeks // self.interval_weeks)
        return self.weeks * self.sessions_per_week

    def clean(self) -> None:
        if self.chair_minutes > 12 * 60:
            raise ValidationError("A visit cannot hold a chair for more than 12 hours (check-in to turnover).")
        if self.protocol_id and self.protocol.is_esketamine:
            if self.observation_minutes < 120:
                raise ValidationError({"observation_minutes": "Esketamine needs at least 120 minutes of observation."})
            for field in ("default_dose_mg", "first_dose_mg"):
                value = getattr(self, field)
                if value is not None and (value % 28 or not 28 <= value <= 84):
                    raise ValidationError({field: "Esketamine doses are 28 mg steps (56 or 84 mg)."})
