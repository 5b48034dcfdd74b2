"""The clinic's places and when they are open: weekly opening hours, closures and reduced hours for a date,
and chairs with what each can serve (nasal spray, IV infusion). Scheduling asks here what a day's hours are
and which chairs may take a visit."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, unique=True)
    opens = models.TimeField()
    closes = models.TimeField()
    history = HistoricalRecords()

    class Meta:
        app_label = "clinic"
        ordering = ["weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(condition=models.Q(opens__lt=models.F("closes")), name="opens_before_closes")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Capability(models.TextChoices):
    """What a visit needs from its chair."""

    NASAL_SPRAY = "nasal_spray", "Nasal spray"
    IV_INFUSION = "iv_infusion", "IV infusion"


class Chair(models.Model):
    name = models.CharField(max_length=60, unique=True)
    location = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField("active", default=True)
    nasal_spray = models.BooleanField("serves nasal spray (esketamine)", default=True)
    iv_infusion = models.BooleanField("serves IV infusion", default=True)
    history = HistoricalRecords()

    class Meta:
        app_label = "clinic"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def serves(self, need: str | None) -> bool:
        """Whether the chair can take a visit that needs ``need`` (a Capability; None: any chair)."""
        return need is None or bool(getattr(self, need))

    @property
    def capability_text(self) -> str:
        return ", ".join(c.label for c in Capability if self.serves(c.value)) or "none"


def chairs_serving(need: str | None):
    """Active chairs able to take a visit that needs ``need``."""
    chairs = Chair.objects.filter(is_active=True)
    return chairs.filter(**{need: True}) if need else chairs


class Closure(models.Model):
    """A date the clinic is closed (a public holiday, staff training) or open only for reduced hours."""

    date = models.DateField(unique=True)
    opens = models.TimeField(null=True, blank=True, help_text="Reduced hours: empty for closed all day.")
    closes = models.TimeField(null=True, blank=True)
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        app_label = "clinic"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens__isnull=True, closes__isnull=True)
                | models.Q(opens__isnull=False, closes__isnull=False, opens__lt=models.F("closes")),
                name="closure_hours_both_or_none",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.hours_text}: {self.reason}"

    @property
    def is_closed_all_day(self) -> bool:
        return self.opens is None

    @property
    def hours_text(self) -> str:
        return "closed" if self.is_closed_all_day else f"open {self.opens:%H:%M}–{self.closes:%H:%M} only"

    def clean(self) -> None:
        if (self.opens is None) != (self.closes is None):
            raise ValidationError({"closes": "Give both reduced opening and closing times, or neither (closed)."})
        if self.opens is not None and self.opens >= self.closes:
            raise ValidationError({"closes": "The clinic must close after it opens."})


def closures_between(start: dt.date, end: dt.date) -> dict[dt.date, Closure]:
    return {c.date: c for c in Closure.objects.filter(date__gte=start, date__lte=end)}


def hours_on(
    day: dt.date, weekly: dict[int, tuple[dt.time, dt.time]], closures: dict[dt.date, Closure]
) -> tuple[dt.time, dt.time] | None:
    """The day's opening hours: a closure or reduced hours for the date win over the weekly hours."""
    hours = weekly.get(day.weekday())
    closure = closures.get(day)
    if closure is None or hours is None:
        return hours
    if closure.is_closed_all_day:
        return None
    return max(hours[0], closure.opens), min(hours[1], closure.closes)


def opening_on(day: dt.date) -> tuple[dt.time, dt.time] | None:
    """One day's opening hours (two queries), closures and reduced hours included."""
    weekly = {h.weekday: (h.opens, h.closes) for h in OpeningHours.objects.filter(weekday=day.weekday())}
    return hours_on(day, weekly, closures_between(day, day))
