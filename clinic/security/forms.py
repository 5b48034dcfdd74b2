"""Forms of the security pages: one-time codes and the audit search."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "class": "form-control-lg"}
        ),
    )

    def __init__(self, *args, submit: str = "Verify", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template's own <form> carries the csrf token and "next"
        self.helper.add_input(Submit("submit", submit, css_class="btn-lg w-100"))

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not token.isalnum():
            raise forms.ValidationError("Codes contain only letters and digits.")
        return token


class PasswordConfirmForm(forms.Form):
    """Asks again for the password before a change that hands out new secrets (new backup codes)."""

    password = forms.CharField(
        label="Your password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Asked again so someone at an unlocked screen cannot make themselves new codes.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password; no new codes were made.")
        return password


class AuditSearchForm(forms.Form):
    KIND_CHOICES = [("changes", "Changes"), ("reads", "Reads")]

    kind = forms.ChoiceField(label="Show", choices=KIND_CHOICES, required=False, initial="changes")
    patient = forms.CharField(
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Name, date of birth or #id"}),
    )
    user = forms.CharField(
        label="By user", required=False, max_length=150, widget=forms.TextInput(attrs={"placeholder": "Username"})
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        for key in ("date_from", "date_to"):
            day = data.get(key)
            if day and not dt.date(1900, 1, 1) <= day <= dt.date(2999, 12, 31):
                self.add_error(key, "Give a date between 1900 and 2999.")
        data["kind"] = data.get("kind") or "changes"
        return data
