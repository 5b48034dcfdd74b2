"""Every billing report covers a period: without dates the last 12 full months up to today (the open
balances: all of them), shown in the date fields, the heading and the CSV's name; bad dates are refused
beside the field; each page and CSV runs at most 8 queries, the same for 5 or 60 rows."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions.billing import remittance as rm
from sessions.billing import services as billing
from sessions.billing.report_table import default_period, fill_period, months_before
from sessions.billing.reports import ALL_REPORTS, report_run
from sessions.models import ClaimStatus
from tests import factories as f
from tests.factories_billing import claimable_session, discharged_session, standard_prices

from .remits import file_835, pay, send_all

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_default_period_is_the_last_12_full_months_up_to_today():
    assert default_period(dt.date(2026, 12, 1)) == (dt.date(2025, 12, 1), dt.date(2026, 12, 1))
    assert default_period(dt.date(2026, 1, 31)) == (dt.date(2025, 1, 1), dt.date(2026, 1, 31))


def test_an_end_alone_gets_the_12_full_months_before_it_and_a_start_alone_runs_on():
    assert fill_period(None, dt.date(2026, 3, 15), dt.date(2026, 12, 1)) == (dt.date(2025, 3, 1), dt.date(2026, 3, 15))
    assert fill_period(dt.date(2020, 1, 1), None, dt.date(2026, 12, 1)) == (dt.date(2020, 1, 1), None)
    assert months_before(dt.date(1, 5, 1), 12) == dt.date.min


def charge_on(day: dt.date, patient=None):
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    return billing.charge_session(
        session=discharged_session(patient=patient or f.PatientFactory(), when=when, given=56)
    )


def test_without_dates_a_report_leaves_out_charges_older_than_the_period(prices):
    today = timezone.localdate()
    charge_on(today - dt.timedelta(days=3))
    charge_on(months_before(today, 12) - dt.timedelta(days=1))
    assert report_run("revenue-by-protocol").rows[0]["sessions"] == 1
    widened = report_run("revenue-by-protocol", start=today - dt.timedelta(days=800), end=today)
    assert widened.rows[0]["sessions"] == 2


def test_without_dates_the_outstanding_report_keeps_every_open_balance(prices):
    standard_prices(on=timezone.localdate() - dt.timedelta(days=900))
    old = charge_on(timezone.localdate() - dt.timedelta(days=500))
    charge_on(timezone.localdate() - dt.timedelta(days=2), patient=old.patient)
    report = report_run("outstanding-by-age")
    [row] = report.rows
    assert row["90+ days"] == old.patient_part and row["total"] == 2 * old.patient_part
    assert (report.start, report.end) == (None, None) and report.period.startswith("all open balances on")


def test_the_outstanding_report_leaves_out_patients_who_owe_nothing(prices):
    paid = charge_on(timezone.localdate() - dt.timedelta(days=40))
    billing.payment_record(patient=paid.patient, amount=paid.patient_part, method="card", on=timezone.localdate())
    owing = charge_on(timezone.localdate() - dt.timedelta(days=40))
    [row] = report_run("outstanding-by-age").rows
    assert row["patient_id"] == owing.patient_id and row["31–60 days"] == owing.patient_part


def test_the_page_without_dates_shows_its_period_in_the_fields_the_heading_and_the_csv_name(admin_client_, prices):
    start, end = default_period(timezone.localdate())
    page = admin_client_.get(reverse("billing_report", args=["revenue-by-month"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'name="start" value="{start.isoformat()}"' in text and f'name="end" value="{end.isoformat()}"' in text
    assert f'data-testid="report-period">{start:%d %b %Y} – {end:%d %b %Y}<' in text
    assert f"?start={start.isoformat()}&amp;end={end.isoformat()}" in text  # the CSV link: the same period
    csv = admin_client_.get(reverse("billing_report_csv", args=["revenue-by-month"]))
    assert csv.status_code == 200
    assert f'filename="revenue-by-month_{start.isoformat()}_to_{end.isoformat()}.csv"' in csv["Content-Disposition"]


def test_the_default_period_ends_on_the_clinic_s_today_not_the_server_s(admin_client_):
    f.clinic_settings(time_zone="Pacific/Kiritimati")  # UTC+14: already 1 December there
    with time_machine.travel(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC), tick=False):
        text = admin_client_.get(reverse("billing_report", args=["by-payer"])).content.decode()
    assert 'name="start" value="2025-12-01"' in text and 'name="end" value="2026-12-01"' in text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "31/02/2026"}, "start", "Enter a valid date."),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end", "The end comes before the start"),
        ({"start": "2010-01-01", "end": "2026-01-01"}, "start", "at most 10 years"),
        ({"start": "0001-01-01"}, "start", "at most 10 years"),
    ],
)
def test_bad_dates_are_refused_beside_the_field_and_the_default_period_is_shown(
    admin_client_, prices, query, field, message
):
    page = admin_client_.get(reverse("billing_report", args=["revenue-by-protocol"]), query)
    assert page.status_code == 200
    text = page.content.decode()
    field_html = text[text.index(f'name="{field}"') :]
    assert message in field_html[: field_html.index("</div>") + 200]
    start, end = default_period(timezone.localdate())
    assert f'data-testid="report-period">{start:%d %b %Y} – {end:%d %b %Y}<' in text
    assert admin_client_.get(reverse("billing_report_csv", args=["revenue-by-protocol"]), query).status_code == 200


def history(n: int, admin, first: int = 0) -> None:
    """``n`` patients, each with a claimed session in the last 300 days, some payments and write-offs;
    their claims sent and answered: every other paid in part, every third denied."""
    today = timezone.now().replace(minute=0, second=0, microsecond=0)
    for i in range(first, first + n):
        patient = f.PatientFactory(last_name=f"History{i}")
        session = claimable_session(patient=patient, when=today - dt.timedelta(days=2 + (i * 5) % 300))
        charge = session.charge
        if i % 3 == 0 and charge.patient_part:
            billing.payment_record(
                patient=patient, amount=charge.patient_part / 2, method="card", on=timezone.localdate()
            )
        if i % 4 == 0 and charge.patient_part:
            billing.adjustment_record(
                charge=charge, kind="write_off", direction="reduce", amount=D("5"), reason="Goodwill"
            )
        f.CourseFactory(patient=patient)  # a course without charges
    claims = send_all(admin)
    answers = []
    for k, claim in enumerate(c for c in claims if c.status == ClaimStatus.SUBMITTED):
        lines = claim.lines.order_by("position")
        if k % 3 == 0:
            answers.append(pay(claim, [("0", "0", [("CO", "50", str(line.amount))]) for line in lines], status="4"))
        elif k % 2 == 0:
            outcomes = []
            for line in lines:
                paid = (line.amount * D("0.8")).quantize(D("0.01"))
                outcomes.append((str(paid), str(paid), [("CO", "45", str(line.amount - paid))]))
            answers.append(pay(claim, outcomes))
    if answers:
        rm.remittance_import_835(
            content=file_835(claims[0].payer, answers, check=f"CHK{first}", control=first + 1), by=admin
        )


@pytest.mark.parametrize("slug", list(ALL_REPORTS))
def test_each_report_page_and_csv_run_at_most_8_queries_the_same_for_5_or_60_rows(cast, admin_client_, prices, slug):
    page, csv = reverse("billing_report", args=[slug]), reverse("billing_report_csv", args=[slug])
    history(5, cast.admin)
    admin_client_.get(page)  # warm the caches (session, settings)
    counts, tables = {}, {}
    for size in (5, 60):
        for url in (page, csv):
            with CaptureQueriesContext(connection) as ctx:
                response = admin_client_.get(url)
            assert response.status_code == 200
            counts[size, url] = len(ctx.captured_queries)
        tables[size] = report_run(slug).table()
        if size == 5:
            history(55, cast.admin, first=5)
    assert counts[5, page] == counts[60, page] <= 8
    assert counts[5, csv] == counts[60, csv] <= 8
    assert tables[5] and tables[60] != tables[5]  # what was counted grew with the data


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plans")
def test_no_report_reads_a_whole_billing_table_to_find_its_period(cast, admin_client_, prices):
    history(5, cast.admin)
    admin_client_.get(reverse("billing_report", args=["revenue-by-month"]))  # warm the caches
    scans = []
    for slug in ALL_REPORTS:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client_.get(reverse("billing_report", args=[slug])).status_code == 200
        with connection.cursor() as cursor:
            for query in ctx.captured_queries:
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                scans += [(slug, row[-1]) for row in cursor.fetchall() if row[-1].startswith("SCAN treatment_")]
    assert scans == []


def test_expected_from_the_payer_counts_each_charge_once_whatever_its_claim_lines(cast, prices):
    session = claimable_session(patient=cast.patient_a)
    [claim] = send_all(cast.admin)
    assert claim.lines.count() > 1
    [row] = report_run("expected-vs-paid").rows
    assert row["expected"] == session.charge.payer_part > 0
