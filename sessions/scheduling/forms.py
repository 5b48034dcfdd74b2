"""Forms of scheduling: plan a course, review it, change a booking, rides, calendar filters."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from clinic.forms import CrispyMixin, DateInput, TimeInput
from clinic.idempotency import key_field
from clinic.models import Chair, ClinicSettings, Patient, User, Weekday
from clinic.validators import no_hidden_characters, within_booking_reach
from sessions.models import Protocol, ProtocolPhase, ReviewDecision, RideKind
from sessions.scheduling.calendars import calendar_choices
from sessions.scheduling.planning import PLANNING_REACH


def clinic_datetime(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=ClinicSettings.load().tz)


class CourseForm(CrispyMixin, forms.Form):
    submit_label = "Book the course"
    patient = forms.ModelChoiceField(queryset=Patient.objects.none())
    protocol = forms.ModelChoiceField(queryset=Protocol.objects.none())
    prescriber = forms.ModelChoiceField(queryset=User.objects.none())
    start_date = forms.DateField(
        widget=DateInput(), help_text="First day the series may start.", validators=[within_booking_reach]
    )
    weekdays = forms.TypedMultipleChoiceField(
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Twice-weekly induction needs two days with room between them, e.g. Monday and Thursday.",
    )
    time = forms.TimeField(widget=TimeInput(), help_text="Arrival (check-in) time.")
    preferred_chair = forms.ModelChoiceField(
        queryset=Chair.objects.all(), required=False, help_text="Leave empty to take any free chair."
    )
    plan_token = forms.CharField(required=False, widget=forms.HiddenInput)  # the plan the preview showed

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = Patient.objects.active()
        self.fields["protocol"].queryset = Protocol.objects.filter(is_active=True)
        self.fields["prescriber"].queryset = User.objects.filter(is_prescriber=True, is_active=True).order_by(
            "last_name"
        )
        self.fields["preferred_chair"].queryset = Chair.objects.order_by("-is_active", "name")
        self.helper = self._helper(
            Layout(
                Row(Column("patient"), Column("protocol")),
                Row(Column("prescriber"), Column("preferred_chair")),
                Row(Column("start_date"), Column("time")),
                "weekdays",
                "plan_token",
            )
        )
        self.helper.form_id = "plan-course-form"
        preview = Submit("preview", "Preview the plan")
        preview.field_classes = "btn btn-outline-primary btn-lg"
        self.helper.add_input(preview)


class ReviewForm(CrispyMixin, forms.Form):
    submit_label = "Record the review"
    decision = forms.ChoiceField(choices=ReviewDecision.choices, widget=forms.RadioSelect)
    next_phase = forms.ModelChoiceField(
        queryset=ProtocolPhase.objects.none(), required=False, help_text="Leave empty for the protocol's next phase."
    )
    interval_weeks = forms.IntegerField(
        min_value=1, max_value=8, required=False, help_text="For a changed frequency: every how many weeks."
    )
    sessions_to_plan = forms.IntegerField(
        min_value=1, max_value=52, required=False, help_text="Leave empty for the phase's usual number."
    )
    start_date = forms.DateField(
        widget=DateInput(),
        required=False,
        help_text="Leave empty to continue straight on.",
        validators=[within_booking_reach],
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Response, tolerability."
    )

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_phase"].queryset = course.protocol.phases.order_by("order")
        self.helper = self._helper(
            Layout(
                "decision",
                Row(Column("next_phase"), Column("interval_weeks")),
                Row(Column("sessions_to_plan"), Column("start_date")),
                "notes",
            )
        )

    def clean_start_date(self):
        value = self.cleaned_data.get("start_date")
        if value and value < timezone.localdate(timezone=ClinicSettings.load().tz):
            raise ValidationError("The start date is in the past.")
        return value


class ReasonForm(CrispyMixin, forms.Form):
    reason = forms.CharField(max_length=300)

    def __init__(self, *args, submit_label: str = "Save", danger: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submit_label = submit_label
        self.helper = self._helper()
        if danger:
            self.helper.inputs[0].field_classes = "btn btn-danger btn-lg"


class ResumeForm(CrispyMixin, forms.Form):
    submit_label = "Resume and book the rest of the phase"
    start_date = forms.DateField(widget=DateInput(), validators=[within_booking_reach])
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()


class RescheduleForm(forms.Form):
    date = forms.DateField(widget=DateInput(), validators=[within_booking_reach])
    time = forms.TimeField(widget=TimeInput())
    chair = forms.ModelChoiceField(queryset=Chair.objects.none())
    window_reason = forms.CharField(
        label="Reason to move beyond the phase's window (prescriber)",
        max_length=200,
        required=False,
        help_text="Only needed for a day after the phase's weeks and the clinic's allowed slip.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = Chair.objects.order_by("-is_active", "name")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Row(Column("date"), Column("time"), Column("chair")), "window_reason", "version")
        self.helper.add_input(Submit("submit", "Move the booking", css_class="btn-primary"))

    def start(self) -> dt.datetime:
        return clinic_datetime(self.cleaned_data["date"], self.cleaned_data["time"])


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="e.g. patient unwell, transport fell through.")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        cancel = Submit("submit", "Cancel the booking")
        cancel.field_classes = "btn btn-outline-danger"
        self.helper.add_input(cancel)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class SlotForm(forms.Form):
    """One offered slot (hidden fields behind a button)."""

    start = forms.DateTimeField(widget=forms.HiddenInput, validators=[within_booking_reach])
    chair = forms.ModelChoiceField(queryset=Chair.objects.filter(is_active=True), widget=forms.HiddenInput)
    idempotency_key = key_field()  # {% idempotency_input %} in the template: a resubmission books once


class RideForm(CrispyMixin, forms.Form):
    submit_label = "Save the ride"
    kind = forms.ChoiceField(label="Who drives", choices=RideKind.choices)
    driver_name = forms.CharField(
        label="Driver's name", max_length=120, required=False, validators=[no_hidden_characters]
    )
    driver_phone = forms.CharField(label="Driver's phone", max_length=25, required=False)
    notes = forms.CharField(max_length=200, required=False)
    confirm = forms.BooleanField(
        label="The ride is confirmed: this person will collect me / the patient", required=False
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper(
            Layout("kind", Row(Column("driver_name"), Column("driver_phone")), "notes", "confirm")
        )
        self.helper.form_action = action
        self.helper.form_id = "ride-form"

    @classmethod
    def for_session(cls, session, *, action: str = "", data=None) -> RideForm:
        ride = getattr(session, "ride", None)
        patient = session.patient
        if ride is not None and ride.driver_name:
            initial = {
                "kind": ride.kind,
                "driver_name": ride.driver_name,
                "driver_phone": ride.driver_phone,
                "notes": ride.notes,
                "confirm": ride.status == "confirmed",
            }
        else:  # the clinic's usual-ride default pre-fills an empty ride
            initial = {
                "kind": RideKind.COMPANION,
                "driver_name": patient.usual_ride_name,
                "driver_phone": patient.usual_ride_phone,
            }
        return cls(data, initial=initial, action=action)


class LoadedChoiceField(forms.ChoiceField):
    """A choice among rows the page already loaded: rendering and checking it run no query (a
    ModelChoiceField queries its list to render and again to check the choice). Cleans to the row or None."""

    def __init__(self, *, empty_label: str | None = None, **kwargs):
        self.empty_label = empty_label
        self.rows: dict[str, object] = {}
        super().__init__(**kwargs)

    def set_rows(self, rows) -> None:
        self.rows = {str(row.pk): row for row in rows}
        blank = [("", self.empty_label)] if self.empty_label is not None else [("", "---------")]
        self.choices = [*blank, *((key, str(row)) for key, row in self.rows.items())]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        row = self.rows.get(str(value))
        if row is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return row

    def validate(self, value):
        forms.Field.validate(self, value)  # the choice itself was checked in to_python


class CalendarFilterForm(forms.Form):
    chair = LoadedChoiceField(required=False, empty_label="All chairs")
    protocol = LoadedChoiceField(required=False, empty_label="All protocols")
    # A search field, not a list of every patient: a five-year clinic has thousands of them.
    patient = forms.CharField(required=False, max_length=80)

    def __init__(self, *args, choices=None, **kwargs):
        """``choices``: the page's ``CalendarChoices``; without them the form loads its two lists."""
        super().__init__(*args, **kwargs)
        choices = choices or calendar_choices()
        self.fields["chair"].set_rows(choices.chairs)
        self.fields["protocol"].set_rows(choices.protocols)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name != "patient" else "form-control"
        self.fields["patient"].widget.input_type = "search"
        self.fields["patient"].widget.attrs.update({"placeholder": "Name or date of birth", "autocomplete": "off"})

    def condition(self) -> Q:
        """The sessions the filters keep, as a condition (empty: every session)."""
        if not self.is_valid():
            return Q()
        data = self.cleaned_data
        condition = Q()
        if data.get("chair"):
            condition &= Q(chair_id=data["chair"].pk)
        if data.get("protocol"):
            condition &= Q(course__protocol_id=data["protocol"].pk)
        if data.get("patient"):
            condition &= Q(patient__in=Patient.objects.search(data["patient"]))
        return condition


