"""Billing reports for admins: each a table, a chart and a CSV download."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.access import (
    admin_required,
)
from clinic.forms import DateInput
from clinic.models import ClinicSettings
from sessions.billing.reports import ALL_REPORTS as REPORTS
from sessions.billing.reports import period_text


class DateRangeForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput(attrs={"class": "form-control"}))
    end = forms.DateField(label="To", required=False, widget=DateInput(attrs={"class": "form-control"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end comes before the start; choose a later end date.")
        return data

    def range(self) -> tuple:
        if not self.is_valid():
            return None, None
        return self.cleaned_data.get("start"), self.cleaned_data.get("end")


@admin_required
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions/billing/reports.html", {"reports": REPORTS})


def _report(request: HttpRequest, slug: str):
    """The report for the date range asked for (every report has one; empty ends mean all dates)."""
    if slug not in REPORTS:
        raise Http404("No such report.")
    form = DateRangeForm(request.GET or None)
    start, end = form.range()
    report = REPORTS[slug][1](start=start, end=end)
    report.period = period_text(start, end)
    return report, form


@admin_required
def report_detail(request: HttpRequest, slug: str) -> HttpResponse:
    report, form = _report(request, slug)
    return render(
        request,
        "sessions/billing/report.html",
        {
            "report": report,
            "range_form": form,
            "query": request.GET.urlencode(),
            "reports": REPORTS,
            "chart": {**report.chart(), "stacked": slug == "outstanding-by-age"},
            "currency": ClinicSettings.load().currency,
        },
    )


@admin_required
def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    report, _ = _report(request, slug)
    response = HttpResponse(report.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
