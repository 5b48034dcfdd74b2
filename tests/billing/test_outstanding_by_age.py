"""The outstanding report computes in the database what the ledger computes in Python: payments on the
oldest charges first, write-offs and increases on their charge, credit owing nothing, refunds owing
again, only the patient's part; a page of 50 debtors with the totals of all, the CSV with every one."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.models import Patient
from sessions.billing import ageing
from sessions.billing import services as billing
from sessions.billing.ledger import patient_ledger
from sessions.billing.report_table import AGE_BUCKETS
from sessions.billing.reports import report_run
from tests import factories as f
from tests.factories_billing import CoverageFactory, PayerFactory, discharged_session, standard_prices

pytestmark = pytest.mark.django_db
D = Decimal


def charge(patient, days_ago: int, hour: int = 9):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return billing.charge_session(session=discharged_session(patient=patient, when=when, given=56))


def ledger_report(today: dt.date, start=None, end=None) -> list[dict]:
    """The report as the ledger allocates each debtor's payments, charge by charge, in Python."""
    rows = []
    for patient in Patient.objects.order_by("pk"):
        ledger = patient_ledger(patient)
        if ledger.balance <= 0:
            continue
        row = {
            "patient_id": patient.pk,
            "patient": f"{patient.first_name} {patient.last_name}",
            **dict.fromkeys(AGE_BUCKETS, D("0")),
        }
        for r in ledger.rows:
            day = r.charge.service_date
            if r.outstanding <= 0 or (start and day < start) or (end and day > end):
                continue
            age = (today - day).days
            row[AGE_BUCKETS[0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3]] += r.outstanding
        row["total"] = sum((row[b] for b in AGE_BUCKETS), D("0"))
        if row["total"] > 0:
            rows.append(row)
    return sorted(rows, key=lambda r: r["total"], reverse=True)


@pytest.fixture
def mixed(prices):
    """Debtors and non-debtors of every kind, each with charges of every age."""
    payer = PayerFactory(name="Acme Health")
    standard_prices(on=timezone.localdate() - dt.timedelta(days=400))
    today = timezone.localdate()
    people = {}
    # Partly paid: the payment settles the oldest charge and part of the next; the payer's part never counts.
    partly = people["partly"] = f.PatientFactory(last_name="Partly")
    CoverageFactory(patient=partly, payer=payer, copay=D("40.00"))
    charges = [charge(partly, days) for days in (200, 75, 45, 3)]
    assert all(c.payer_part > 0 for c in charges)
    paid = charges[0].patient_part + charges[1].patient_part / 2
    billing.payment_record(patient=partly, amount=paid, method="card", on=today)
    # Written off: the old charge reduced to nothing, another reduced in part, a late fee increased.
    written = people["written"] = f.PatientFactory(last_name="Written")
    old, mid, new = (charge(written, days) for days in (120, 50, 10))
    billing.adjustment_record(
        charge=old, kind="write_off", direction="reduce", amount=old.patient_part, reason="Goodwill"
    )
    billing.adjustment_record(charge=mid, kind="write_off", direction="reduce", amount=D("100"), reason="Goodwill")
    billing.adjustment_record(charge=new, kind="correction", direction="increase", amount=D("25.50"), reason="Fee")
    billing.payment_record(patient=written, amount=D("33.33"), method="card", on=today)
    # In credit: paid more than owed; owes nothing.
    credit = people["credit"] = f.PatientFactory(last_name="Credit")
    c = charge(credit, 20)
    billing.payment_record(patient=credit, amount=c.patient_part + 50, method="card", on=today, as_credit=True)
    # Overpaid, the credit refunded, then charged again: owes the newest charge only.
    refunded = people["refunded"] = f.PatientFactory(last_name="Refunded")
    first, second = charge(refunded, 100), charge(refunded, 35)
    billing.payment_record(
        patient=refunded, amount=first.patient_part + second.patient_part + 10, method="card", on=today, as_credit=True
    )
    billing.refund_record(patient=refunded, amount=D("10"), method="card", on=today)
    charge(refunded, 4)
    # Nothing paid; two charges on the same day (the order within a day is the charge's id).
    unpaid = people["unpaid"] = f.PatientFactory(last_name="Unpaid")
    charge(unpaid, 91), charge(unpaid, 65), charge(unpaid, 65, hour=14)
    # Paid exactly: owes nothing.
    square = people["square"] = f.PatientFactory(last_name="Square")
    s = charge(square, 5)
    billing.payment_record(patient=square, amount=s.patient_part, method="card", on=today)
    return people