class CalendarMoveForm(forms.Form):
    """A booking dropped on (or moved to) a calendar cell: the cell's value is "<ISO start>@<chair id>"."""

    session = forms.IntegerField()
    version = forms.IntegerField()
    slot = forms.CharField(max_length=60)

    def clean_slot(self):
        value = self.cleaned_data["slot"]
        start, _, chair_id = value.partition("@")
        try:
            start = dt.datetime.fromisoformat(start)
        except ValueError:
            raise ValidationError("That cell is not a time on the calendar; reload the page.") from None
        if timezone.is_naive(start):
            start = start.replace(tzinfo=ClinicSettings.load().tz)
        chair = Chair.objects.filter(pk=chair_id).first() if chair_id.isdigit() else None
        if chair is None:
            raise ValidationError("That chair does not exist; reload the page.")
        return start, chair


class FreeSlotForm(forms.Form):
    protocol = LoadedChoiceField(required=True, help_text="Sets how long the visit holds a chair.")
    chair = LoadedChoiceField(required=False, empty_label="Any chair")
    after = forms.DateField(widget=DateInput(), required=False, help_text="From this day on (default today).")

    def __init__(self, *args, choices=None, **kwargs):
        """``choices``: the page's ``CalendarChoices``; without them the form loads its two lists."""
        super().__init__(*args, **kwargs)
        choices = choices or calendar_choices()
        self.fields["protocol"].set_rows(choices.active_protocols)
        self.fields["chair"].set_rows(choices.active_chairs)
        self.choices = choices
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(Row(Column("protocol"), Column("chair"), Column("after")))
        self.helper.add_input(Submit("find", "Find next free slot", css_class="btn-primary"))

    def clean_after(self):
        value = self.cleaned_data.get("after")
        today = timezone.localdate(timezone=ClinicSettings.load().tz)
        if value and value > today + PLANNING_REACH:
            raise ValidationError("Choose a day within the next two years.")
        return value


