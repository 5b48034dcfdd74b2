"""Unrelated small tables read together (``rows_at_once``) and a related list as JSON (``row_fields``):
what comes back is what the database holds, typed and in each model's order, in one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import ClinicSettings, OpeningHours, StaffShift
from clinic.places import Closure
from clinic.rows import PERSON_FIELDS, in_model_order, instances, row_fields, rows_at_once
from tests import factories as f

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 16)


def _read(start: dt.date, end: dt.date) -> dict[str, list]:
    return rows_at_once(
        ClinicSettings.objects.filter(pk=ClinicSettings.objects.get().pk),
        hours=(OpeningHours.objects.all(), row_fields(OpeningHours)),
        closures=(Closure.objects.filter(date__gte=start, date__lte=end), row_fields(Closure)),
        shifts=(StaffShift.objects.filter(date__gte=start, date__lte=end), row_fields(StaffShift, "staff")),
    )


def test_three_tables_come_back_in_one_query():
    f.clinic_settings()
    f.StaffShiftFactory(date=MONDAY)
    anchor = ClinicSettings.objects.all()
    with CaptureQueriesContext(connection) as ctx:
        rows = rows_at_once(
            anchor,
            hours=(OpeningHours.objects.all(), row_fields(OpeningHours)),
            closures=(Closure.objects.all(), row_fields(Closure)),
            shifts=(StaffShift.objects.all(), row_fields(StaffShift, "staff")),
        )
    assert len(ctx.captured_queries) == 1
    assert set(rows) == {"hours", "closures", "shifts"} and len(rows["shifts"]) == 1


def test_the_rows_equal_what_the_orm_reads_typed_and_in_the_model_order():
    f.clinic_settings()
    f.open_weekdays(opens=dt.time(8, 30), closes=dt.time(17, 45))
    f.ClosureFactory(
        date=MONDAY + dt.timedelta(days=3), opens=dt.time(10, 0), closes=dt.time(14, 30), reason="Training"
    )
    f.ClosureFactory(date=MONDAY, opens=None, closes=None, reason="Holiday")
    f.StaffShiftFactory(date=MONDAY + dt.timedelta(days=1), starts=dt.time(12, 0), ends=dt.time(18, 0))
    f.StaffShiftFactory(date=MONDAY + dt.timedelta(days=1), starts=dt.time(8, 0), ends=dt.time(16, 0))
    rows = _read(MONDAY, MONDAY + dt.timedelta(days=6))
    assert [(h.weekday, h.opens, h.closes) for h in rows["hours"]] == [
        (day, dt.time(8, 30), dt.time(17, 45)) for day in range(5)
    ]
    assert [(c.date, c.opens, c.closes, c.reason) for c in rows["closures"]] == [
        (MONDAY, None, None, "Holiday"),
        (MONDAY + dt.timedelta(days=3), dt.time(10, 0), dt.time(14, 30), "Training"),
    ]
    stored = list(StaffShift.objects.select_related("staff"))
    assert [(s.date, s.starts, s.staff.get_full_name(), s.staff.is_prescriber) for s in rows["shifts"]] == [
        (s.date, s.starts, s.staff.get_full_name(), s.staff.is_prescriber) for s in stored
    ]


def test_a_list_with_no_rows_in_the_window_comes_back_empty():
    f.clinic_settings()
    f.StaffShiftFactory(date=MONDAY + dt.timedelta(days=30))
    rows = _read(MONDAY, MONDAY + dt.timedelta(days=6))
    assert rows["closures"] == [] and rows["shifts"] == []


def test_a_person_brought_along_carries_what_pages_show_and_never_the_password():
    fields = row_fields(StaffShift, "staff")
    assert {key.removeprefix("staff__") for key in fields if key.startswith("staff__")} == set(PERSON_FIELDS)
    assert not any("password" in key or "totp" in key for key in fields)


def test_rows_sort_as_their_meta_ordering_sorts_them_descending_keys_included():
    from sessions.models import Alert

    when = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)
    alerts = [Alert(pk=1, raised_at=when), Alert(pk=3, raised_at=when), Alert(pk=2, raised_at=when + dt.timedelta(1))]
    assert [a.pk for a in in_model_order(Alert, alerts)] == [2, 3, 1]  # ordering = ["-raised_at", "-pk"]


def test_a_column_a_json_row_did_not_bring_is_read_from_the_database_never_shown_as_a_default():
    f.clinic_settings()
    shift = f.StaffShiftFactory(date=MONDAY, staff__email="night.nurse@example.test")
    (row,) = _read(MONDAY, MONDAY)["shifts"]
    assert row.staff.pk == shift.staff.pk and "email" not in row.staff.__dict__  # not one of PERSON_FIELDS
    with CaptureQueriesContext(connection) as ctx:
        email = row.staff.email
    assert email == "night.nurse@example.test" and len(ctx.captured_queries) == 1


def test_a_null_foreign_key_in_a_json_row_reads_as_none_without_a_query():
    from sessions.models import Alert

    (alert,) = instances(Alert, [{"id": 5, "acknowledged_by_id": None, "acknowledged_by__username": None}])
    with CaptureQueriesContext(connection) as ctx:
        assert alert.pk == 5 and alert.acknowledged_by is None
    assert ctx.captured_queries == []


def test_the_compiled_read_of_several_tables_gives_what_the_plain_one_gives_for_each_window():
    from clinic.rows import rows_at_once_compiled

    settings = f.clinic_settings()
    f.open_weekdays()
    for day in (0, 3, 9):
        f.ClosureFactory(date=MONDAY + dt.timedelta(days=day), reason=f"Closed {day}")
        f.StaffShiftFactory(date=MONDAY + dt.timedelta(days=day))

    def lists(*, pk, start, end):
        return ClinicSettings.objects.filter(pk=pk), {
            "hours": (OpeningHours.objects.all(), row_fields(OpeningHours)),
            "closures": (Closure.objects.filter(date__gte=start, date__lte=end), row_fields(Closure)),
            "shifts": (StaffShift.objects.filter(date__gte=start, date__lte=end), row_fields(StaffShift, "staff")),
        }

    for first, last in [(0, 6), (7, 13), (2, 4)]:
        start, end = MONDAY + dt.timedelta(days=first), MONDAY + dt.timedelta(days=last)
        compiled = rows_at_once_compiled("test window", lists, pk=settings.pk, start=start, end=end)
        plain = _read(start, end)
        assert {name: [o.pk for o in rows] for name, rows in compiled.items()} == {
            name: [o.pk for o in rows] for name, rows in plain.items()
        }
        assert [c.reason for c in compiled["closures"]] == [c.reason for c in plain["closures"]]
