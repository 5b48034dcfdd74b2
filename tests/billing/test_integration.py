"""Billing with the real monitoring and booking services: discharge charges, release fees."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from sessions.models import Charge, ChargeKind, PayerKind, Scale
from sessions.monitoring import discharge
from sessions.monitoring import services as m
from sessions.scheduling import booking
from tests import factories as f
from tests.factories_billing import CoverageFactory, PayerFactory
from tests.factories_monitoring import dosed, esketamine_session

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 16, 14, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_a_session_discharged_by_the_monitoring_service_is_charged_for_the_devices_given(prices):
    nurse = f.StaffFactory()
    with time_machine.travel(T0, tick=False) as clock:
        s = esketamine_session(planned_dose_mg=84, planned_start=T0 - dt.timedelta(minutes=15))
        CoverageFactory(patient=s.patient, payer=PayerFactory(kind=PayerKind.MEDICARE), copay=Decimal("0"))
        s = dosed(s, nurse, start=T0, devices=2, clock=clock)  # 56 mg given although 84 was planned
        clock.move_to(at(40))
        m.vitals_record(session=s, by=nurse, systolic=150, diastolic=92)
        m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=4)  # every scheduled check is taken
        m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[1, 0, 0, 0, 0, 0])
        clock.move_to(at(110))
        m.vitals_record(session=s, by=nurse, systolic=132, diastolic=84)
        m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=5)
        m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[0] * 6)
        m.ride_arrived(session=s, by=nurse)
        clock.move_to(at(121))
        discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=75)
    charge = Charge.objects.get(session=s)
    assert [(line.code, line.modifier) for line in charge.lines.all()] == [("G2082", "KX")]
    assert charge.dose_mg == Decimal("56")
    assert charge.total == Decimal("900.00")
    assert charge.created_by == nurse


def test_a_no_show_marked_through_the_booking_service_carries_the_fee():
    f.clinic_settings(no_show_fee=Decimal("150.00"))
    session = f.TreatmentSessionFactory(planned_start=dt.datetime(2026, 11, 16, 14, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 11, 16, 16, tzinfo=dt.UTC), tick=False):
        booking.session_no_show(session=session, by=f.StaffFactory())
    charge = Charge.objects.get(session=session)
    assert (charge.kind, charge.patient_part) == (ChargeKind.NO_SHOW, Decimal("150.00"))
