"""The billing-code rules (README, "Billing"; sessions/billing/codes.py), without a database."""

from decimal import Decimal

import pytest

from sessions.billing import codes as bc


def codes(lines):
    return [(line.code, line.modifier, line.units) for line in lines]


def test_medicare_esketamine_up_to_56_mg_is_g2082_with_kx():
    assert codes(bc.esketamine_lines(payer_kind="medicare", dose_mg=56)) == [("G2082", "KX", 1)]


def test_medicare_esketamine_over_56_mg_is_g2083_with_kx():
    assert codes(bc.esketamine_lines(payer_kind="medicare", dose_mg=84)) == [("G2083", "KX", 1)]


@pytest.mark.parametrize("kind", ["commercial", "medicaid", "self_pay"])
def test_other_payers_bill_j0013_per_mg_plus_an_em_code(kind):
    lines = bc.esketamine_lines(payer_kind=kind, dose_mg=Decimal("84"), em_code="99214")
    assert codes(lines) == [("J0013", "", 84), ("99214", "", 1)]


def test_before_2026_the_drug_code_is_s0013():
    assert bc.esketamine_lines(payer_kind="commercial", dose_mg=56, year=2025)[0].code == "S0013"


def test_an_unknown_em_code_is_refused():
    with pytest.raises(ValueError, match="E/M code"):
        bc.esketamine_lines(payer_kind="commercial", dose_mg=56, em_code="99999")


@pytest.mark.parametrize(
    ("minutes", "additional"),
    [(None, 0), (40, 0), (60, 0), (90, 0), (91, 1), (150, 1), (151, 2), (210, 2), (211, 3)],
)
def test_96366_counts_each_hour_after_the_first_only_beyond_30_minutes(minutes, additional):
    assert bc.infusion_additional_hours(minutes) == additional


def test_a_40_minute_infusion_is_96365_alone():
    assert codes(bc.infusion_lines(minutes=40)) == [("96365", "", 1)]


def test_a_100_minute_infusion_adds_one_96366():
    assert codes(bc.infusion_lines(minutes=100)) == [("96365", "", 1), ("96366", "", 1)]


def test_lines_for_dispatches_on_the_treatment():
    assert (
        bc.lines_for(treatment="ketamine_iv", payer_kind="medicare", dose_mg=35, infusion_minutes=40)[0].code == "96365"
    )
    assert bc.lines_for(treatment="esketamine", payer_kind="medicare", dose_mg=56)[0].code == "G2082"
