"""Courses of treatment, the sessions they plan, and the ride home for each session."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from simple_history.models import HistoricalRecords

from clinic.models import Chair, Patient, phone_validator
from clinic.validators import no_hidden_characters
from sessions.models.protocols import Protocol, ProtocolPhase


class CourseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    AWAITING_REVIEW = "awaiting_review", "Awaiting end-of-phase review"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class Course(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="courses")
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="prescribed_courses",
        limit_choices_to={"is_prescriber": True},
    )
    start_date = models.DateField()
    preferred_weekdays = models.CharField(
        max_length=20, help_text="Comma-separated weekday numbers, Monday = 0 (e.g. '0,3' for Mon/Thu)."
    )
    preferred_time = models.TimeField()
    preferred_chair = models.ForeignKey(Chair, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    current_phase = models.ForeignKey(ProtocolPhase, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=CourseStatus.choices, default=CourseStatus.ACTIVE, db_index=True)
    status_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return f"{self.protocol.name} for {self.patient} from {self.start_date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("course_detail", args=[self.pk])

    @property
    def weekday_list(self) -> list[int]:
        return sorted(int(x) for x in self.preferred_weekdays.split(",") if x.strip() != "")


class ReviewDecision(models.TextChoices):
    CONTINUE = "continue", "Continue to the next phase as planned"
    CHANGE_FREQUENCY = "change_frequency", "Continue with a changed frequency"
    RETURN_TO_PREVIOUS = "return_previous", "Return to the previous, more frequent schedule"
    STOP = "stop", "Stop the course"


class CourseReview(models.Model):
    """A prescriber's recorded decision at the end of a phase (e.g. end of induction)."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="reviews")
    phase = models.ForeignKey(ProtocolPhase, on_delete=models.PROTECT, related_name="+")
    next_phase = models.ForeignKey(ProtocolPhase, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    interval_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    sessions_to_plan = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reviewed_at"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.reviewed_at:%Y-%m-%d})"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CHECKED_IN = "checked_in", "Checked in"
    DOSING = "dosing", "Dosing"
    OBSERVING = "observing", "Observing"
    DISCHARGED = "discharged", "Discharged"
    DEFERRED = "deferred", "Deferred"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# No visit holds a chair longer than this (ProtocolPhase.clean enforces it); overlap searches rely on it.
MAX_VISIT = dt.timedelta(hours=12)

# The session state machine: which status may follow which. Steps cannot be skipped.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    SessionStatus.SCHEDULED: (SessionStatus.CHECKED_IN, SessionStatus.CANCELLED, SessionStatus.NO_SHOW),
    SessionStatus.CHECKED_IN: (SessionStatus.DOSING, SessionStatus.DEFERRED),
    SessionStatus.DOSING: (SessionStatus.OBSERVING,),
    SessionStatus.OBSERVING: (SessionStatus.DISCHARGED,),
    SessionStatus.DISCHARGED: (),
    SessionStatus.DEFERRED: (),
    SessionStatus.CANCELLED: (),
    SessionStatus.NO_SHOW: (),
}


class InvalidTransition(Exception):
    """A status change the state machine does not allow (shown to the user as a message)."""


# Sessions in these states no longer hold their chair or their patient's time.
RELEASED_STATUSES = (SessionStatus.CANCELLED, SessionStatus.NO_SHOW)
IN_CLINIC_STATUSES = (SessionStatus.CHECKED_IN, SessionStatus.DOSING, SessionStatus.OBSERVING)


class TreatmentSessionQuerySet(models.QuerySet):
    def holding_time(self):
        """Sessions that occupy their chair and patient for their whole visit."""
        return self.exclude(status__in=RELEASED_STATUSES)

    def overlapping(self, start: dt.datetime, end: dt.datetime, *, since: dt.datetime | None = None):
        # The lower bound on planned_start lets the planned_start index skip the years before. ``since``: that
        # bound (``start - MAX_VISIT``) given by a caller whose query is compiled once (``clinic.compiled``).
        return self.holding_time().filter(
            planned_start__lt=end,
            planned_start__gt=start - MAX_VISIT if since is None else since,
            planned_end__gt=start,
        )

    def on_day(self, day: dt.date, tz):
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        return self.filter(planned_start__gte=start, planned_start__lt=start + dt.timedelta(days=1))

    def with_related(self):
        return self.select_related("patient", "chair", "phase", "course__protocol", "ride")


