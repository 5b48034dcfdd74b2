"""What a claim needs besides the charge: the clinic's billing provider, each prescriber's NPI, a
course's diagnosis codes and the E/M code the prescriber chose for a visit. Identifiers are checked
by the billing services (``sessions/billing/identifiers.py``) before they are stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from sessions.models.billing import EM_CODES
from sessions.models.scheduling import Course, TreatmentSession

OFFICE = "11"  # place of service: office


class BillingProvider(models.Model):
    """The clinic as it bills (one row): CMS-1500 box 33 / 837P loop 2010AA."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    name = models.CharField("billing name", max_length=60, blank=True)
    npi = models.CharField("NPI", max_length=10, blank=True, help_text="The clinic's (type 2) NPI.")
    tax_id = models.CharField("tax id (EIN)", max_length=10, blank=True)
    address_line = models.CharField("street address", max_length=55, blank=True)
    city = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField("ZIP+4", max_length=10, blank=True)
    phone = models.CharField(max_length=25, blank=True)
    place_of_service = models.CharField(
        max_length=2, default=OFFICE, help_text="CMS place-of-service code for every claim line; 11 is office."
    )
    ketamine_ndc = models.CharField(
        "ketamine NDC",
        max_length=13,
        blank=True,
        help_text="11 digits (5-4-2) of the ketamine vials used for infusions.",
    )
    clearinghouse_id = models.CharField(
        "clearinghouse id", max_length=15, default="CLEARINGHOUSE", help_text="Receiver of the 837P files."
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.name or "Billing provider"

    @classmethod
    def load(cls) -> BillingProvider:
        provider, _ = cls.objects.get_or_create(singleton=1)
        return provider

    @property
    def missing(self) -> list[str]:
        names = ["name", "npi", "tax_id", "address_line", "city", "state", "zip_code"]
        return [str(self._meta.get_field(n).verbose_name) for n in names if not getattr(self, n)]


class PrescriberNpi(models.Model):
    """A prescriber's individual (type 1) NPI: the rendering provider of their visits' claims."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_npi")
    npi = models.CharField("NPI", max_length=10)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.user} {self.npi}"


class CourseDiagnoses(models.Model):
    """A course's ICD-10-CM codes, the first one primary (e.g. F33.2, R45.851)."""

    course = models.OneToOneField(Course, on_delete=models.PROTECT, related_name="diagnoses")
    codes = models.CharField("ICD-10-CM codes", max_length=120)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "course diagnoses"

    def __str__(self) -> str:
        return self.codes

    @property
    def code_list(self) -> list[str]:
        return [c for c in self.codes.split(",") if c]


class VisitCoding(models.Model):
    """The E/M visit code the prescriber chose for one session (billed beside J0013 for non-Medicare payers)."""

    session = models.OneToOneField(TreatmentSession, on_delete=models.PROTECT, related_name="coding")
    em_code = models.CharField("E/M code", max_length=5, choices=[(c, c) for c in EM_CODES])
    clinician_minutes = models.PositiveSmallIntegerField(
        "active clinician minutes",
        null=True,
        blank=True,
        help_text="The prescriber's own time on the visit (monitoring by staff does not count); for +99417.",
    )
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.em_code
