"""Forms of the clinic app: they validate and normalise; layout through crispy FormHelper."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError

from .models import Chair, ClinicSettings, Patient, Role, StaffShift, User, Weekday
from .places import Closure
from .thresholds import THRESHOLD_SOURCES
from .validators import no_hidden_characters


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError beside the field it names, or above the form.

    The one place that turns a service's refusal into form errors, so every page shows it the same way.
    """
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ActionForm(forms.Form):
    """A small form posting to one action URL, laid out by crispy."""

    submit_label = "Save"
    submit_class = "btn-primary"
    layout: Layout | None = None

    def __init__(self, *args, action: str = "", **kwargs):
        # Several of these forms share a page: ids are unique per form (id_vitals_taken_at, …).
        kwargs.setdefault("auto_id", f"id_{self.__class__.__name__.removesuffix('Form').lower()}_%s")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        if self.layout is not None:
            self.helper.layout = self.layout
        self.helper.add_input(button(self.submit_label, self.submit_class))


def button(label: str, css_class: str) -> Submit:
    """A submit button styled by ``css_class`` alone (crispy's ``Submit`` adds ``btn-primary`` to any class
    given, which turned an outline-danger button into dark red text on blue)."""
    submit = Submit("submit", label)
    submit.field_classes = f"btn {css_class}"
    return submit


class CrispyMixin:
    submit_label = "Save"

    def _helper(self, layout: Layout | None = None) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = True
        if layout is not None:
            helper.layout = layout
        helper.add_input(Submit("submit", self.submit_label, css_class="btn-primary btn-lg"))
        return helper


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a patient",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Name or date of birth (YYYY-MM-DD)", "autofocus": True}),
    )
    archived = forms.BooleanField(label="Include archived", required=False)


class PatientForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "address",
            "weight_kg",
            "emergency_contact_name",
            "emergency_contact_phone",
            "usual_ride_name",
            "usual_ride_phone",
            "rems_status",
            "rems_enrolled_on",
            "rems_patient_id",
            *Patient.CONTRAINDICATION_FIELDS,
            "contraindications_screened_on",
            "med_benzodiazepines",
            "med_nonbenzo_hypnotics",
            "med_psychostimulants",
            "med_maois",
            "med_opioids",
            "medication_notes",
            "pregnancy_relevant",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "rems_enrolled_on": DateInput(),
            "contraindications_screened_on": DateInput(),
            "address": forms.Textarea(attrs={"rows": 2}),
            "medication_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper(
            Layout(
                Fieldset(
                    "Identity and contact",
                    Row(Column("first_name"), Column("last_name")),
                    Row(Column("date_of_birth"), Column("sex"), Column("weight_kg")),
                    Row(Column("phone"), Column("email")),
                    "address",
                    Row(Column("emergency_contact_name"), Column("emergency_contact_phone")),
                ),
                Fieldset("Usual ride home", Row(Column("usual_ride_name"), Column("usual_ride_phone"))),
                Fieldset(
                    "SPRAVATO REMS", Row(Column("rems_status"), Column("rems_enrolled_on"), Column("rems_patient_id"))
                ),
                Fieldset(
                    "Contraindication screen (any ticked box blocks treatment)",
                    *Patient.CONTRAINDICATION_FIELDS,
                    "contraindications_screened_on",
                ),
                Fieldset(
                    "Concomitant medications of concern",
                    HTML(
                        '<p class="small text-body-secondary">Sedating: benzodiazepines, non-benzodiazepine '
                        "hypnotics, opioids. Raising blood pressure: psychostimulants, MAOIs.</p>"
                    ),
                    Row(Column("med_benzodiazepines"), Column("med_nonbenzo_hypnotics"), Column("med_opioids")),
                    Row(Column("med_psychostimulants"), Column("med_maois")),
                    "medication_notes",
                    "pregnancy_relevant",
                ),
            )
        )

    def clean_first_name(self) -> str:
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self) -> str:
        return self.cleaned_data["last_name"].strip()


class ArchiveForm(CrispyMixin, forms.Form):
    submit_label = "Archive patient"
    reason = forms.CharField(max_length=200, help_text="Why the record is archived (e.g. moved clinic, course ended).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
        self.helper.inputs[0].field_classes = "btn btn-danger btn-lg"


class PortalInviteForm(CrispyMixin, forms.Form):
    submit_label = "Create login and send invitation"
    username = forms.CharField(max_length=150)
    email = forms.EmailField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken (usernames ignore case).")
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A login with that email already exists.")
        return email


class StaffForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "title",
            "phone",
            "role",
            "is_prescriber",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(Role.STAFF, "Clinical staff"), (Role.ADMIN, "Admin")]
        self.fields["email"].required = True
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        for name in ("first_name", "last_name"):  # AbstractUser's fields: the validator is added here
            self.fields[name].validators.append(no_hidden_characters)
        self.helper = self._helper(
            Layout(
                Row(Column("username"), Column("email")),
                Row(Column("first_name"), Column("last_name"), Column("title")),
                Row(Column("phone"), Column("role")),
                Row(Column("is_prescriber"), Column("is_active")),
            )
        )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        clash = User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("That username is taken (usernames ignore case).")
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        clash = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another login already uses that email.")
        return email


class ChairForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Chair
        fields = ["name", "location", "is_active", "nasal_spray", "iv_infusion"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        others = Chair.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("A chair or room with this name already exists.")
        return name


SETTINGS_GROUPS = {
    "Clinic": ["name", "address", "phone", "email", "time_zone", "rems_setting_id", "currency"],
    "Blood pressure before dosing": ["predose_systolic_max", "predose_diastolic_max"],
    "Discharge": ["discharge_systolic_max", "discharge_diastolic_max", "esketamine_observation_minutes"],
    "Escalation alerts": [
        "escalation_systolic_repeat",
        "escalation_diastolic_repeat",
        "escalation_repeat_minutes",
        "escalation_systolic_once",
        "escalation_diastolic_once",
        "escalation_heart_rate",
        "escalation_spo2_min",
        "escalation_moaas_max",
    ],
    "Monitoring times": [
        "bp_check_minutes",
        "sedation_check_minutes",
        "check_grace_minutes",
        "device_interval_minutes",
        "iv_bp_during_minutes",
        "iv_bp_after_minutes",
        "iv_recovery_minutes",
        "discharge_bp_recent_minutes",
        "cadss_resolved_max",
    ],
    "Scheduling and staffing": [
        "min_days_between_induction",
        "phase_slip_days",
        "checkin_early_minutes",
        "patients_per_nurse",
    ],
    "Reminders and REMS": [
        "reminder_hours_before",
        "ride_reminder_hours_before",
        "rems_form_due_days",
        "device_use_within_days",
    ],
    "Fees": ["cancellation_fee", "no_show_fee", "late_cancel_hours"],
}


class ClinicSettingsForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = ClinicSettings
        fields = [name for group in SETTINGS_GROUPS.values() for name in group]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, note in THRESHOLD_SOURCES.items():
            if name in self.fields:
                self.fields[name].help_text = note
        self.helper = self._helper(Layout(*[Fieldset(title, *fields) for title, fields in SETTINGS_GROUPS.items()]))


class OpeningHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, widget=forms.HiddenInput())
    opens = forms.TimeField(required=False, widget=TimeInput())
    closes = forms.TimeField(required=False, widget=TimeInput())
    closed = forms.BooleanField(required=False, label="Closed")

    def clean(self):
        data = super().clean()
        if not data.get("closed"):
            opens, closes = data.get("opens"), data.get("closes")
            if not opens or not closes:
                raise forms.ValidationError("Give opening and closing times, or tick Closed.")
            if opens >= closes:
                raise forms.ValidationError("Opening time must be before closing time.")
        return data


class BaseOpeningHoursFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        days = sorted(form.cleaned_data["weekday"] for form in self.forms)
        if days != list(Weekday.values):
            raise forms.ValidationError("Give each weekday exactly once.")


OpeningHoursFormSet = forms.formset_factory(
    OpeningHoursForm,
    formset=BaseOpeningHoursFormSet,
    extra=0,
    min_num=7,
    max_num=7,
    validate_max=True,
    absolute_max=7,  # "each weekday exactly once" is checked in clean(): unchanged rows count as empty for validate_min
)


class StaffShiftForm(CrispyMixin, forms.ModelForm):
    submit_label = "Add to rota"

    class Meta:
        model = StaffShift
        fields = ["date", "staff", "starts", "ends"]
        widgets = {"date": DateInput(), "starts": TimeInput(), "ends": TimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = User.objects.filter(role__in=[Role.STAFF, Role.ADMIN], is_active=True).order_by(
            "last_name"
        )
        self.helper = self._helper(Layout(Row(Column("date"), Column("staff"), Column("starts"), Column("ends"))))

    def clean(self):
        data = super().clean()
        if data.get("starts") and data.get("ends") and data["starts"] >= data["ends"]:
            raise forms.ValidationError("A shift must start before it ends.")
        return data


class ClosureForm(CrispyMixin, forms.ModelForm):
    submit_label = "Add the closure"

    class Meta:
        model = Closure
        fields = ["date", "opens", "closes", "reason"]
        widgets = {"date": DateInput(), "opens": TimeInput(), "closes": TimeInput()}
        labels = {"opens": "Reduced hours: opens", "closes": "Reduced hours: closes"}
        help_texts = {"closes": "Leave both times empty when the clinic is closed all day."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper(Layout(Row(Column("date"), Column("opens"), Column("closes")), "reason"))

    def validate_unique(self):
        """The service says when the date already has a closure."""
