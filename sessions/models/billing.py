"""What sessions cost: payers and coverage, prior authorisations, the price list, charges,
adjustments, payments and refunds, payment plans.

Money is exact decimal with a currency (the clinic's, ClinicSettings.currency) and never
negative. Charges are written once and never edited: corrections are adjustments with a reason.
A price change applies from its effective date and never touches charges already made.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models import Patient
from clinic.validators import no_hidden_characters
from sessions.models.protocols import Protocol
from sessions.models.scheduling import TreatmentSession

ZERO = Decimal("0.00")


def money_field(verbose_name: str | None = None, **kwargs) -> models.DecimalField:
    kwargs.setdefault("validators", [MinValueValidator(ZERO)])
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **kwargs)


def currency_field() -> models.CharField:
    return models.CharField(max_length=3, default="USD")


def non_negative(*fields: str, prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(condition=models.Q(**{f"{name}__gte": 0}), name=f"{prefix}_{name}_not_negative")
        for name in fields
    ]


EM_CODES = ("99212", "99213", "99214", "99215")  # office visit E/M codes billed beside J0013


DEFAULT_EM_CODE = "99213"  # on a charge made before the prescriber chose the visit's code


class PayerKind(models.TextChoices):
    SELF_PAY = "self_pay", "Self-pay"
    COMMERCIAL = "commercial", "Commercial insurance"
    MEDICARE = "medicare", "Medicare"
    MEDICAID = "medicaid", "Medicaid"


class Payer(models.Model):
    name = models.CharField(max_length=120, unique=True, validators=[no_hidden_characters])
    kind = models.CharField(max_length=12, choices=PayerKind.choices)
    phone = models.CharField(max_length=25, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField("active", default=True)
    payer_id = models.CharField("electronic payer id", max_length=20, blank=True, help_text="For the 837P file.")
    esketamine_code = models.CharField(
        "esketamine drug code",
        max_length=5,
        choices=[("J0013", "J0013"), ("S0013", "S0013"), ("J3490", "J3490")],
        default="J0013",
        help_text="Non-Medicare payers: J0013 from 2026; some still ask for S0013 or J3490.",
    )
    requires_authorisation = models.BooleanField("requires prior authorisation", default=False)
    wants_rems_note = models.BooleanField("wants the REMS facility in the claim note", default=False)
    allows_prolonged_service = models.BooleanField(
        "allows prolonged-service codes",
        default=False,
        help_text="Non-Medicare payers: +99417 beside a 99215 visit when the prescriber's active time reaches 55 minutes.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_self_pay(self) -> bool:
        return self.kind == PayerKind.SELF_PAY


class Coverage(models.Model):
    """A patient's insurance (or self-pay) from a date; the latest one started is in force."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="coverages")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="coverages")
    member_id = models.CharField("member id", max_length=40, blank=True)
    copay = money_field(
        "copay per session", null=True, blank=True, help_text="Fixed amount per session; or coinsurance."
    )
    coinsurance_percent = models.DecimalField(
        "coinsurance %",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Patient's share after the deductible, e.g. 20.",
    )
    deductible_remaining = money_field(default=ZERO, help_text="What the patient still pays in full this plan year.")
    savings_programme = models.CharField(
        "manufacturer savings programme", max_length=120, blank=True, help_text="e.g. the SPRAVATO withMe savings card"
    )
    savings_per_session = money_field(default=ZERO, help_text="What the programme pays of the patient's part.")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    currency = currency_field()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            *non_negative("copay", "deductible_remaining", "savings_per_session", prefix="coverage"),
            models.CheckConstraint(
                condition=models.Q(coinsurance_percent__isnull=True)
                | models.Q(coinsurance_percent__gte=0, coinsurance_percent__lte=100),
                name="coverage_coinsurance_percent_range",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="coverage_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.member_id}".strip()

    def clean(self) -> None:
        if self.copay is not None and self.coinsurance_percent is not None:
            raise ValidationError({"coinsurance_percent": "Give either a copay or a coinsurance percentage, not both."})
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The coverage cannot end before it starts."})

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    @property
    def cost_share(self) -> str:
        if self.payer.is_self_pay:
            return "self-pay"
        if self.copay is not None:
            return f"copay {self.copay}"
        if self.coinsurance_percent is not None:
            pct = self.coinsurance_percent
            return f"coinsurance {pct.quantize(Decimal(1)) if pct == pct.to_integral_value() else pct.normalize()}%"
        return "no cost share"


class PriorAuthorisation(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="authorisations")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="authorisations")
    protocol = models.ForeignKey(
        Protocol, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Empty: any protocol."
    )
    number = models.CharField("authorisation number", max_length=60)
    sessions_authorised = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    starts_on = models.DateField()
    ends_on = models.DateField()
    notes = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="authorisation_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(sessions_authorised__gte=1), name="authorisation_sessions_min"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.sessions_authorised} sessions, {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d})"

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The authorisation cannot end before it starts."})


