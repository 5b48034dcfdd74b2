"""Billing forms: they validate and normalise; services make the writes."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.forms import DateInput
from sessions.models import (
    AdjustmentDirection,
    AdjustmentKind,
    Coverage,
    Payer,
    PaymentMethod,
    Price,
    PriorAuthorisation,
    Protocol,
    Treatment,
)

NOT_NEGATIVE = "Amounts cannot be negative."


def _helper(label: str, *rows) -> FormHelper:
    helper = FormHelper()
    if rows:
        helper.layout = Layout(*rows)
    helper.add_input(Submit("submit", label, css_class="btn-primary btn-lg"))
    return helper


def money(
    label: str, *, required: bool = True, help_text: str = "", minimum: str = "0", message: str = NOT_NEGATIVE
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal(minimum),
        help_text=help_text,
        error_messages={"min_value": message},
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def positive_money(label: str) -> forms.DecimalField:
    return money(label, minimum="0.01", message="Enter an amount above zero.")


class PriceForm(forms.ModelForm):
    class Meta:
        model = Price
        fields = ["protocol", "dose_mg", "amount", "effective_from"]
        widgets = {"effective_from": DateInput()}
        labels = {"dose_mg": "Dose (mg)", "effective_from": "Applies from"}
        help_texts = {
            "effective_from": "Charges already made keep their price; this applies to sessions from this date."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["protocol"].queryset = Protocol.objects.filter(is_active=True)
        self.fields["amount"].error_messages["min_value"] = "A price cannot be negative."
        self.helper = _helper(
            "Add price",
            Row(
                Column("protocol", css_class="col-md-6"),
                Column("dose_mg", css_class="col-md-3"),
                Column("amount", css_class="col-md-3"),
            ),
            Row(Column("effective_from", css_class="col-md-6")),
        )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < 0:
            raise ValidationError("A price cannot be negative.")
        return amount

    def clean(self):
        data = super().clean()
        protocol, dose = data.get("protocol"), data.get("dose_mg")
        if protocol is not None:
            if protocol.treatment == Treatment.ESKETAMINE and dose is not None and (dose % 28 or not 28 <= dose <= 84):
                self.add_error("dose_mg", "Esketamine prices are per 56 mg or 84 mg visit (28 mg steps).")
            if protocol.treatment == Treatment.ESKETAMINE and dose is None:
                self.add_error("dose_mg", "Give the dose this esketamine price is for (56 or 84 mg).")
        return data


class PayerForm(forms.ModelForm):
    class Meta:
        model = Payer
        fields = [
            "name",
            "kind",
            "phone",
            "notes",
            "is_active",
            "payer_id",
            "esketamine_code",
            "requires_authorisation",
            "wants_rems_note",
            "allows_prolonged_service",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save payer")


class CoverageForm(forms.ModelForm):
    class Meta:
        model = Coverage
        fields = [
            "payer",
            "member_id",
            "copay",
            "coinsurance_percent",
            "deductible_remaining",
            "savings_programme",
            "savings_per_session",
            "starts_on",
            "ends_on",
        ]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = Payer.objects.filter(is_active=True)
        for name in ("copay", "deductible_remaining", "savings_per_session"):
            self.fields[name].error_messages["min_value"] = NOT_NEGATIVE
        self.helper = _helper(
            "Save coverage",
            Row(Column("payer", css_class="col-md-6"), Column("member_id", css_class="col-md-6")),
            Row(
                Column("copay", css_class="col-md-4"),
                Column("coinsurance_percent", css_class="col-md-4"),
                Column("deductible_remaining", css_class="col-md-4"),
            ),
            Row(Column("savings_programme", css_class="col-md-8"), Column("savings_per_session", css_class="col-md-4")),
            Row(Column("starts_on", css_class="col-md-6"), Column("ends_on", css_class="col-md-6")),
        )

    def clean(self):
        data = super().clean()
        payer = data.get("payer")
        if payer is not None and not payer.is_self_pay and not data.get("member_id"):
            self.add_error("member_id", "Give the member id for an insurance payer.")
        return data


class AuthorisationForm(forms.ModelForm):
    class Meta:
        model = PriorAuthorisation
        fields = ["payer", "protocol", "number", "sessions_authorised", "starts_on", "ends_on", "notes"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = Payer.objects.filter(is_active=True).exclude(kind="self_pay")
        self.helper = _helper(
            "Save authorisation",
            Row(Column("payer", css_class="col-md-6"), Column("protocol", css_class="col-md-6")),
            Row(Column("number", css_class="col-md-6"), Column("sessions_authorised", css_class="col-md-6")),
            Row(Column("starts_on", css_class="col-md-6"), Column("ends_on", css_class="col-md-6")),
            "notes",
        )


class PaymentForm(forms.Form):
    amount = positive_money("Amount")
    method = forms.ChoiceField(choices=PaymentMethod.choices)
    on = forms.DateField(label="Date", widget=DateInput(), initial=timezone.localdate)
    reference = forms.CharField(max_length=80, required=False, help_text="Card slip, check number, transfer id.")
    as_credit = forms.BooleanField(
        label="Keep any surplus beyond the balance as credit",
        required=False,
        help_text="Otherwise an overpayment is refused.",
    )

    def __init__(self, *args, submit: str = "Record payment", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            submit,
            Row(Column("amount", css_class="col-md-6"), Column("method", css_class="col-md-6")),
            Row(Column("on", css_class="col-md-6"), Column("reference", css_class="col-md-6")),
            *(["as_credit"] if "as_credit" in self.fields else []),
        )


class RefundForm(PaymentForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("submit", "Record refund")
        super().__init__(*args, **kwargs)

    as_credit = None


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AdjustmentKind.choices)
    direction = forms.ChoiceField(choices=AdjustmentDirection.choices, initial=AdjustmentDirection.REDUCE)
    amount = positive_money("Amount")
    on = forms.DateField(label="Date", widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(
        max_length=300,
        required=True,
        error_messages={"required": "Give the reason for this adjustment."},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "Record adjustment",
            Row(Column("kind", css_class="col-md-6"), Column("direction", css_class="col-md-6")),
            Row(Column("amount", css_class="col-md-6"), Column("on", css_class="col-md-6")),
            "reason",
        )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Give the reason for this adjustment.")
        return reason


class PlanForm(forms.Form):
    total = money("Amount on the plan", required=False, help_text="Empty: the whole balance.")
    instalments = forms.IntegerField(min_value=2, max_value=36, initial=3)
    first_due = forms.DateField(label="First instalment due", widget=DateInput())
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "Set up plan",
            Row(
                Column("total", css_class="col-md-4"),
                Column("instalments", css_class="col-md-4"),
                Column("first_due", css_class="col-md-4"),
            ),
            "note",
        )
