"""Billing reports for admins: each a table, a chart and a CSV download."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.access import (
    admin_required,
)
from clinic.forms import DateInput
from clinic.models import ClinicSettings
from sessions.billing.report_table import period_problem
from sessions.billing.reports import ALL_REPORTS as REPORTS
from sessions.billing.reports import page_number, report_run


class DateRangeForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput(attrs={"class": "form-control"}))
    end = forms.DateField(label="To", required=False, widget=DateInput(attrs={"class": "form-control"}))

    def clean(self):
        data = super().clean()
        problem = period_problem(data.get("start"), data.get("end"), timezone.localdate())
        if problem:
            self.add_error(*problem)
        return data

    def range(self) -> tuple:
        if not self.is_valid():
            return None, None
        return self.cleaned_data.get("start"), self.cleaned_data.get("end")


@admin_required
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions/billing/reports.html", {"reports": REPORTS})


def _report(request: HttpRequest, slug: str, *, paged: bool = False):
    """The report for the dates asked for; without dates (or with dates it refuses) the report's
    default period, which the form then shows filled in. ``paged``: the page of rows asked for (a report
    that pages its rows), else every row."""
    if slug not in REPORTS:
        raise Http404("No such report.")
    form = DateRangeForm(request.GET if {"start", "end"} & set(request.GET) else None)
    start, end = form.range()
    report = report_run(slug, start=start, end=end, page=page_number(request.GET.get("page")) if paged else None)
    if form.is_bound and not form.is_valid():
        return report, form  # what was typed stays, with its message beside the field
    return report, DateRangeForm(initial={"start": report.start, "end": report.end})


def _period_query(report) -> str:
    return urlencode({k: v.isoformat() if v else "" for k, v in (("start", report.start), ("end", report.end))})


@admin_required
def report_detail(request: HttpRequest, slug: str) -> HttpResponse:
    report, form = _report(request, slug, paged=True)
    return render(
        request,
        "sessions/billing/report.html",
        {
            "report": report,
            "range_form": form,
            "query": _period_query(report),
            "reports": REPORTS,
            "page": report.paging,
            "chart": {**report.chart(), "stacked": slug == "outstanding-by-age"},
            "currency": ClinicSettings.load().currency,
        },
    )


@admin_required
def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    report, _ = _report(request, slug)
    if report.start or report.end:  # the period in the file's name: what the page's heading says
        period = f"{report.start or 'start'}_to_{report.end or 'latest'}"
    else:
        period = f"open-balances-on_{timezone.localdate()}"
    response = HttpResponse(report.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}_{period}.csv"'
    return response
