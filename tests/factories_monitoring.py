"""Factories and helpers for live-monitoring tests: sessions brought to a given state through the services."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from sessions.models import Drug, DrugLot, SessionStatus
from sessions.monitoring import services as m

from . import factories as f


class DrugLotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DrugLot

    drug = Drug.ESKETAMINE
    lot_number = factory.Sequence(lambda n: f"LOT{1000 + n}")
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    received_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    quantity = 100
    received_by = factory.SubFactory(f.StaffFactory)


CHECKLIST = {
    "identity_confirmed": True,
    "no_food_2h": True,
    "no_drink_30min": True,
    "nasal_spray_ok": True,
    "ride_name": "Sam Driver",
    "ride_phone": "+1 555 0100 222",
    "contraindications_unchanged": True,
    "rems_enrolled": True,
    "pregnancy": "not_relevant",
}


def esketamine_session(**kwargs):
    kwargs.setdefault("number", 2)
    return f.TreatmentSessionFactory(**kwargs)


def iv_session(**kwargs):
    course = f.CourseFactory(protocol=f.protocol("iv-ketamine"))
    kwargs.setdefault("planned_dose_mg", None)
    return f.TreatmentSessionFactory(course=course, **kwargs)


def checked_in(session, nurse, *, systolic=128, diastolic=82, at=None):
    m.session_check_in(session=session, by=nurse, checklist=dict(CHECKLIST), at=at)
    m.vitals_record(
        session=session, by=nurse, systolic=systolic, diastolic=diastolic, heart_rate=72, spo2=98, taken_at=at
    )
    session.refresh_from_db()
    return session


def dosed(session, nurse, *, lot=None, start=None, devices=2, clock=None):
    """Checked in, dosing started, ``devices`` devices 5 minutes apart from ``start``, observing.

    With a time_machine ``clock`` the clock moves to each device's time; without one the devices
    are spaced backwards from now.
    """
    lot = lot or DrugLotFactory()
    if clock is None:
        start = start or timezone.now() - dt.timedelta(minutes=5 * (devices - 1))
    else:
        start = start or timezone.now()
    checked_in(session, nurse, at=min(start, timezone.now()) - dt.timedelta(minutes=10))
    m.session_start_dosing(session=session, by=nurse)
    for i in range(devices):
        at = start + dt.timedelta(minutes=5 * i)
        if clock is not None:
            clock.move_to(at)
        m.administer_device(session=session, by=nurse, lot=lot, given_at=at)
    m.session_start_observing(session=session, by=nurse)
    session.refresh_from_db()
    assert session.status == SessionStatus.OBSERVING
    return session


def all_checks_recorded(session, nurse, *, clock, t0):
    """Record every check the protocol schedules for an esketamine session dosed at ``t0`` (frozen clock),
    then the readings before discharge and the ride; leaves the clock at 121 minutes."""
    from clinic.models import ClinicSettings
    from sessions.models import Scale

    cs = ClinicSettings.load()
    for minute in sorted({cs.bp_check_minutes, *cs.sedation_check_list()}):
        clock.move_to(t0 + dt.timedelta(minutes=minute))
        m.vitals_record(session=session, by=nurse, systolic=142, diastolic=88, heart_rate=76, spo2=98)
        m.assessment_record(session=session, by=nurse, scale=Scale.MOAAS, score=4 if minute < 90 else 5)
        m.assessment_record(session=session, by=nurse, scale=Scale.CADSS6, items=[1, 0, 0, 0, 0, 0])
    clock.move_to(t0 + dt.timedelta(minutes=110))
    m.vitals_record(session=session, by=nurse, systolic=128, diastolic=80, heart_rate=72, spo2=98)
    m.assessment_record(session=session, by=nurse, scale=Scale.MOAAS, score=5)
    m.assessment_record(session=session, by=nurse, scale=Scale.CADSS6, items=[0] * 6)
    m.ride_arrived(session=session, by=nurse)
    clock.move_to(t0 + dt.timedelta(minutes=121))
    return session


def discharged(session, nurse, *, clock, devices=2, lot=None):
    """Through the services from check-in to a signed discharge, every scheduled check recorded."""
    from sessions.monitoring import discharge

    t0 = timezone.now()
    session = dosed(session, nurse, lot=lot, start=t0, devices=devices, clock=clock)
    all_checks_recorded(session, nurse, clock=clock, t0=t0)
    discharge.session_discharge(session=session, by=nurse, clinician_ready=True, ready_without_rule_minutes=75)
    session.refresh_from_db()
    return session
