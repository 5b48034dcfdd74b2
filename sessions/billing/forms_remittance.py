"""Forms for remittance: an 835 upload, a payment entered by hand per claim line, an appeal."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from clinic.forms import DateInput
from sessions.billing.forms import _helper, money
from sessions.billing.remittance import GROUPS, LineEntry

MAX_835_BYTES = 5 * 1024 * 1024


class Upload835Form(forms.Form):
    file = forms.FileField(label="835 file", help_text="The payer's electronic remittance advice (X12 5010 835).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Import 835")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_835_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB: is it an 835?")
        try:
            return upload.name, upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file is not text: an 835 is plain X12 text.") from exc


class ClaimPaymentForm(forms.Form):
    """One row of fields per line of the claim; a line left without a payment is not posted."""

    check_number = forms.CharField(label="Check / EFT number", max_length=50, required=False)
    paid_on = forms.DateField(label="Paid on", widget=DateInput())

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            p = line.position
            self.fields[f"paid_{p}"] = money(f"{line.code} paid", required=False)
            self.fields[f"allowed_{p}"] = money("allowed", required=False)
            self.fields[f"deductible_{p}"] = money("deductible (PR-1)", required=False)
            self.fields[f"coinsurance_{p}"] = money("coinsurance (PR-2)", required=False)
            self.fields[f"copay_{p}"] = money("copay (PR-3)", required=False)
            self.fields[f"group_{p}"] = forms.ChoiceField(
                label="adjustment group", choices=[("", "—"), *[(g, g) for g in GROUPS]], required=False
            )
            self.fields[f"reason_{p}"] = forms.CharField(label="reason code", max_length=5, required=False)
            self.fields[f"amount_{p}"] = money("adjustment", required=False)
        self.helper = _helper("Post payment")

    def rows(self):
        for line in self.lines:
            p = line.position
            names = ["paid", "allowed", "deductible", "coinsurance", "copay", "group", "reason", "amount"]
            yield line, [self[f"{n}_{p}"] for n in names]

    def entries(self) -> list[LineEntry]:
        d, out = self.cleaned_data, []
        for line in self.lines:
            p = line.position
            if d.get(f"paid_{p}") is None:
                continue
            adjustments = []
            for reason, name in (("1", "deductible"), ("2", "coinsurance"), ("3", "copay")):
                if d.get(f"{name}_{p}"):
                    adjustments.append(("PR", reason, d[f"{name}_{p}"]))
            if d.get(f"amount_{p}"):
                adjustments.append(
                    (d.get(f"group_{p}") or "", (d.get(f"reason_{p}") or "").strip().upper(), d[f"amount_{p}"])
                )
            out.append(LineEntry(line, d[f"paid_{p}"], d.get(f"allowed_{p}") or Decimal("0"), adjustments))
        return out


class AppealForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    on = forms.DateField(label="Appealed on", widget=DateInput())


class ResolveForm(forms.Form):
    note = forms.CharField(max_length=300, help_text="How the unmatched payments were dealt with.")
