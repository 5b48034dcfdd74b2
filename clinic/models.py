"""Clinic-wide domain: users and roles, clinic settings, chairs, staffing, patients."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clinic.places import Chair, Closure, OpeningHours, Weekday  # noqa: F401 - the places, re-exported

from .memo import forget, remembered
from .settings_row import create_missing_row
from .validators import NoHiddenCharacters, no_hidden_characters  # noqa: F401  (migrations name it here)

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()\-.]{6,19}$",
    "Enter a phone number of 7 to 20 digits; spaces, dashes, brackets and a leading + are allowed.",
)


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    STAFF = "staff", "Clinical staff"
    PATIENT = "patient", "Patient"


class CaseInsensitiveUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    is_prescriber = models.BooleanField(
        default=False, help_text="Prescribers can approve dosing above thresholds, review courses and override."
    )
    title = models.CharField(max_length=60, blank=True, help_text="e.g. RN, NP, MD")
    phone = models.CharField(max_length=25, blank=True, validators=[phone_validator])

    objects = CaseInsensitiveUserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique", condition=~models.Q(email="")),
        ]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_clinical(self) -> bool:
        """Staff and admins both work in the clinic; patients do not."""
        return self.role in (Role.ADMIN, Role.STAFF)

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full}, {self.title}" if full and self.title else (full or self.username)


class ClinicSettings(models.Model):
    """The single row of clinic-wide, admin-editable settings (see THRESHOLD_SOURCES)."""

    name = models.CharField(max_length=120, default="Demo Ketamine Clinic")
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=25, blank=True, validators=[phone_validator])
    email = models.EmailField(blank=True)
    time_zone = models.CharField(max_length=64, default="America/New_York")
    rems_setting_id = models.CharField("REMS setting id", max_length=40, blank=True)
    currency = models.CharField(max_length=3, default="USD")

    # Pre-dose blood pressure: above this the prescriber must decide to proceed or defer.
    predose_systolic_max = models.PositiveSmallIntegerField(default=140, validators=[MinValueValidator(90)])
    predose_diastolic_max = models.PositiveSmallIntegerField(default=90, validators=[MinValueValidator(50)])
    # Discharge: blood pressure back within this range.
    discharge_systolic_max = models.PositiveSmallIntegerField(default=160, validators=[MinValueValidator(90)])
    discharge_diastolic_max = models.PositiveSmallIntegerField(default=100, validators=[MinValueValidator(50)])
    # Escalation thresholds.
    escalation_systolic_repeat = models.PositiveSmallIntegerField(default=180)
    escalation_diastolic_repeat = models.PositiveSmallIntegerField(default=110)
    escalation_repeat_minutes = models.PositiveSmallIntegerField(default=5)
    escalation_systolic_once = models.PositiveSmallIntegerField(default=200)
    escalation_diastolic_once = models.PositiveSmallIntegerField(default=120)
    escalation_heart_rate = models.PositiveSmallIntegerField(default=120)
    escalation_spo2_min = models.PositiveSmallIntegerField(default=92, validators=[MaxValueValidator(100)])
    escalation_moaas_max = models.PositiveSmallIntegerField(default=3, validators=[MaxValueValidator(5)])
    # Observation and scheduling.
    esketamine_observation_minutes = models.PositiveSmallIntegerField(default=120, validators=[MinValueValidator(120)])
    bp_check_minutes = models.PositiveSmallIntegerField(default=40)
    sedation_check_minutes = models.CharField(
        max_length=60, default="40,90", help_text="Minutes after the first device for MOAA/S and CADSS checks."
    )
    min_days_between_induction = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    phase_slip_days = models.PositiveSmallIntegerField(default=7, validators=[MaxValueValidator(28)])
    checkin_early_minutes = models.PositiveSmallIntegerField(default=60, validators=[MaxValueValidator(240)])
    patients_per_nurse = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    reminder_hours_before = models.PositiveSmallIntegerField(default=24)
    ride_reminder_hours_before = models.PositiveSmallIntegerField(default=48)
    rems_form_due_days = models.PositiveSmallIntegerField(default=7)
    device_use_within_days = models.PositiveSmallIntegerField(default=14)
    # Live monitoring (issue 4).
    check_grace_minutes = models.PositiveSmallIntegerField(
        default=5, validators=[MaxValueValidator(30)], help_text="A due check turns overdue this long after its time."
    )
    device_interval_minutes = models.PositiveSmallIntegerField(default=5, validators=[MaxValueValidator(30)])
    iv_bp_during_minutes = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(5)])
    iv_bp_after_minutes = models.PositiveSmallIntegerField(default=15, validators=[MinValueValidator(5)])
    iv_recovery_minutes = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(15)])
    discharge_bp_recent_minutes = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(5)])
    cadss_resolved_max = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(92)])
    # Fees and billing defaults.
    cancellation_fee = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    no_show_fee = models.DecimalField(max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    late_cancel_hours = models.PositiveSmallIntegerField(default=24)

    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "clinic settings"
        verbose_name_plural = "clinic settings"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        forget("clinic_settings")  # the request's memo (clinic/memo.py) reads the saved row again

    def clean(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": "Unknown time zone; use a name like America/New_York."}) from None
        if self.discharge_systolic_max < self.predose_systolic_max:
            raise ValidationError({"discharge_systolic_max": "The discharge limit cannot be below the pre-dose limit."})
        try:
            self.sedation_check_list()
        except ValueError:
            raise ValidationError(
                {"sedation_check_minutes": "List whole minutes separated by commas, e.g. 40,90."}
            ) from None

    def sedation_check_list(self) -> list[int]:
        return sorted(int(x) for x in self.sedation_check_minutes.split(",") if x.strip())

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @classmethod
    def load(cls) -> ClinicSettings:
        """The one settings row, read at most once per request (clinic/memo.py); never replaced silently by
        defaults in production (clinic/settings_row.py)."""
        return remembered("clinic_settings", lambda: cls.objects.order_by("pk").first() or create_missing_row(cls))


# Where each configurable number comes from: shown beside the field on the settings page.


class StaffShift(models.Model):
    """Who is on site on a day: drives nurse capacity and the prescriber-on-site rule."""

    date = models.DateField(db_index=True)
    staff = models.ForeignKey(User, on_delete=models.PROTECT, related_name="shifts")
    starts = models.TimeField(default=dt.time(8, 0))
    ends = models.TimeField(default=dt.time(18, 0))
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["date", "staff"], name="one_shift_per_staff_per_day"),
            models.CheckConstraint(condition=models.Q(starts__lt=models.F("ends")), name="shift_starts_before_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} on {self.date}"


class PatientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def search(self, q: str):
        q = (q or "").strip()
        if not q:
            return self
        for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y"):
            try:
                dob = dt.datetime.strptime(q, fmt).date()  # noqa: DTZ007 - a date, not a time
            except ValueError:
                continue
            return self.filter(date_of_birth=dob)
        filt = models.Q()
        for word in q.split():
            filt &= models.Q(first_name__icontains=word) | models.Q(last_name__icontains=word)
        return self.filter(filt)


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other / not stated"


class RemsStatus(models.TextChoices):
    NOT_ENROLLED = "not_enrolled", "Not enrolled"
    PENDING = "pending", "Enrolment pending"
    ENROLLED = "enrolled", "Enrolled"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Patient(models.Model):
    first_name = models.CharField(max_length=80, validators=[no_hidden_characters])
    last_name = models.CharField(max_length=80, validators=[no_hidden_characters])
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    phone = models.CharField(max_length=25, blank=True, validators=[phone_validator])
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True, validators=[no_hidden_characters])
    emergency_contact_phone = models.CharField(max_length=25, blank=True, validators=[phone_validator])
    usual_ride_name = models.CharField(
        "usual ride home (name)", max_length=120, blank=True, validators=[no_hidden_characters]
    )
    usual_ride_phone = models.CharField(
        "usual ride home (phone)", max_length=25, blank=True, validators=[phone_validator]
    )
    weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(20), MaxValueValidator(350)],
    )

    rems_status = models.CharField(
        "REMS enrolment", max_length=15, choices=RemsStatus.choices, default=RemsStatus.NOT_ENROLLED
    )
    rems_enrolled_on = models.DateField("REMS enrolment date", null=True, blank=True)
    rems_patient_id = models.CharField("REMS patient id", max_length=40, blank=True)

    # Contraindication screen (any "yes" blocks esketamine / ketamine treatment).
    ci_aneurysmal_vascular_disease = models.BooleanField("aneurysmal vascular disease", default=False)
    ci_arteriovenous_malformation = models.BooleanField("arteriovenous malformation", default=False)
    ci_intracerebral_haemorrhage = models.BooleanField("history of intracerebral haemorrhage", default=False)
    ci_hypersensitivity = models.BooleanField("hypersensitivity to esketamine or ketamine", default=False)
    contraindications_screened_on = models.DateField(null=True, blank=True)

    # Concomitant medications of concern (add sedation or raise blood pressure).
    med_benzodiazepines = models.BooleanField("benzodiazepines", default=False)
    med_nonbenzo_hypnotics = models.BooleanField("non-benzodiazepine sedative hypnotics", default=False)
    med_psychostimulants = models.BooleanField("psychostimulants", default=False)
    med_maois = models.BooleanField("MAOIs", default=False)
    med_opioids = models.BooleanField("opioids", default=False)
    medication_notes = models.TextField(blank=True)
    pregnancy_relevant = models.BooleanField(default=False, help_text="Ask about pregnancy at each check-in.")

    user = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient",
        limit_choices_to={"role": Role.PATIENT},
    )
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["calendar_token"])

    CONTRAINDICATION_FIELDS = (
        "ci_aneurysmal_vascular_disease",
        "ci_arteriovenous_malformation",
        "ci_intracerebral_haemorrhage",
        "ci_hypersensitivity",
    )
    SEDATING_MED_FIELDS = ("med_benzodiazepines", "med_nonbenzo_hypnotics", "med_opioids")
    BP_RAISING_MED_FIELDS = ("med_psychostimulants", "med_maois")

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("patient_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_rems_enrolled(self) -> bool:
        return self.rems_status == RemsStatus.ENROLLED

    def contraindications(self) -> list[str]:
        return [str(self._meta.get_field(f).verbose_name) for f in self.CONTRAINDICATION_FIELDS if getattr(self, f)]

    def sedating_medications(self) -> bool:
        return any(getattr(self, f) for f in self.SEDATING_MED_FIELDS)

    def bp_raising_medications(self) -> bool:
        return any(getattr(self, f) for f in self.BP_RAISING_MED_FIELDS)

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    def age_on(self, day: dt.date) -> int:
        b = self.date_of_birth
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def clean(self) -> None:
        errors = {}
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            errors["date_of_birth"] = "Date of birth cannot be in the future."
        elif self.date_of_birth and self.date_of_birth < dt.date(1900, 1, 1):
            errors["date_of_birth"] = "Date of birth before 1900 is not plausible."
        if self.rems_status == RemsStatus.ENROLLED and not self.rems_enrolled_on:
            errors["rems_enrolled_on"] = "Give the enrolment date for an enrolled patient."
        if self.rems_enrolled_on and self.rems_enrolled_on > timezone.localdate():
            errors["rems_enrolled_on"] = "The enrolment date cannot be in the future."
        if errors:
            raise ValidationError(errors)

    def delete(self, *args, **kwargs):
        raise ValidationError("Patients are never deleted; archive them instead.")


from .security.models import AccessLog, UserSession  # noqa: E402, F401 - registered with the clinic app
