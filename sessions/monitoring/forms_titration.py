"""The dose-change form (titration), on the session page and on the course page."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from clinic.forms import ActionForm
from sessions.models import DoseScope
from sessions.monitoring import titration


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, s) -> str:
        when = timezone.localtime(s.planned_start).strftime("%a %d %b %H:%M")
        return f"Session {s.number} · {when} · {s.phase.name} · planned {titration.planned_text(s)}"


class DoseChangeForm(ActionForm):
    """A prescriber's planned dose for one session (or the rest of its phase), with the reason.

    On the session page the session is fixed; on the course page the prescriber picks the first session
    (the next one by default). Esketamine offers 56 or 84 mg; IV and IM ketamine take mg/kg.
    """

    submit_label = "Change the planned dose"

    def __init__(self, *args, session=None, sessions=None, **kwargs):
        kwargs.setdefault("auto_id", "id_dose_%s")
        super().__init__(*args, **kwargs)
        sample = session if session is not None else (sessions.first() if sessions is not None else None)
        if sessions is not None:
            self.fields["session"] = SessionChoiceField(
                queryset=sessions, label="From session", empty_label=None, initial=sample
            )
        if sample is not None and titration.uses_mg_per_kg(sample):
            self.fields["mg_per_kg"] = forms.DecimalField(
                label="Planned dose (mg/kg)",
                max_digits=4,
                decimal_places=2,
                help_text=f"Between {titration.IV_MG_PER_KG_MIN} and {titration.IV_MG_PER_KG_MAX} mg/kg "
                "(published IV ketamine range; usually 0.5).",
            )
        else:
            self.fields["dose_mg"] = forms.TypedChoiceField(
                label="Planned dose",
                coerce=int,
                choices=[(56, "56 mg — 2 devices"), (84, "84 mg — 3 devices")],
                widget=forms.RadioSelect,
                help_text="SPRAVATO: TRD day 1 is 56 mg, then 56 or 84 mg; MDSI 84 mg, may be reduced to 56 mg.",
            )
        self.fields["scope"] = forms.ChoiceField(
            label="Apply to", choices=DoseScope.choices, initial=DoseScope.SESSION, widget=forms.RadioSelect
        )
        self.fields["reason"] = forms.CharField(
            label="Reason",
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 2}),
            error_messages={"required": "Write the reason for the dose change."},
        )

    def service_args(self) -> dict:
        d = self.cleaned_data
        return {
            "reason": d["reason"],
            "scope": d["scope"],
            "dose_mg": d.get("dose_mg"),
            "mg_per_kg": d.get("mg_per_kg"),
        }
