"""Billing reports for admins: each a table, a chart and a CSV download."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.access import (
    admin_required,
)
from clinic.models import ClinicSettings
from sessions.billing.reports import ALL_REPORTS as REPORTS


@admin_required
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions/billing/reports.html", {"reports": REPORTS})


def _report(slug: str):
    if slug not in REPORTS:
        raise Http404("No such report.")
    return REPORTS[slug][1]()


@admin_required
def report_detail(request: HttpRequest, slug: str) -> HttpResponse:
    report = _report(slug)
    return render(
        request,
        "sessions/billing/report.html",
        {
            "report": report,
            "reports": REPORTS,
            "chart": {**report.chart(), "stacked": slug == "outstanding-by-age"},
            "currency": ClinicSettings.load().currency,
        },
    )


@admin_required
def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    report = _report(slug)
    response = HttpResponse(report.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
