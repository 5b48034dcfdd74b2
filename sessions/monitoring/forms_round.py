"""The check round form: BP, MOAA/S and the CADSS short form of one check on one form."""

from __future__ import annotations

from crispy_forms.layout import Column, Layout, Row
from django import forms

from clinic.forms import ActionForm
from sessions.models.monitoring import (
    CADSS6_ITEMS,
    DIASTOLIC_RANGE,
    HEART_RATE_RANGE,
    MOAAS_LABELS,
    SPO2_RANGE,
    SYSTOLIC_RANGE,
)
from sessions.monitoring.forms import time_field


class CheckRoundForm(ActionForm):
    """BP, MOAA/S and the CADSS short form of one check, together."""

    submit_label = "Record the check round"
    submit_class = "btn-primary btn-lg"
    systolic = forms.IntegerField(min_value=SYSTOLIC_RANGE[0], max_value=SYSTOLIC_RANGE[1])
    diastolic = forms.IntegerField(min_value=DIASTOLIC_RANGE[0], max_value=DIASTOLIC_RANGE[1])
    heart_rate = forms.IntegerField(
        label="Heart rate", required=False, min_value=HEART_RATE_RANGE[0], max_value=HEART_RATE_RANGE[1]
    )
    spo2 = forms.IntegerField(label="SpO2 %", required=False, min_value=SPO2_RANGE[0], max_value=SPO2_RANGE[1])
    moaas = forms.TypedChoiceField(
        label="MOAA/S", coerce=int, choices=[(k, v) for k, v in MOAAS_LABELS.items()], widget=forms.RadioSelect
    )
    with_cadss = forms.BooleanField(label="Include CADSS (short form)", required=False, initial=True)
    taken_at = time_field()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_round_%s")
        super().__init__(*args, **kwargs)
        choices = [(i, str(i)) for i in range(5)]
        for n in CADSS6_ITEMS:
            self.fields[f"item_{n}"] = forms.TypedChoiceField(
                label=f"CADSS {n}", coerce=int, choices=choices, initial=0, widget=forms.Select
            )
        names = [f"item_{n}" for n in CADSS6_ITEMS]
        self.helper.layout = Layout(
            Row(Column("systolic"), Column("diastolic")),
            Row(Column("heart_rate"), Column("spo2")),
            "moaas",
            "with_cadss",
            Row(*[Column(n, css_class="col-4 col-md-2") for n in names]),
            "taken_at",
        )

    def clean(self):
        data = super().clean()
        sys_, dia = data.get("systolic"), data.get("diastolic")
        if sys_ is not None and dia is not None and sys_ <= dia:
            self.add_error("systolic", "Systolic must be above diastolic.")
        return data

    def cadss_items(self) -> list[int] | None:
        if not self.cleaned_data.get("with_cadss"):
            return None
        return [self.cleaned_data[f"item_{n}"] for n in CADSS6_ITEMS]
