"""Charges: made at discharge from the price in force that day and the dose actually given."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions.billing import services as billing
from sessions.models import Charge, ChargeKind, Coverage, PayerKind, SessionStatus
from tests import factories as f
from tests.factories_billing import CoverageFactory, PayerFactory, PriceFactory, discharged_session

pytestmark = pytest.mark.django_db


def codes(charge):
    return [(line.code, line.modifier, line.units) for line in charge.lines.all()]


def discharge(session, by=None):
    billing.charge_session(session=session, by=by)
    return Charge.objects.get(session=session)


def test_the_charge_of_a_discharged_session_carries_medicare_codes(prices, patient):
    CoverageFactory(patient=patient, payer=PayerFactory(kind=PayerKind.MEDICARE), copay=None, coinsurance_percent=20)
    charge = discharge(discharged_session(patient=patient, dose=84, given=Decimal("84")))
    assert codes(charge) == [("G2083", "KX", 1)]
    assert charge.total == Decimal("1200.00")
    assert charge.patient_part == Decimal("240.00")
    assert charge.payer_part == Decimal("960.00")


def test_a_commercial_payer_gets_j0013_units_equal_to_the_mg_given_and_an_em_code(prices, patient):
    CoverageFactory(patient=patient, copay=Decimal("50.00"))
    charge = discharge(discharged_session(patient=patient, dose=56, given=Decimal("56")))
    assert codes(charge) == [("J0013", "", 56), ("99213", "", 1)]
    assert (charge.payer_part, charge.patient_part) == (Decimal("850.00"), Decimal("50.00"))


def test_the_dose_given_wins_over_the_planned_dose(prices, patient):
    CoverageFactory(patient=patient, payer=PayerFactory(kind=PayerKind.MEDICARE), copay=Decimal("0"))
    charge = discharge(discharged_session(patient=patient, dose=84, given=Decimal("56")))
    assert codes(charge) == [("G2082", "KX", 1)]
    assert charge.price == prices["56"]
    assert charge.note == ""


def test_without_a_recorded_dose_the_planned_dose_is_used_and_the_charge_says_so(prices, patient):
    charge = discharge(discharged_session(patient=patient, dose=84, given=None))
    assert charge.dose_mg == Decimal("84")
    assert "planned dose of 84 mg" in charge.note


def test_an_iv_infusion_of_100_minutes_is_96365_and_one_96366(prices, patient):
    charge = discharge(discharged_session(patient=patient, slug="iv-ketamine", dose=None, given=35, minutes=100))
    assert codes(charge) == [("96365", "", 1), ("96366", "", 1)]
    assert charge.total == charge.patient_part == Decimal("550.00")  # no coverage: self-pay


def test_the_price_in_force_that_day_is_used_and_a_later_change_never_rewrites_it(prices, patient):
    session = discharged_session(patient=patient, given=Decimal("56"))
    charge = discharge(session)
    PriceFactory(dose_mg=56, amount=Decimal("999.00"), effective_from=timezone.localdate())
    charge.refresh_from_db()
    assert charge.total == Decimal("900.00")
    later = discharged_session(patient=f.PatientFactory(), given=Decimal("56"), when=timezone.now())
    assert discharge(later).total == Decimal("999.00")


def test_a_price_that_starts_tomorrow_is_not_used_today(prices, patient):
    PriceFactory(dose_mg=56, amount=Decimal("10.00"), effective_from=timezone.localdate() + dt.timedelta(days=1))
    assert discharge(discharged_session(patient=patient, given=56)).total == Decimal("900.00")


def test_a_charge_is_never_edited_or_deleted(prices, patient):
    charge = discharge(discharged_session(patient=patient, given=56))
    charge.total = Decimal("1.00")
    with pytest.raises(ValidationError, match="never edited"):
        charge.save()
    with pytest.raises(ValidationError, match="never deleted"):
        charge.delete()


def test_discharging_twice_keeps_one_charge(prices, patient):
    session = discharged_session(patient=patient, given=56)
    first = discharge(session)
    assert billing.charge_session(session=session) == first
    assert Charge.objects.count() == 1


def test_a_session_not_discharged_is_not_charged(prices, patient):
    session = discharged_session(patient=patient, given=56)
    session.status = SessionStatus.OBSERVING
    session.save()
    with pytest.raises(ValidationError, match="discharged"):
        billing.charge_session(session=session)


def test_without_a_price_the_charge_is_zero_and_says_so(patient):
    charge = discharge(discharged_session(patient=patient, given=56))
    assert charge.total == 0
    assert "No price" in charge.note


def test_the_deductible_is_paid_first_then_coinsurance_and_the_coverage_remembers_it(prices, patient):
    coverage = CoverageFactory(
        patient=patient, copay=None, coinsurance_percent=Decimal("20"), deductible_remaining=Decimal("500.00")
    )
    charge = discharge(discharged_session(patient=patient, given=56))
    # 500 deductible + 20% of the other 400
    assert charge.patient_part == Decimal("580.00")
    assert charge.deductible_applied == Decimal("500.00")
    coverage.refresh_from_db()
    assert coverage.deductible_remaining == 0


def test_a_savings_programme_pays_part_of_the_patients_share(prices, patient):
    CoverageFactory(patient=patient, copay=Decimal("40.00"), savings_per_session=Decimal("25.00"))
    charge = discharge(discharged_session(patient=patient, given=56))
    assert (charge.payer_part, charge.savings_part, charge.patient_part) == (
        Decimal("860.00"),
        Decimal("25.00"),
        Decimal("15.00"),
    )


def test_a_no_show_carries_the_configured_fee(patient):
    f.clinic_settings(no_show_fee=Decimal("150.00"))
    session = discharged_session(patient=patient)
    session.status = SessionStatus.NO_SHOW
    session.save()
    billing.charge_release_fee(session=session, by=None, late=True)
    charge = Charge.objects.get(session=session)
    assert (charge.kind, charge.patient_part) == (ChargeKind.NO_SHOW, Decimal("150.00"))


def test_only_a_late_cancellation_carries_the_cancellation_fee(patient):
    f.clinic_settings(cancellation_fee=Decimal("75.00"))
    early, late = discharged_session(patient=patient), discharged_session(patient=f.PatientFactory())
    for s in (early, late):
        s.status = SessionStatus.CANCELLED
        s.save()
    billing.charge_release_fee(session=early, by=None, late=False)
    billing.charge_release_fee(session=late, by=None, late=True)
    assert not Charge.objects.filter(session=early).exists()
    assert Charge.objects.get(session=late).kind == ChargeKind.LATE_CANCEL


def test_a_zero_fee_makes_no_charge(patient):
    session = discharged_session(patient=patient)
    session.status = SessionStatus.NO_SHOW
    session.save()
    billing.charge_release_fee(session=session, by=None, late=True)
    assert not Charge.objects.exists()


def test_the_estimate_before_a_session_uses_the_planned_dose_and_coverage(prices, patient):
    CoverageFactory(patient=patient, copay=Decimal("50.00"))
    session = f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=patient),
        planned_start=timezone.now() + dt.timedelta(days=2),
        planned_dose_mg=84,
    )
    est = billing.estimate_for_session(session)
    assert est.total == Decimal("1200.00")
    assert est.patient_part == Decimal("50.00")
    assert est.codes == "J0013, 99213"


def test_coverage_amounts_cannot_be_negative_in_the_database(patient):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Coverage.objects.create(
            patient=patient, payer=PayerFactory(), starts_on=timezone.localdate(), copay=Decimal("-1")
        )