def test_the_report_owes_what_the_ledger_owes_charge_by_charge(mixed):
    today = timezone.localdate()
    report = report_run("outstanding-by-age", today=today)
    expected = ledger_report(today)
    assert report.rows == expected
    assert {r["patient_id"] for r in expected} == {mixed[k].pk for k in ("partly", "written", "refunded", "unpaid")}
    assert all(sum(r[b] > 0 for b in AGE_BUCKETS) >= 2 for r in expected if r["patient_id"] != mixed["refunded"].pk)
    for b in (*AGE_BUCKETS, "total"):
        assert report.totals[b] == sum((r[b] for r in expected), D("0"))


@pytest.mark.parametrize(("first", "last"), [(120, 40), (70, 0), (None, 60), (60, None)])
def test_a_date_range_owes_what_the_ledger_owes_for_the_services_in_it(mixed, first, last):
    today = timezone.localdate()
    start = today - dt.timedelta(days=first) if first is not None else None
    end = today - dt.timedelta(days=last) if last is not None else None
    report = report_run("outstanding-by-age", today=today, start=start, end=end)
    assert report.rows == ledger_report(today, start, end)


def test_the_partly_paid_patient_owes_half_a_charge_and_the_newer_ones(mixed):
    today = timezone.localdate()
    [row] = [r for r in report_run("outstanding-by-age", today=today).rows if r["patient_id"] == mixed["partly"].pk]
    rows = patient_ledger(mixed["partly"]).rows
    assert row["90+ days"] == 0
    assert row["61–90 days"] == rows[1].charge.patient_part / 2
    assert row["31–60 days"] == rows[2].charge.patient_part and row["0–30 days"] == rows[3].charge.patient_part


def test_a_page_holds_50_debtors_largest_first_and_the_totals_of_all(prices, monkeypatch):
    monkeypatch.setattr(ageing, "PAGE_ROWS", 3)
    debtors = [f.PatientFactory(last_name=f"Debtor{i}") for i in range(7)]
    for i, patient in enumerate(debtors):
        c = charge(patient, 10 + i * 20)
        billing.payment_record(patient=patient, amount=D(i + 1), method="card", on=timezone.localdate())
    everything = report_run("outstanding-by-age")
    assert [r["patient_id"] for r in everything.rows] == [p.pk for p in debtors]  # less paid, more owed
    second = report_run("outstanding-by-age", page=2)
    assert second.rows == everything.rows[3:6] and second.totals == everything.totals
    assert (second.paging.number, second.paging.paginator.num_pages, second.paging.paginator.count) == (2, 3, 7)
    past = report_run("outstanding-by-age", page=9)
    assert past.paging.number == 3 and past.rows == everything.rows[6:]
    assert c.patient_part > 0


def test_the_page_shows_one_page_with_its_pager_and_the_csv_every_debtor(admin_client_, prices, monkeypatch):
    monkeypatch.setattr(ageing, "PAGE_ROWS", 2)
    for i in range(5):
        charge(f.PatientFactory(last_name=f"Debtor{i}"), 10 + i)
    page = admin_client_.get(reverse("billing_report", args=["outstanding-by-age"]), {"page": "2"})
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("Debtor") == 2 + 2  # the two rows, and their labels in the chart data
    assert "Page 2 of 3" in text
    csv_response = admin_client_.get(reverse("billing_report_csv", args=["outstanding-by-age"]), {"page": "2"})
    rows = list(csv.reader(io.StringIO(csv_response.content.decode().lstrip("\ufeff"))))
    assert len(rows) == 1 + 5 + 1  # heading, every debtor, total


def test_a_bad_page_number_shows_the_first_page(admin_client_, prices):
    charge(f.PatientFactory(last_name="Debtor"), 10)
    page = admin_client_.get(reverse("billing_report", args=["outstanding-by-age"]), {"page": "x"})
    assert page.status_code == 200 and "Debtor" in page.content.decode()


def test_the_page_and_csv_run_the_same_queries_for_3_or_60_debtors_without_a_list_of_ids(admin_client_, prices):
    url, csv_url = (reverse(name, args=["outstanding-by-age"]) for name in ("billing_report", "billing_report_csv"))
    admin_client_.get(url)  # warm the caches (session, settings)
    counts, sql = {}, []
    for n, first in ((3, 0), (60, 3)):
        for i in range(first, n):
            charge(f.PatientFactory(last_name=f"Debtor{i}"), i * 2)
        for u in (url, csv_url):
            with CaptureQueriesContext(connection) as ctx:
                response = admin_client_.get(u)
            assert response.status_code == 200
            counts[n, u] = len(ctx.captured_queries)
            sql += [q["sql"] for q in ctx.captured_queries]
        assert response.content.decode().count("Debtor") == n  # the CSV: every debtor
    assert counts[3, url] == counts[60, url] <= 8
    assert counts[3, csv_url] == counts[60, csv_url] <= 8
    assert not [q for q in sql if re.search(r"patient_id\"? IN \((%s|\?|\d)", q)]  # no list of debtors' ids
