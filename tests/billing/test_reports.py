"""Reports and statements: aggregates in the database, a bounded number of queries, CSVs for spreadsheets."""

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions.billing import services as billing
from sessions.billing.reports import REPORTS
from sessions.templatetags.billing_tags import report_cell
from tests import factories as f
from tests.conftest import client_for
from tests.factories_billing import CoverageFactory, PayerFactory, discharged_session

pytestmark = pytest.mark.django_db


def make_history(n: int) -> None:
    payer = PayerFactory(name="Acme Health")
    base = timezone.now().replace(minute=0, second=0, microsecond=0)
    for i in range(n):
        patient = f.PatientFactory()
        if i % 2:
            CoverageFactory(patient=patient, payer=payer, copay=Decimal("40.00"))
        charge = billing.charge_session(
            session=discharged_session(patient=patient, when=base - dt.timedelta(days=5 + i * 7), given=56)
        )
        if i % 3 == 0:
            billing.payment_record(
                patient=patient, amount=charge.patient_part / 2, method="card", on=timezone.localdate()
            )
        if i % 4 == 0:
            billing.adjustment_record(
                charge=charge, kind="write_off", direction="reduce", amount=Decimal("5"), reason="Goodwill"
            )


@pytest.mark.parametrize("slug", list(REPORTS))
def test_each_report_opens_with_a_table_and_chart_data(admin_client_, prices, slug):
    make_history(4)
    response = admin_client_.get(reverse("billing_report", args=[slug]))
    assert response.status_code == 200
    assert 'id="report-chart-data"' in response.text
    assert 'data-testid="report-table"' in response.text


@pytest.mark.parametrize("slug", list(REPORTS))
def test_each_csv_opens_in_a_spreadsheet(admin_client_, prices, slug):
    make_history(4)
    response = admin_client_.get(reverse("billing_report_csv", args=[slug]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # so spreadsheets read UTF-8 (the – in age bands)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) >= 2
    assert len({len(r) for r in rows}) == 1


def test_the_ageing_report_puts_unpaid_amounts_in_their_age_band(prices):
    patient = f.PatientFactory()
    old = timezone.now() - dt.timedelta(days=100)
    billing.charge_session(session=discharged_session(patient=patient, when=old, given=56))
    billing.charge_session(session=discharged_session(patient=patient, given=56))
    billing.payment_record(patient=patient, amount=Decimal("100"), method="card", on=timezone.localdate())
    report = REPORTS["outstanding-by-age"][1]()
    [row] = report.rows
    assert row["90+ days"] == Decimal("800.00")  # the payment fell on the oldest charge
    assert row["0–30 days"] == Decimal("900.00")


def test_an_unknown_report_is_404(admin_client_):
    assert admin_client_.get(reverse("billing_report", args=["nope"])).status_code == 404


def report_cells(response) -> list[list[str]]:
    """The body rows of the report table, as rendered: each row's cell texts."""
    body = re.search(r'data-testid="report-table">.*?<tbody>(.*?)</tbody>', response.text, re.S)
    assert body, "the report table is missing"
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [[html.unescape(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


@pytest.mark.parametrize("slug", list(REPORTS))
def test_reports_run_the_same_number_of_queries_for_5_or_40_sessions(
    admin_client_, prices, slug, django_assert_max_num_queries
):
    make_history(5)
    url = reverse("billing_report", args=[slug])
    admin_client_.get(url)  # warm caches (session, settings)
    with CaptureQueriesContext(connection) as small:
        assert admin_client_.get(url).status_code == 200
    make_history(35)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_client_.get(url)
    assert response.status_code == 200
    # What was counted is the page of the 40 sessions: the table the report computes from them, row by row.
    expected = [[report_cell(v, "USD") for v in row] for row in REPORTS[slug][1]().table()]
    assert expected and report_cells(response) == expected


def test_the_statement_runs_a_bounded_number_of_queries(staff_client, prices, django_assert_max_num_queries):
    patient = f.PatientFactory()
    base = timezone.now().replace(minute=0, second=0, microsecond=0)

    def add(k, offset):
        for i in range(k):
            billing.charge_session(
                session=discharged_session(patient=patient, when=base - dt.timedelta(days=offset + i * 3), given=56)
            )
            billing.payment_record(patient=patient, amount=Decimal("10"), method="cash", on=timezone.localdate())

    add(3, 2)
    url = reverse("billing_statement", args=[patient.pk])
    staff_client.get(url)
    with CaptureQueriesContext(connection) as small:
        staff_client.get(url)
    add(30, 200)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="charge-row"') == 33


@pytest.mark.parametrize("who", ["staff", "patient"])
def test_the_account_pages_run_a_bounded_number_of_queries(cast, prices, who, django_assert_max_num_queries):
    patient = cast.patient_a
    CoverageFactory(patient=patient, copay=Decimal("40.00"))
    base = timezone.now().replace(minute=0, second=0, microsecond=0)

    def add(k, offset):
        for i in range(k):
            billing.charge_session(
                session=discharged_session(patient=patient, when=base - dt.timedelta(days=offset + i * 3), given=56)
            )
            f.TreatmentSessionFactory(
                course=f.CourseFactory(patient=patient), planned_start=base + dt.timedelta(days=offset + i * 3)
            )
            billing.payment_record(patient=patient, amount=Decimal("10"), method="cash", on=timezone.localdate())

    add(2, 2)
    client = client_for(cast.staff if who == "staff" else patient.user)
    url = reverse("billing_patient", args=[patient.pk]) if who == "staff" else reverse("portal_billing")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    add(20, 200)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="charge-row"') == 22
    assert page.count('data-testid="payment-row"') == 22


@pytest.mark.parametrize("slug", list(REPORTS))
def test_every_report_shows_amounts_as_money_and_has_a_date_range(admin_client_, prices, slug):
    make_history(3)
    page = admin_client_.get(reverse("billing_report", args=[slug])).content.decode()
    assert 'name="start"' in page and 'name="end"' in page
    assert re.search(r"\$\d[\d,]*\.\d\d", page), "amounts are not formatted as money"


def test_a_date_range_limits_the_report_and_its_csv(admin_client_, prices):
    make_history(3)
    url = reverse("billing_report", args=["revenue-by-protocol"])
    everything = report_cells(admin_client_.get(url))
    assert everything
    future = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    later = admin_client_.get(url, {"start": future}).content.decode()
    assert "No data yet." in later and "charge-row" not in later
    csv_url = reverse("billing_report_csv", args=["revenue-by-protocol"])
    assert len(admin_client_.get(csv_url, {"start": future}).content.decode().strip().splitlines()) == 1


def test_a_range_ending_before_it_starts_says_so(admin_client_, prices):
    response = admin_client_.get(
        reverse("billing_report", args=["revenue-by-month"]), {"start": "2030-02-01", "end": "2030-01-01"}
    )
    assert response.status_code == 200 and "The end comes before the start" in response.content.decode()
