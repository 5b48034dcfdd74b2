"""The planner: concrete, spaced, in opening hours, in free active chairs, bounded queries."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import RemsStatus
from sessions.scheduling.planning import parse_weekdays, plan_phase
from tests import factories as f
from tests.factories_scheduling import MONDAY, NY, at

pytestmark = pytest.mark.django_db


def trd_induction():
    return f.first_phase("esketamine-trd")


def test_a_trd_induction_is_eight_sessions_twice_weekly_on_mon_and_thu(chairs):
    slots = plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9))
    assert len(slots) == 8
    assert [s.start.astimezone(NY).weekday() for s in slots] == [0, 3] * 4
    assert all(s.start.astimezone(NY).time() == dt.time(9) for s in slots)
    gaps = [(b.start.date() - a.start.date()).days for a, b in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= 2
    assert [s.index for s in slots] == list(range(1, 9))


def test_the_first_trd_session_is_56_mg(chairs):
    slots = plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9))
    assert slots[0].dose_mg == 56


def test_a_visit_holds_the_chair_for_checkin_dosing_observation_and_turnover(chairs):
    (slot, *_) = plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9))
    assert slot.end - slot.start == dt.timedelta(minutes=15 + 15 + 120 + 15)


def test_observation_follows_a_longer_clinic_minimum_for_esketamine(chairs):
    f.clinic_settings(esketamine_observation_minutes=150)
    (slot, *_) = plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9))
    assert slot.end - slot.start == dt.timedelta(minutes=15 + 15 + 150 + 15)


def test_an_iv_series_is_six_infusions(chairs):
    slots = plan_phase(phase=f.first_phase("iv-ketamine"), start_date=MONDAY, weekdays=[0, 2, 4], time=dt.time(10))
    assert len(slots) == 6
    assert (slots[-1].start - slots[0].start).days <= 21


def test_a_start_in_the_past_is_refused(chairs):
    with pytest.raises(ValidationError) as exc:
        plan_phase(phase=trd_induction(), start_date=MONDAY - dt.timedelta(days=1), weekdays=[0, 3], time=dt.time(9))
    assert "past" in str(exc.value.message_dict["start_date"])


def test_a_visit_that_would_end_after_closing_is_refused(chairs):
    with pytest.raises(ValidationError) as exc:
        plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(16))
    assert "Outside opening hours" in str(exc.value.message_dict["time"])


def test_a_time_before_opening_is_refused(chairs):
    with pytest.raises(ValidationError) as exc:
        plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(7))
    assert "time" in exc.value.message_dict


def test_a_closed_weekday_is_refused(chairs):
    with pytest.raises(ValidationError) as exc:
        plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[3, 6], time=dt.time(9))
    assert "closed on Sunday" in str(exc.value.message_dict["weekdays"])


def test_weekdays_closer_than_the_minimum_spacing_are_refused(chairs):
    with pytest.raises(ValidationError) as exc:
        plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 1], time=dt.time(9))
    assert "at least 2" in str(exc.value.message_dict["weekdays"])


def test_the_clinic_spacing_setting_is_respected(chairs):
    f.clinic_settings(min_days_between_induction=4)
    with pytest.raises(ValidationError):
        plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9))


def test_too_few_weekdays_for_twice_weekly_are_refused(chairs):
    with pytest.raises(ValidationError) as exc:
        plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0], time=dt.time(9))
    assert "choose 2 weekdays" in str(exc.value.message_dict["weekdays"])


def test_an_inactive_preferred_chair_is_refused(chairs):
    chairs[0].is_active = False
    chairs[0].save()
    with pytest.raises(ValidationError) as exc:
        plan_phase(
            phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9), preferred_chair=chairs[0]
        )
    assert "inactive" in str(exc.value.message_dict["preferred_chair"])


def test_inactive_chairs_are_never_planned(chairs):
    chairs[0].is_active = False
    chairs[0].save()
    slots = plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9))
    assert {s.chair for s in slots} == {chairs[1]}


def test_a_patient_not_enrolled_in_rems_cannot_be_planned_for_esketamine(chairs):
    patient = f.PatientFactory(rems_status=RemsStatus.PENDING, rems_enrolled_on=None)
    with pytest.raises(ValidationError) as exc:
        plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9), patient=patient)
    assert "REMS" in str(exc.value.message_dict["patient"])


def test_a_patient_not_enrolled_in_rems_can_be_planned_for_iv_ketamine(chairs):
    patient = f.PatientFactory(rems_status=RemsStatus.NOT_ENROLLED, rems_enrolled_on=None)
    slots = plan_phase(
        phase=f.first_phase("iv-ketamine"), start_date=MONDAY, weekdays=[0, 2, 4], time=dt.time(9), patient=patient
    )
    assert len(slots) == 6


def test_a_contraindication_blocks_planning(chairs):
    patient = f.PatientFactory(ci_hypersensitivity=True)
    with pytest.raises(ValidationError):
        plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9), patient=patient)


def test_a_taken_chair_sends_the_visit_to_another_chair(chairs):
    f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(MONDAY, 9))
    slots = plan_phase(
        phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9), preferred_chair=chairs[0]
    )
    assert slots[0].chair == chairs[1]
    assert slots[1].chair == chairs[0]


def test_when_every_chair_is_taken_the_visit_moves_later_that_day(chairs):
    for chair in chairs:
        f.TreatmentSessionFactory(chair=chair, planned_start=at(MONDAY, 9))
    slots = plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9))
    assert slots[0].start == at(MONDAY, 11, 45)


def test_the_patients_own_other_visit_is_never_overlapped(chairs):
    patient = f.PatientFactory()
    other = f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=patient), chair=chairs[0], planned_start=at(MONDAY, 9)
    )
    slots = plan_phase(phase=trd_induction(), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9), patient=patient)
    assert slots[0].start >= other.planned_end


def test_parse_weekdays_reads_names_and_numbers():
    assert parse_weekdays("mon,thu") == [0, 3]
    assert parse_weekdays("1, 4") == [1, 4]
    with pytest.raises(ValidationError):
        parse_weekdays("mon,funday")


def _queries_for(count):
    phase = f.protocol("esketamine-trd").phases.select_related("protocol").get(order=3)
    with CaptureQueriesContext(connection) as ctx:
        plan_phase(
            phase=phase,
            start_date=MONDAY,
            weekdays=[0],
            time=dt.time(9),
            count=count,
        )
    return len(ctx.captured_queries)


def test_planning_runs_the_same_number_of_queries_for_4_or_40_sessions(chairs):
    for i in range(20):
        f.TreatmentSessionFactory(chair=chairs[i % 2], planned_start=at(MONDAY + dt.timedelta(days=i), 12))
    f.clinic_settings()
    assert _queries_for(4) == _queries_for(40)
    assert _queries_for(40) <= 5  # settings, opening hours, closures, chairs, bookings in the window
