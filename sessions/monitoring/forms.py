"""Forms of the live session screen, REMS and lots.

They validate ranges and required answers with a message beside the field; the services check
the clinical rules (state, thresholds, timing) and the views show those messages too.
"""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils import timezone

from clinic.forms import ActionForm, DateInput, TimeInput
from clinic.idempotency import key_field
from clinic.models import Chair, Patient
from clinic.validators import WithinYears
from sessions.models import AmendedField, CheckIn, Decision, DeviceReceipt, Drug, DrugLot, Severity
from sessions.models.monitoring import (
    CADSS6_ITEMS,
    DIASTOLIC_RANGE,
    HEART_RATE_RANGE,
    MG_PER_KG_RANGE,
    MOAAS_LABELS,
    READY_MINUTES_RANGE,
    SPO2_RANGE,
    SYSTOLIC_RANGE,
    WEIGHT_KG_RANGE,
)
from sessions.monitoring import amendments


def at_time(value: dt.time | None) -> dt.datetime | None:
    """A time of day typed on the tablet, as an aware datetime today (None: now)."""
    if value is None:
        return None
    today = timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today, value))


def time_field(label: str = "Time (empty = now)") -> forms.TimeField:
    return forms.TimeField(label=label, required=False, widget=TimeInput())


class CheckInForm(forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = [
            "identity_confirmed",
            "no_food_2h",
            "no_drink_30min",
            "nasal_spray_ok",
            "ride_name",
            "ride_phone",
            "med_benzodiazepines",
            "med_nonbenzo_hypnotics",
            "med_opioids",
            "med_psychostimulants",
            "med_maois",
            "medication_changes",
            "contraindications_unchanged",
            "rems_enrolled",
            "pregnancy",
            "notes",
        ]
        widgets = {"medication_changes": forms.Textarea(attrs={"rows": 2}), "notes": forms.Textarea(attrs={"rows": 2})}

    chair = forms.ModelChoiceField(queryset=Chair.objects.none(), required=False, label="Move to a free chair")

    def __init__(
        self, *args, action: str = "", submit_label: str = "Check in", occupied: tuple[str, list] = ("", []), **kwargs
    ):
        """``occupied``: when the booked chair is occupied, the message and the free chairs to offer."""
        super().__init__(*args, **kwargs)
        self.fields["identity_confirmed"].required = True
        self.fields["identity_confirmed"].label = "Identity confirmed (name and date of birth)"
        message, free = occupied
        first = []
        if message:
            self.fields["chair"].queryset = Chair.objects.filter(pk__in=[c.pk for c in free]).order_by("name")
            self.fields["chair"].help_text = (
                f"{message} The booking moves to the chair you choose."
                if free
                else f"{message} No other chair able to serve this protocol is free: wait until it is discharged."
            )
            first = ["chair"]
        else:
            del self.fields["chair"]
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.layout = Layout(
            *first,
            "identity_confirmed",
            Row(Column("no_food_2h"), Column("no_drink_30min")),
            "nasal_spray_ok",
            Row(Column("ride_name"), Column("ride_phone")),
            Row(Column("med_benzodiazepines"), Column("med_nonbenzo_hypnotics"), Column("med_opioids")),
            Row(Column("med_psychostimulants"), Column("med_maois")),
            "medication_changes",
            Row(Column("contraindications_unchanged"), Column("rems_enrolled")),
            "pregnancy",
            "notes",
        )
        self.helper.add_input(Submit("submit", submit_label, css_class="btn-primary btn-lg"))

    @classmethod
    def initial_for(cls, patient: Patient, ride=None) -> dict:
        initial = {f: getattr(patient, f) for f in Patient.SEDATING_MED_FIELDS + Patient.BP_RAISING_MED_FIELDS}
        initial["ride_name"] = (ride.driver_name if ride and ride.driver_name else "") or patient.usual_ride_name
        initial["ride_phone"] = (ride.driver_phone if ride and ride.driver_phone else "") or patient.usual_ride_phone
        initial["pregnancy"] = (
            CheckIn.Pregnancy.NOT_PREGNANT if patient.pregnancy_relevant else CheckIn.Pregnancy.NOT_ASKED
        )
        return initial


class VitalsForm(ActionForm):
    submit_label = "Record vitals"
    systolic = forms.IntegerField(min_value=SYSTOLIC_RANGE[0], max_value=SYSTOLIC_RANGE[1])
    diastolic = forms.IntegerField(min_value=DIASTOLIC_RANGE[0], max_value=DIASTOLIC_RANGE[1])
    heart_rate = forms.IntegerField(
        label="Heart rate", required=False, min_value=HEART_RATE_RANGE[0], max_value=HEART_RATE_RANGE[1]
    )
    spo2 = forms.IntegerField(label="SpO2 %", required=False, min_value=SPO2_RANGE[0], max_value=SPO2_RANGE[1])
    taken_at = time_field()
    idempotency_key = key_field()  # a resubmission (retry, double tap) records nothing twice
    layout = Layout(
        Row(Column("systolic"), Column("diastolic")),
        Row(Column("heart_rate"), Column("spo2")),
        "taken_at",
        "idempotency_key",
    )

    def clean(self):
        data = super().clean()
        sys_, dia = data.get("systolic"), data.get("diastolic")
        if sys_ is not None and dia is not None and sys_ <= dia:
            self.add_error("systolic", "Systolic must be above diastolic.")
        return data


class DecisionForm(ActionForm):
    submit_label = "Record decision"
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class DeferForm(ActionForm):
    submit_label = "Defer: no dose today"
    submit_class = "btn-outline-danger"
    reason = forms.CharField(max_length=300, label="Reason for deferring")


class DeviceForm(ActionForm):
    submit_label = "Record device"
    lot = forms.ModelChoiceField(queryset=DrugLot.objects.none(), label="Lot")
    receipt = forms.ModelChoiceField(
        queryset=DeviceReceipt.objects.none(), required=False, label="Patient-specific devices (if any)"
    )
    given_at = time_field("Time given (empty = now)")
    layout = Layout(Row(Column("lot"), Column("given_at")), "receipt")

    def __init__(self, *args, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = DrugLot.objects.filter(
            drug=Drug.ESKETAMINE, expires_on__gte=timezone.localdate()
        ).order_by("expires_on")
        if patient is not None:
            self.fields["receipt"].queryset = DeviceReceipt.objects.filter(patient=patient).select_related("lot")
        _preselect_only_lot(self)


class InfusionStartForm(ActionForm):
    submit_label = "Start infusion"
    lot = forms.ModelChoiceField(queryset=DrugLot.objects.none(), label="Lot")
    weight_kg = forms.DecimalField(
        label="Weight (kg)", min_value=WEIGHT_KG_RANGE[0], max_value=WEIGHT_KG_RANGE[1], decimal_places=1
    )
    mg_per_kg = forms.DecimalField(
        label="mg/kg", min_value=MG_PER_KG_RANGE[0], max_value=MG_PER_KG_RANGE[1], decimal_places=2
    )
    started_at = time_field("Start (empty = now)")
    layout = Layout(Row(Column("weight_kg"), Column("mg_per_kg")), Row(Column("lot"), Column("started_at")))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = DrugLot.objects.filter(
            drug=Drug.KETAMINE, expires_on__gte=timezone.localdate()
        ).order_by("expires_on")
        _preselect_only_lot(self)


def _preselect_only_lot(form: forms.Form) -> None:
    """When a single usable lot is in stock it is chosen already (one tap fewer at the chair)."""
    if form.is_bound or "lot" in form.initial:
        return
    lots = list(form.fields["lot"].queryset.values_list("pk", flat=True)[:2])
    if len(lots) == 1:
        form.initial["lot"] = lots[0]


class InfusionEndForm(ActionForm):
    submit_label = "End infusion"
    ended_at = time_field("End (empty = now)")


class MoaasForm(ActionForm):
    submit_label = "Record MOAA/S"
    score = forms.TypedChoiceField(
        label="MOAA/S", coerce=int, choices=[(k, v) for k, v in MOAAS_LABELS.items()], widget=forms.RadioSelect
    )
    taken_at = time_field()


class CadssForm(ActionForm):
    """CADSS: the 6-item short form (items 1, 2, 6, 7, 15, 22) or all 23 items, each 0–4."""

    submit_label = "Record CADSS"
    taken_at = time_field()

    def __init__(self, *args, full: bool = False, **kwargs):
        if full:
            kwargs.setdefault("auto_id", "id_cadssfull_%s")
        super().__init__(*args, **kwargs)
        self.full = full
        numbers = range(1, 24) if full else CADSS6_ITEMS
        choices = [(i, str(i)) for i in range(5)]
        for n in numbers:
            self.fields[f"item_{n}"] = forms.TypedChoiceField(
                label=f"Item {n}", coerce=int, choices=choices, initial=0, widget=forms.Select
            )
        names = [f"item_{n}" for n in numbers]
        rows = [
            Row(*[Column(n, css_class="col-4 col-md-2") for n in names[i : i + 6]]) for i in range(0, len(names), 6)
        ]
        self.helper.layout = Layout(*rows, "taken_at")

    def items(self) -> list[int]:
        numbers = range(1, 24) if self.full else CADSS6_ITEMS
        return [self.cleaned_data[f"item_{n}"] for n in numbers]


class AdverseEventForm(ActionForm):
    submit_label = "Record adverse event"
    submit_class = "btn-outline-danger"
    description = forms.CharField(max_length=300, label="What happened")
    severity = forms.ChoiceField(choices=Severity.choices)
    occurred_at = time_field("When (empty = now)")
    action = forms.CharField(max_length=300, required=False, label="Action taken")
    serious = forms.BooleanField(required=False, label="Serious adverse event")
    layout = Layout("description", Row(Column("severity"), Column("occurred_at")), "action", "serious")


class DischargeForm(ActionForm):
    submit_label = "Discharge and sign"
    submit_class = "btn-success btn-lg"
    clinician_ready = forms.BooleanField(required=False, label="I judge the patient ready to leave")
    ready_without_rule_minutes = forms.IntegerField(
        required=False,
        min_value=READY_MINUTES_RANGE[0],
        max_value=READY_MINUTES_RANGE[1],
        label="REMS: when would the patient have been ready to leave without the 2-hour rule? (minutes after the first device)",
    )
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        label="Prescriber override: written reason (only when a criterion is not met)",
    )


class AcknowledgeForm(ActionForm):
    submit_label = "Acknowledge"
    submit_class = "btn-warning"
    action = forms.CharField(max_length=500, label="Action taken")


class AmendmentForm(ActionForm):
    """A correction: pick the reading (or the dose) and give the correct value; or describe something else."""

    OTHER = "other"
    submit_label = "Add amendment"
    target = forms.ChoiceField(label="What is corrected")
    corrected = forms.CharField(
        max_length=300, label="Correct value", help_text="Blood pressure as 150/95; scores, rates and doses as numbers."
    )
    reason = forms.CharField(max_length=300, error_messages={"required": "Give the reason for the correction."})
    subject = forms.CharField(max_length=120, required=False, label="Something else: what is corrected")
    original = forms.CharField(max_length=300, required=False, label="Something else: as recorded")
    layout = Layout("target", "corrected", "reason", Row(Column("subject"), Column("original")))

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.fields["target"].choices = self.target_choices(session) if session is not None else []

    @classmethod
    def target_choices(cls, session) -> list[tuple[str, str]]:
        choices = []
        for r in amendments.amended_vitals(session):
            at = f"{timezone.localtime(r.taken_at):%H:%M}"
            kind = r.get_kind_display().lower()
            choices.append((f"vitals:{r.pk}:{AmendedField.BP}", f"BP at {at} ({kind}): {r.bp}"))
            if r.heart_rate is not None:
                choices.append((f"vitals:{r.pk}:{AmendedField.HEART_RATE}", f"Heart rate at {at}: {r.heart_rate}"))
            if r.spo2 is not None:
                choices.append((f"vitals:{r.pk}:{AmendedField.SPO2}", f"SpO2 at {at}: {r.spo2}%"))
        for a in amendments.amended_assessments(session):
            name = a.get_scale_display().split(" (")[0]
            choices.append((f"assessment:{a.pk}", f"{name} at {timezone.localtime(a.taken_at):%H:%M}: {a.score}"))
        if session.first_dose_at is not None:
            dose, _ = amendments.amended_dose(session)
            choices.append((AmendedField.DOSE.value, f"Dose given: {amendments.dose_text(dose)}"))
        choices.append((cls.OTHER, "Something else (describe below)"))
        return choices

    def service_args(self) -> dict:
        """The amendment service's keyword arguments for the chosen target."""
        d = self.cleaned_data
        args = {"reason": d["reason"], "corrected": d["corrected"]}
        kind, _, rest = d["target"].partition(":")
        if kind == "vitals":
            pk, _, field = rest.partition(":")
            args["vitals"] = next(r for r in self.session.vitals.all() if str(r.pk) == pk)
            args["corrects"] = field
        elif kind == "assessment":
            args["assessment"] = next(a for a in self.session.assessments.all() if str(a.pk) == rest)
            args["corrects"] = AmendedField.SCORE
        elif kind == AmendedField.DOSE:
            args["corrects"] = AmendedField.DOSE
        else:
            args.update(subject=d["subject"], original=d["original"])
        return args


class MissedCheckForm(ActionForm):
    """A prescriber's reason why a scheduled check was not taken (one per check, on the session page)."""

    submit_label = "Record why not taken"
    submit_class = "btn-outline-danger"
    key = forms.CharField(max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why was it not taken? (prescriber)",
        error_messages={"required": "Write why the check was not taken."},
    )


class RemsSubmitForm(ActionForm):
    submit_label = "Mark submitted"
    submitted_on = forms.DateField(widget=DateInput(), initial=timezone.localdate)
    confirmation_number = forms.CharField(max_length=60)
    layout = Layout(Row(Column("submitted_on"), Column("confirmation_number")))


# A lot is received and expires within 10 years of today (far dates overflowed further on).
LOT_REACH = WithinYears(ahead=10, back=10)


class LotForm(ActionForm):
    submit_label = "Receive lot"
    drug = forms.ChoiceField(choices=Drug.choices)
    lot_number = forms.CharField(max_length=40)
    received_on = forms.DateField(widget=DateInput(), initial=timezone.localdate, validators=[LOT_REACH])
    expires_on = forms.DateField(widget=DateInput(), validators=[LOT_REACH])
    quantity = forms.IntegerField(min_value=1, max_value=100000, help_text="Devices for esketamine, mg for ketamine.")
    supplier = forms.CharField(max_length=120, required=False)
    layout = Layout(
        Row(Column("drug"), Column("lot_number")),
        Row(Column("received_on"), Column("expires_on"), Column("quantity")),
        "supplier",
    )

    def clean(self):
        data = super().clean()
        if data.get("received_on") and data.get("expires_on") and data["expires_on"] < data["received_on"]:
            self.add_error("expires_on", "The lot expires before it was received.")
        if data.get("received_on") and data["received_on"] > timezone.localdate():
            self.add_error("received_on", "The receipt date cannot be in the future.")
        if data.get("drug") and data.get("lot_number"):
            if DrugLot.objects.filter(drug=data["drug"], lot_number=data["lot_number"].strip()).exists():
                self.add_error("lot_number", "This lot is already recorded.")
        return data


class ReceiptForm(ActionForm):
    submit_label = "Record receipt"
    patient = forms.ModelChoiceField(queryset=Patient.objects.none())
    lot = forms.ModelChoiceField(queryset=DrugLot.objects.none())
    devices = forms.IntegerField(min_value=1, max_value=30)
    received_on = forms.DateField(widget=DateInput(), initial=timezone.localdate)
    layout = Layout("patient", Row(Column("lot"), Column("devices"), Column("received_on")))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = Patient.objects.active()
        self.fields["lot"].queryset = DrugLot.objects.filter(drug=Drug.ESKETAMINE)