class AppointmentRequestForm(CrispyMixin, forms.Form):
    submit_label = "Send the request"
    kind = forms.ChoiceField(
        label="I would like to",
        choices=[("move", "Move this appointment"), ("cancel", "Cancel this appointment")],
        widget=forms.RadioSelect,
        initial="move",
    )
    preferred_date = forms.DateField(label="New day", widget=DateInput(), required=False)
    preferred_time = forms.TimeField(label="New time", widget=TimeInput(), required=False)
    note = forms.CharField(label="Anything the clinic should know", max_length=300, required=False)

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper(Layout("kind", Row(Column("preferred_date"), Column("preferred_time")), "note"))
        self.helper.form_action = action
        self.helper.form_id = "change-request-form"

    def clean(self):
        data = super().clean()
        if data.get("kind") == "move":
            if not data.get("preferred_date"):
                self.add_error("preferred_date", "Choose the day you would like instead.")
            if not data.get("preferred_time"):
                self.add_error("preferred_time", "Choose the time you would like instead.")
        return data

    def preferred_start(self) -> dt.datetime | None:
        data = self.cleaned_data
        if data.get("kind") != "move" or not data.get("preferred_date") or not data.get("preferred_time"):
            return None
        return clinic_datetime(data["preferred_date"], data["preferred_time"])


class RequestDeclineForm(forms.Form):
    response = forms.CharField(label="Why not (the patient reads this)", max_length=300)