class TreatmentSession(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    # Denormalised from the course so the database can forbid a patient's overlapping visits.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sessions")
    phase = models.ForeignKey(ProtocolPhase, on_delete=models.PROTECT, related_name="+")
    chair = models.ForeignKey(Chair, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveSmallIntegerField(help_text="Position in the course, counting sessions not cancelled.")
    planned_start = models.DateTimeField(help_text="Arrival / check-in time.")
    planned_end = models.DateTimeField(help_text="End of the chair booking, turnover included.")
    planned_dose_mg = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Esketamine: 56 or 84 mg.")
    planned_dose_mg_per_kg = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True, help_text="IV / IM ketamine; empty: the phase's default."
    )
    status = models.CharField(max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    status_reason = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock: bumped on every change.")

    checked_in_at = models.DateTimeField(null=True, blank=True)
    first_dose_at = models.DateTimeField(null=True, blank=True, help_text="Starts the observation clock.")
    # Filled by the monitoring services from the administrations; billing charges from these.
    dose_given_mg = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    infusion_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True, help_text="Set at discharge; the record is read-only.")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TreatmentSessionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["planned_start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_start__lt=models.F("planned_end")), name="session_start_before_end"
            ),
        ]
        indexes = [
            models.Index(fields=["planned_start"]),
            models.Index(fields=["chair", "planned_start"]),
            models.Index(fields=["patient", "planned_start"]),
            models.Index(fields=["status", "planned_start"]),
            models.Index(fields=["status", "discharged_at"]),
            # The REMS list: its window, tab counts and newest-first order on the REMS day (discharge, else
            # planned start), with the course for the esketamine test, read from the index alone.
            models.Index(
                models.F("status"),
                Coalesce("discharged_at", "planned_start"),
                models.F("course"),
                name="session_rems_day_idx",
            ),
            models.Index(fields=["course", "number"]),
            # The course of a charge's session without reading the session's row (cost per course).
            models.Index(fields=["id", "course"], name="session_id_course_idx"),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} for {self.patient} on {self.planned_start:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("session_detail", args=[self.pk])

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]

    def check_transition(self, status: str) -> None:
        """Raise InvalidTransition unless the state machine allows moving to ``status``."""
        if not self.can_move_to(status):
            raise InvalidTransition(
                f"A session that is {self.get_status_display().lower()} cannot become "
                f"{SessionStatus(status).label.lower()}."
            )

    @property
    def is_released(self) -> bool:
        """Cancelled or no-show: the booking no longer holds its chair nor counts in the series."""
        return self.status in RELEASED_STATUSES

    @property
    def is_in_clinic(self) -> bool:
        return self.status in IN_CLINIC_STATUSES

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_esketamine(self) -> bool:
        return self.course.protocol.is_esketamine

    @property
    def observation_end(self) -> dt.datetime:
        """Planned end of observation: when the ride should be there."""
        return self.planned_end - dt.timedelta(minutes=self.phase.turnover_minutes)


class RideKind(models.TextChoices):
    COMPANION = "companion", "Companion drives"
    ARRANGED = "arranged", "Other arranged ride (accepted by the clinic)"


class RideStatus(models.TextChoices):
    MISSING = "missing", "Missing"
    PLANNED = "planned", "Planned"
    CONFIRMED = "confirmed", "Confirmed"


class Ride(models.Model):
    """How the patient gets home: no driving until the next day after a restful sleep."""

    session = models.OneToOneField(TreatmentSession, on_delete=models.CASCADE, related_name="ride")
    kind = models.CharField(max_length=12, choices=RideKind.choices, default=RideKind.COMPANION)
    driver_name = models.CharField(max_length=120, blank=True, validators=[no_hidden_characters])
    driver_phone = models.CharField(max_length=25, blank=True, validators=[phone_validator])
    notes = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=RideStatus.choices, default=RideStatus.MISSING, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    arrived_at = models.DateTimeField(null=True, blank=True, help_text="The ride is here (discharge criterion).")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.driver_name or 'no driver yet'}"


class ReminderKind(models.TextChoices):
    APPOINTMENT = "appointment", "Appointment reminder"
    RIDE = "ride", "Ride not confirmed"


class SentReminder(models.Model):
    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    to = models.EmailField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "kind"], name="reminder_sent_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for session {self.session_id}"
