"""Querysets compiled once per process (``clinic.compiled.compiled_rows``): the rows are what the ORM reads
for every value, the SQL is built only the first time, and a builder whose SQL would not fit other values
is refused."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from clinic.compiled import compiled_rows, forget_compiled
from sessions.models import SessionStatus, TreatmentSession
from tests import factories as f
from tests.factories_scheduling import at

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _fresh():
    forget_compiled()
    yield
    forget_compiled()


def _between(*, start, end, status: str = SessionStatus.SCHEDULED):
    return (
        TreatmentSession.objects.filter(planned_start__gte=start, planned_start__lt=end, status=status)
        .select_related("patient", "chair")
        .order_by("planned_start")
    )


def _sessions():
    f.clinic_settings()
    return [f.TreatmentSessionFactory(planned_start=at(MONDAY + dt.timedelta(days=d), 9 + d)) for d in range(4)]


def test_the_rows_are_what_the_orm_reads_for_each_set_of_values():
    _sessions()
    for first, last in [(0, 2), (1, 4), (3, 4), (5, 6)]:
        values = {"start": at(MONDAY + dt.timedelta(days=first), 0), "end": at(MONDAY + dt.timedelta(days=last), 0)}
        rows = compiled_rows("between", _between, **values)
        assert [(s.pk, s.patient.pk, s.chair.name) for s in rows] == [
            (s.pk, s.patient.pk, s.chair.name) for s in _between(**values)
        ]


def test_a_string_value_takes_its_place_like_a_date():
    sessions = _sessions()
    TreatmentSession.objects.filter(pk=sessions[1].pk).update(status=SessionStatus.CHECKED_IN)
    window = {"start": at(MONDAY, 0), "end": at(MONDAY + dt.timedelta(days=7), 0)}
    assert [s.pk for s in compiled_rows("by status", _between, **window, status=SessionStatus.CHECKED_IN)] == [
        sessions[1].pk
    ]
    assert len(compiled_rows("by status", _between, **window, status=SessionStatus.SCHEDULED)) == 3


def test_the_sql_is_built_the_first_time_only():
    _sessions()
    window = {"start": at(MONDAY, 0), "end": at(MONDAY + dt.timedelta(days=7), 0)}
    compiled_rows("between", _between, **window)
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql:
        rows = compiled_rows("between", _between, start=at(MONDAY, 0), end=at(MONDAY + dt.timedelta(days=2), 0))
    assert len(rows) == 2 and as_sql.call_count == 0


def test_a_builder_that_reads_the_clock_is_refused():
    f.clinic_settings()

    def since_now(*, start):
        return TreatmentSession.objects.filter(planned_start__gte=start, created_at__lte=timezone.now())

    with pytest.raises(ImproperlyConfigured, match="clock"):
        compiled_rows("clock", since_now, start=at(MONDAY, 0))


def test_a_value_that_shapes_the_query_rather_than_filling_a_parameter_is_refused():
    f.clinic_settings()

    def shaped(*, limit):
        return TreatmentSession.objects.filter(number__gt=1) if limit > 0 else TreatmentSession.objects.all()

    with pytest.raises(ImproperlyConfigured, match="never reach the SQL"):
        compiled_rows("shaped", shaped, limit=3)


def test_a_value_of_a_type_it_cannot_stand_in_for_is_refused():
    with pytest.raises(TypeError, match="must be a date"):
        compiled_rows("float", lambda *, x: TreatmentSession.objects.all(), x=1.5)


def test_only_the_most_recently_used_queries_are_kept(monkeypatch):
    from clinic import compiled

    _sessions()
    monkeypatch.setattr(compiled, "MAX_KEPT", 2)
    window = {"start": at(MONDAY, 0), "end": at(MONDAY + dt.timedelta(days=7), 0)}
    for key in ("a", "b", "a", "c"):
        compiled_rows(key, _between, **window)
    assert [k[0] for k in compiled._compiled] == ["a", "c"]


def test_a_page_whose_compiled_selector_finds_no_row_answers_404(client):
    from django.urls import reverse

    f.clinic_settings()
    client.force_login(f.StaffFactory())
    assert client.get(reverse("session_detail", args=[987654])).status_code == 404
    assert client.get(reverse("patient_detail", args=[987654])).status_code == 404
