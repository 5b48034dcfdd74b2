"""factory_boy factories for every model tests need. All data synthetic."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from clinic.models import Chair, ClinicSettings, OpeningHours, Patient, RemsStatus, Role, Sex, StaffShift, User
from clinic.places import Closure
from sessions.models import (
    Course,
    Protocol,
    ProtocolPhase,
    Ride,
    RideStatus,
    SessionStatus,
    TreatmentSession,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.STAFF
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    role = Role.STAFF
    title = "RN"


class PrescriberFactory(UserFactory):
    role = Role.STAFF
    is_prescriber = True
    title = "MD"


class AdminFactory(UserFactory):
    role = Role.ADMIN


class PatientUserFactory(UserFactory):
    role = Role.PATIENT


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=20, maximum_age=80)
    sex = Sex.FEMALE
    phone = "+1 555 0100 111"
    email = factory.Sequence(lambda n: f"patient{n}@example.org")
    usual_ride_name = "Sam Driver"
    usual_ride_phone = "+1 555 0100 222"
    weight_kg = 70
    rems_status = RemsStatus.ENROLLED
    rems_enrolled_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))


class PortalPatientFactory(PatientFactory):
    user = factory.SubFactory(PatientUserFactory)


class ChairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chair

    name = factory.Sequence(lambda n: f"Chair {n}")


class StaffShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffShift

    date = factory.LazyFunction(timezone.localdate)
    staff = factory.SubFactory(StaffFactory)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    date = factory.Sequence(lambda n: timezone.localdate() + dt.timedelta(days=30 + n))
    reason = "Staff training"


def open_weekdays(opens: dt.time = dt.time(8), closes: dt.time = dt.time(18)) -> None:
    for weekday in range(5):
        OpeningHours.objects.update_or_create(weekday=weekday, defaults={"opens": opens, "closes": closes})


def clinic_settings(**changes) -> ClinicSettings:
    cs = ClinicSettings.load()
    for key, value in changes.items():
        setattr(cs, key, value)
    cs.save()
    return cs


def protocol(slug: str = "esketamine-trd") -> Protocol:
    """The standard protocols are installed by a data migration."""
    return Protocol.objects.get(slug=slug)


def first_phase(slug: str = "esketamine-trd") -> ProtocolPhase:
    return protocol(slug).phases.order_by("order").first()


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    patient = factory.SubFactory(PatientFactory)
    protocol = factory.LazyFunction(protocol)
    prescriber = factory.SubFactory(PrescriberFactory)
    start_date = factory.LazyFunction(timezone.localdate)
    preferred_weekdays = "0,3"
    preferred_time = dt.time(9, 0)
    current_phase = factory.LazyAttribute(lambda c: c.protocol.phases.order_by("order").first())


class TreatmentSessionFactory(factory.django.DjangoModelFactory):
    """A session written straight to the database (bypassing the booking service)."""

    class Meta:
        model = TreatmentSession

    course = factory.SubFactory(CourseFactory)
    patient = factory.LazyAttribute(lambda s: s.course.patient)
    phase = factory.LazyAttribute(lambda s: s.course.current_phase)
    chair = factory.SubFactory(ChairFactory)
    number = 1
    planned_start = factory.LazyFunction(lambda: timezone.now().replace(minute=0, second=0, microsecond=0))
    planned_end = factory.LazyAttribute(lambda s: s.planned_start + s.phase.chair_duration)
    planned_dose_mg = 56
    status = SessionStatus.SCHEDULED


class RideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ride

    session = factory.SubFactory(TreatmentSessionFactory)
    driver_name = "Sam Driver"
    driver_phone = "+1 555 0100 222"
    status = RideStatus.PLANNED
