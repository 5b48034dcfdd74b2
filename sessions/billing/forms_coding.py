"""Forms for what claims need: billing provider, prescriber NPI, diagnoses, the visit's E/M code.
The identifiers are checked by the services (``coding.py``); the forms only lay the fields out."""

from __future__ import annotations

from crispy_forms.layout import Column, Row
from django import forms

from sessions.billing.coding import EM_LEVELS, PLACE_OF_SERVICE
from sessions.billing.forms import _helper
from sessions.models import BillingProvider


class BillingProviderForm(forms.ModelForm):
    place_of_service = forms.ChoiceField(choices=[(k, f"{k} — {v}") for k, v in PLACE_OF_SERVICE.items()])

    class Meta:
        model = BillingProvider
        fields = [
            "name",
            "npi",
            "tax_id",
            "address_line",
            "city",
            "state",
            "zip_code",
            "phone",
            "place_of_service",
            "ketamine_ndc",
        ]
        help_texts = {"npi": "10 digits; the last is a check digit.", "zip_code": "All nine digits, e.g. 10001-2345."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "Save billing provider",
            Row(
                Column("name", css_class="col-md-6"),
                Column("npi", css_class="col-md-3"),
                Column("tax_id", css_class="col-md-3"),
            ),
            Row(Column("address_line", css_class="col-md-12")),
            Row(
                Column("city", css_class="col-md-5"),
                Column("state", css_class="col-md-2"),
                Column("zip_code", css_class="col-md-5"),
            ),
            Row(
                Column("phone", css_class="col-md-4"),
                Column("place_of_service", css_class="col-md-4"),
                Column("ketamine_ndc", css_class="col-md-4"),
            ),
        )


class PrescriberNpiForm(forms.Form):
    npi = forms.CharField(label="NPI", max_length=12, help_text="The prescriber's individual NPI (10 digits).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save NPI")


class DiagnosesForm(forms.Form):
    codes = forms.CharField(
        label="ICD-10-CM codes",
        max_length=120,
        help_text="Primary first, separated by commas: e.g. F33.2 (recurrent severe depression), R45.851 (suicidal ideation).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save diagnoses")


class EmCodeForm(forms.Form):
    em_code = forms.ChoiceField(
        label="E/M code",
        choices=list(EM_LEVELS.items()),
        widget=forms.RadioSelect,
        help_text="Medical decision making or total time of the visit. Medicare G2082/G2083 visits include it and bill no E/M.",
    )
    clinician_minutes = forms.IntegerField(
        label="Active clinician minutes",
        required=False,
        help_text="Your own time on the visit, not staff monitoring. With 99215, 55+ minutes add +99417 "
        "(each full 15 minutes beyond 40) for payers that allow prolonged-service codes.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save E/M code")
