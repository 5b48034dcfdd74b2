"""Cost per course: each course's figures summed in the database, one page of courses at a time with the
totals of the whole period, and a CSV with every course."""

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.billing import reports
from sessions.billing import services as billing
from sessions.billing.report_table import default_period
from sessions.billing.reports import report_run
from sessions.models import Charge, ChargeKind, SessionStatus
from tests import factories as f
from tests.factories_billing import CoverageFactory, PayerFactory, discharged_session

pytestmark = pytest.mark.django_db
D = Decimal


def _course(patient, *, days_ago: list[int], slug="esketamine-trd", doses=(56, 84)):
    """A course with one charged session per entry of ``days_ago``, doses alternating."""
    base = timezone.now().replace(minute=0, second=0, microsecond=0)
    first = discharged_session(
        patient=patient, when=base - dt.timedelta(days=days_ago[0]), dose=doses[0], given=doses[0], slug=slug
    )
    billing.charge_session(session=first)
    for i, days in enumerate(days_ago[1:], start=2):
        when = base - dt.timedelta(days=days)
        dose = doses[(i - 1) % len(doses)]
        s = f.TreatmentSessionFactory(
            course=first.course,
            number=i,
            planned_start=when,
            planned_dose_mg=dose,
            status=SessionStatus.DISCHARGED,
            dose_given_mg=dose,
            discharged_at=when + dt.timedelta(hours=2, minutes=30),
        )
        billing.charge_session(session=s)
    return first.course


def _mixed_history():
    """Courses of self-pay and covered patients, esketamine at two doses and IV ketamine, sessions before the
    default period (left out) and a no-show fee (not a session charge)."""
    f.clinic_settings(no_show_fee=D("150.00"))
    payer = PayerFactory(name="Acme Health")
    covered = f.PatientFactory(last_name="Covered")
    CoverageFactory(patient=covered, payer=payer, copay=D("40.00"))
    _course(covered, days_ago=[30, 27, 23, 20])
    _course(f.PatientFactory(last_name="SelfPay"), days_ago=[600, 400, 12, 9, 5])  # two before the period
    _course(f.PatientFactory(last_name="Infusion"), days_ago=[60, 55, 50], slug="iv-ketamine", doses=(35,))
    _course(f.PatientFactory(last_name="Old"), days_ago=[700, 690])  # wholly before the period
    fee = discharged_session(patient=covered, when=timezone.now() - dt.timedelta(days=3))
    fee.status = SessionStatus.NO_SHOW
    fee.save()
    billing.charge_release_fee(session=fee, by=None, late=True)
    assert Charge.objects.filter(kind=ChargeKind.NO_SHOW).exists()


def _expected() -> dict[int, tuple[int, Decimal, Decimal, Decimal]]:
    """Per course, from the charges one by one: (sessions, charged, patient part, average per session)."""
    start, end = default_period(timezone.localdate())
    sums = defaultdict(lambda: [0, D("0"), D("0")])
    for c in Charge.objects.select_related("session"):
        if c.kind == ChargeKind.SESSION and start <= c.service_date <= end:
            row = sums[c.session.course_id]
            row[0] += 1
            row[1] += c.total
            row[2] += c.patient_part
    return {k: (n, t, p, (t / n).quantize(D("0.01"))) for k, (n, t, p) in sums.items()}


def test_each_course_shows_the_sums_of_its_session_charges_in_the_period(prices):
    _mixed_history()
    expected = _expected()
    report = report_run("cost-per-course")
    got = {r["course_id"]: (r["sessions"], r["charged"], r["patient"], r["per_session"]) for r in report.rows}
    assert got == expected
    assert len(expected) == 3 and any(n != 3 for n, *_ in expected.values())
    assert any(patient != charged for _, charged, patient, _ in expected.values())  # a payer paid a part


def test_the_totals_are_those_of_the_whole_period_on_every_page(prices, monkeypatch):
    monkeypatch.setattr(reports, "COURSES_PER_PAGE", 2)
    _mixed_history()
    expected = _expected()
    sessions = sum(n for n, *_ in expected.values())
    charged = sum(t for _, t, _, _ in expected.values())
    for page in (1, 2):
        totals = report_run("cost-per-course", page=page).totals
        assert totals["course"] == "Total: 3 courses"
        assert (totals["sessions"], totals["charged"]) == (sessions, charged)
        assert totals["patient"] == sum(p for _, _, p, _ in expected.values())
        assert totals["per_session"] == (charged / sessions).quantize(D("0.01"))


def test_the_page_shows_one_page_of_courses_oldest_first(prices, monkeypatch):
    monkeypatch.setattr(reports, "COURSES_PER_PAGE", 2)
    _mixed_history()
    every = report_run("cost-per-course")
    first, second = report_run("cost-per-course", page=1), report_run("cost-per-course", page=2)
    assert [len(first.rows), len(second.rows)] == [2, 1]
    assert first.table() + second.table() == every.table()
    assert [r["started"] for r in every.rows] == sorted(r["started"] for r in every.rows)
    assert report_run("cost-per-course", page=99).table() == second.table()
    assert report_run("cost-per-course", page="x").table() == first.table()


def test_the_page_links_to_the_next_page_and_keeps_the_dates(admin_client_, prices, monkeypatch):
    monkeypatch.setattr(reports, "COURSES_PER_PAGE", 2)
    _mixed_history()
    start = (timezone.localdate() - dt.timedelta(days=100)).isoformat()
    response = admin_client_.get(reverse("billing_report", args=["cost-per-course"]), {"start": start, "page": "2"})
    assert response.status_code == 200
    text = response.text
    assert "Page 2 of 2" in text and f"start={start}" in text
    assert "Total: 3 courses" in text


def test_the_csv_lists_every_course_and_the_totals(admin_client_, prices, monkeypatch):
    monkeypatch.setattr(reports, "COURSES_PER_PAGE", 2)
    _mixed_history()
    response = admin_client_.get(reverse("billing_report_csv", args=["cost-per-course"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 3 + 1  # the header, every course, the totals
    assert rows[-1][0] == "Total: 3 courses"
    assert sorted(int(r[0].split()[0][1:]) for r in rows[1:-1]) == sorted(_expected())
