"""Forms of the outcome questionnaires (PHQ-9, GAD-7), answered by the patient in the portal or entered
by staff."""

from __future__ import annotations

from django import forms

from clinic.forms import ActionForm
from sessions.models.outcomes import ANSWERS, ITEMS


class OutcomeForm(ActionForm):
    """PHQ-9 or GAD-7: every question answered 0–3 (over the last two weeks)."""

    submit_label = "Save answers"

    def __init__(self, *args, instrument: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for i, text in enumerate(ITEMS[instrument], start=1):
            self.fields[f"q{i}"] = forms.TypedChoiceField(
                label=f"{i}. {text}", coerce=int, choices=ANSWERS, widget=forms.RadioSelect
            )

    def items(self) -> list[int]:
        return [self.cleaned_data[f"q{i}"] for i in range(1, len(ITEMS[self.instrument]) + 1)]
