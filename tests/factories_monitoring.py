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