class Price(models.Model):
    """The clinic's price of one visit of a protocol at a dose, from a date on."""

    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="prices")
    dose_mg = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Esketamine: 56 or 84 mg. Empty: any dose (IV infusion)."
    )
    amount = money_field()
    effective_from = models.DateField()
    currency = currency_field()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["protocol__name", "dose_mg", "-effective_from"]
        constraints = [
            *non_negative("amount", prefix="price"),
            models.UniqueConstraint(
                fields=["protocol", "dose_mg", "effective_from"], name="one_price_per_protocol_dose_day"
            ),
        ]

    def __str__(self) -> str:
        dose = f" {self.dose_mg} mg" if self.dose_mg else ""
        return f"{self.protocol.name}{dose}: {self.amount} {self.currency} from {self.effective_from:%Y-%m-%d}"


class ChargeKind(models.TextChoices):
    SESSION = "session", "Session"
    LATE_CANCEL = "late_cancel", "Late cancellation fee"
    NO_SHOW = "no_show", "No-show fee"


class ImmutableError(ValidationError):
    pass


class Charge(models.Model):
    """What one session (or its cancellation) costs; written once, corrected only by adjustments."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="charges")
    session = models.OneToOneField(TreatmentSession, on_delete=models.PROTECT, related_name="charge")
    kind = models.CharField(max_length=12, choices=ChargeKind.choices, default=ChargeKind.SESSION)
    service_date = models.DateField(db_index=True)
    price = models.ForeignKey(Price, null=True, blank=True, on_delete=models.PROTECT, related_name="charges")
    payer = models.ForeignKey(Payer, null=True, blank=True, on_delete=models.PROTECT, related_name="charges")
    dose_mg = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    total = money_field()
    payer_part = money_field(default=ZERO)
    savings_part = money_field(default=ZERO, help_text="Paid by the manufacturer's savings programme.")
    patient_part = money_field()
    deductible_applied = money_field(default=ZERO)
    currency = currency_field()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["service_date", "pk"]
        indexes = [
            models.Index(fields=["patient", "service_date"]),
            # Cost per course: a period's session charges with what it sums, read from the index alone.
            models.Index(
                fields=["kind", "service_date", "session", "total", "patient_part"], name="charge_kind_period_idx"
            ),
        ]
        constraints = [
            *non_negative("total", "payer_part", "savings_part", "patient_part", "deductible_applied", prefix="charge"),
            models.CheckConstraint(
                condition=models.Q(total=models.F("payer_part") + models.F("savings_part") + models.F("patient_part")),
                name="charge_parts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.service_date:%Y-%m-%d}: {self.total} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("A charge is never edited; record an adjustment with a reason instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("A charge is never deleted; record an adjustment with a reason instead.")

    @property
    def codes(self) -> str:
        return ", ".join(line.code + (f"-{line.modifier}" if line.modifier else "") for line in self.lines.all())


class ChargeLine(models.Model):
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    code = models.CharField(max_length=10, blank=True)
    modifier = models.CharField(max_length=4, blank=True)
    units = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(max_length=120)
    history = HistoricalRecords()

    class Meta:
        ordering = ["charge", "position"]

    def __str__(self) -> str:
        return f"{self.code}{'-' + self.modifier if self.modifier else ''} × {self.units}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("Charge lines are never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("Charge lines are never deleted.")


class AdjustmentKind(models.TextChoices):
    CORRECTION = "correction", "Correction"
    WRITE_OFF = "write_off", "Write-off"
    INSURANCE = "insurance", "Insurance adjustment"


class AdjustmentDirection(models.TextChoices):
    REDUCE = "reduce", "Reduces what the patient owes"
    INCREASE = "increase", "Increases what the patient owes"


class Adjustment(models.Model):
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="adjustments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=12, choices=AdjustmentKind.choices)
    direction = models.CharField(max_length=8, choices=AdjustmentDirection.choices, default=AdjustmentDirection.REDUCE)
    amount = money_field()
    reason = models.CharField(max_length=300)
    on = models.DateField("date")
    remittance = models.ForeignKey(
        "treatment.Remittance", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = currency_field()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["on", "pk"]
        constraints = [
            *non_negative("amount", prefix="adjustment"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="adjustment_amount_positive"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="adjustment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}: {self.reason}"

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction == AdjustmentDirection.INCREASE else -self.amount


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"


class PaymentMethod(models.TextChoices):
    CARD = "card", "Card"
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    TRANSFER = "transfer", "Bank transfer"
    HSA = "hsa", "HSA / FSA card"
    FINANCING = "financing", "Financing company"


class Payment(models.Model):
    """Money from the patient (or back to them): allocated to charges oldest first; any surplus is credit."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=8, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    amount = money_field()
    on = models.DateField("date")
    reference = models.CharField(max_length=80, blank=True)
    as_credit = models.BooleanField(default=False, help_text="Part of it was taken as credit beyond the balance.")
    receipt_number = models.CharField(max_length=20, unique=True)
    currency = currency_field()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["on", "pk"]
        # by patient (the ledger, balances) and by date (the revenue report's payments received)
        indexes = [models.Index(fields=["patient", "on"]), models.Index(fields=["on"])]
        constraints = [
            *non_negative("amount", prefix="payment"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.receipt_number}: {self.amount} {self.currency}"

    @property
    def is_refund(self) -> bool:
        return self.kind == PaymentKind.REFUND
