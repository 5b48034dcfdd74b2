"""Factories for billing tests. All data synthetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from sessions.models import Coverage, Payer, PayerKind, Price, PriorAuthorisation, SessionStatus

from . import factories as f


class PayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payer
        django_get_or_create = ("name",)

    name = factory.LazyAttribute(
        lambda p: {"medicare": "Medicare", "medicaid": "Medicaid", "self_pay": "Self-pay"}.get(p.kind, "Acme Health")
    )
    kind = PayerKind.COMMERCIAL


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coverage

    patient = factory.SubFactory(f.PatientFactory)
    payer = factory.SubFactory(PayerFactory)
    member_id = factory.Sequence(lambda n: f"M{n:06d}")
    copay = Decimal("50.00")
    deductible_remaining = Decimal("0.00")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    protocol = factory.LazyFunction(f.protocol)
    dose_mg = 56
    amount = Decimal("900.00")
    effective_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))


class AuthorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriorAuthorisation

    patient = factory.SubFactory(f.PatientFactory)
    payer = factory.SubFactory(PayerFactory)
    number = factory.Sequence(lambda n: f"PA-{n:05d}")
    sessions_authorised = 8
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))


def standard_prices(on: dt.date | None = None) -> dict[str, Price]:
    on = on or timezone.localdate() - dt.timedelta(days=365)
    return {
        "56": PriceFactory(dose_mg=56, amount=Decimal("900.00"), effective_from=on),
        "84": PriceFactory(dose_mg=84, amount=Decimal("1200.00"), effective_from=on),
        "iv": PriceFactory(
            protocol=f.protocol("iv-ketamine"), dose_mg=None, amount=Decimal("550.00"), effective_from=on
        ),
    }


def discharged_session(
    *,
    patient,
    when: dt.datetime | None = None,
    dose=56,
    given=None,
    minutes=None,
    slug="esketamine-trd",
    number=1,
    **extra,
):
    """A session that has been through the clinic (written straight to the database)."""
    when = when or timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    course = f.CourseFactory(patient=patient, protocol=f.protocol(slug))
    return f.TreatmentSessionFactory(
        course=course,
        number=number,
        planned_start=when,
        planned_dose_mg=dose,
        status=SessionStatus.DISCHARGED,
        dose_given_mg=given,
        infusion_minutes=minutes,
        discharged_at=when + dt.timedelta(hours=2, minutes=30),
        **extra,
    )


VALID_NPI = "1234567893"  # the CMS worked example (check digit 3)
PRESCRIBER_NPI = "1245319599"


def billing_provider():
    """A complete billing provider (as an admin would save it)."""
    from sessions.models import BillingProvider

    provider = BillingProvider.load()
    for name, value in dict(
        name="Calm Clinic",
        npi=VALID_NPI,
        tax_id="12-3456789",
        address_line="1 Main St",
        city="Albany",
        state="NY",
        zip_code="12207-1234",
        ketamine_ndc="42023011310",
    ).items():
        setattr(provider, name, value)
    provider.save()
    return provider


def claimable_session(
    *,
    patient,
    kind=PayerKind.COMMERCIAL,
    given=56,
    em_code="99214",
    slug="esketamine-trd",
    clinician_minutes=None,
    **kw,
):
    """A discharged, charged session whose claim passes its checks: provider, NPI, diagnoses, coverage."""
    from sessions.billing.charges import charge_session
    from sessions.models import CourseDiagnoses, PrescriberNpi, VisitCoding

    billing_provider()
    payer = PayerFactory(kind=kind, payer_id={"medicare": "MCR01"}.get(kind, "ACME1"))
    if not patient.coverages.filter(payer=payer).exists():
        CoverageFactory(patient=patient, payer=payer)
    session = discharged_session(patient=patient, given=given, slug=slug, **kw)
    prescriber = session.course.prescriber
    PrescriberNpi.objects.get_or_create(user=prescriber, defaults={"npi": PRESCRIBER_NPI})
    CourseDiagnoses.objects.create(course=session.course, codes="F33.2")
    if em_code:
        VisitCoding.objects.create(
            session=session, em_code=em_code, clinician_minutes=clinician_minutes, chosen_by=prescriber
        )
    charge_session(session=session)
    return session
