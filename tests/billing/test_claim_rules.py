"""Each payer rule a claim is checked against, with the case that breaks it (no database)."""

from decimal import Decimal

import pytest

from sessions.billing import codes as billing_codes
from sessions.billing.claim_rules import Context, ProposedLine, line_problems
from sessions.models import Payer, PayerKind

MEDICARE = Payer(name="Medicare", kind=PayerKind.MEDICARE)
ACME = Payer(name="Acme Health", kind=PayerKind.COMMERCIAL, esketamine_code="J0013")


def esk(code, *, dose=84, units=1, modifiers="", ndc="", qty=None):
    return ProposedLine(
        None,
        code,
        "x",
        units=units,
        modifiers=modifiers,
        ndc=ndc,
        ndc_quantity=qty,
        treatment="esketamine",
        dose_mg=Decimal(dose),
    )


def iv(code, *, units=1, minutes=40, ndc="", qty=None):
    return ProposedLine(
        None, code, "x", units=units, ndc=ndc, ndc_quantity=qty, treatment="ketamine_iv", infusion_minutes=minutes
    )


def fields(payer, lines, **kw):
    return [p.field for p in line_problems(Context(payer=payer, **kw), lines)]


def messages(payer, lines, **kw):
    return " ".join(p.message for p in line_problems(Context(payer=payer, **kw), lines))


J0013_56 = dict(dose=56, units=56, ndc="50458002802", qty=1)


def test_a_medicare_84_mg_visit_billed_g2083_with_kx_passes():
    assert fields(MEDICARE, [esk("G2083", modifiers="KX")]) == []


def test_g2082_is_refused_for_more_than_56_mg():
    assert "bill G2083" in messages(MEDICARE, [esk("G2082", modifiers="KX", dose=84)])


def test_g2083_is_refused_for_56_mg_or_less():
    assert "bill G2082" in messages(MEDICARE, [esk("G2083", modifiers="KX", dose=56)])


def test_a_medicare_visit_code_without_kx_is_refused():
    assert fields(MEDICARE, [esk("G2083")]) == ["modifiers"]


def test_kx_is_refused_for_a_patient_not_rems_enrolled():
    assert fields(MEDICARE, [esk("G2083", modifiers="KX")], rems_enrolled=False) == ["rems"]


def test_a_medicare_visit_code_is_one_unit():
    assert fields(MEDICARE, [esk("G2083", modifiers="KX", units=2)]) == ["units"]


@pytest.mark.parametrize("extra", ["99213", "99417", "J0013"])
def test_no_separate_em_prolonged_or_drug_line_beside_g2082_g2083(extra):
    lines = [esk("G2083", modifiers="KX"), esk(extra, units=84, ndc="50458002803", qty=1)]
    assert f"remove {extra}" in messages(MEDICARE, lines)


def test_medicare_refuses_j0013_for_esketamine():
    assert "not J0013" in messages(MEDICARE, [esk("J0013", units=84, ndc="50458002803", qty=1)])


def test_medicare_does_not_cover_iv_ketamine():
    lines = [iv("96365"), iv("J3490", ndc="42023011310", qty=1)]
    assert "does not cover IV ketamine" in messages(MEDICARE, lines)


def test_a_commercial_56_mg_visit_with_j0013_its_ndc_and_an_em_code_passes():
    assert fields(ACME, [esk("J0013", **J0013_56), esk("99214", dose=56)]) == []


def test_a_medicare_code_is_refused_for_a_commercial_payer():
    assert "is a Medicare code" in messages(ACME, [esk("G2082", modifiers="KX", dose=56), esk("99214", dose=56)])


def test_the_payers_configured_drug_code_is_required():
    payer = Payer(name="Old Plan", kind=PayerKind.COMMERCIAL, esketamine_code="S0013")
    assert "takes S0013" in messages(payer, [esk("J0013", **J0013_56), esk("99214", dose=56)])


def test_j0013_units_must_equal_the_mg_given():
    lines = [esk("J0013", dose=56, units=2, ndc="50458002802", qty=1), esk("99214", dose=56)]
    assert "units must be the 56 mg given, not 2" in messages(ACME, lines)


def test_a_drug_line_without_its_ndc_is_refused():
    lines = [esk("J0013", dose=56, units=56), esk("99214", dose=56)]
    assert fields(ACME, lines) == ["ndc"]


def test_an_ndc_that_is_not_11_digits_is_refused():
    lines = [esk("J0013", dose=56, units=56, ndc="5045800282", qty=1), esk("99214", dose=56)]
    assert "must be 11 digits" in messages(ACME, lines)


def test_an_ndc_without_its_quantity_is_refused():
    lines = [esk("J0013", dose=56, units=56, ndc="50458002802"), esk("99214", dose=56)]
    assert "quantity" in messages(ACME, lines)


def test_a_commercial_esketamine_visit_without_the_prescribers_em_code_is_refused():
    assert fields(ACME, [esk("J0013", **J0013_56)]) == ["em_code"]


def test_an_em_code_outside_99212_to_99215_is_refused():
    assert "99211" in messages(ACME, [esk("J0013", **J0013_56), esk("99211", dose=56)])


def test_an_infusion_of_40_minutes_with_its_drug_line_passes():
    assert fields(ACME, [iv("96365"), iv("J3490", ndc="42023011310", qty=1)]) == []


def test_96366_needs_96365():
    assert "+96366 is an add-on" in messages(ACME, [iv("96366", minutes=100), iv("J3490", ndc="42023011310", qty=1)])


def test_96365_is_one_unit():
    assert fields(ACME, [iv("96365", units=2), iv("J3490", ndc="42023011310", qty=1)]) == ["units"]


def test_96366_units_follow_the_minutes_beyond_the_first_hour():
    lines = [iv("96365", minutes=80), iv("96366", minutes=80), iv("J3490", ndc="42023011310", qty=1)]
    assert "80 minutes give 0, not 1" in messages(ACME, lines)


def test_an_infusion_claim_needs_its_drug_line():
    assert "needs the drug line" in messages(ACME, [iv("96365")])


def test_a_claim_without_lines_is_refused():
    assert fields(ACME, []) == ["lines"]


PROLONGED_OK = Payer(name="Prolonged Health", kind=PayerKind.COMMERCIAL, allows_prolonged_service=True)


def prolonged(*, em="99215", code="99417", units=1, minutes=55, payer=PROLONGED_OK):
    lines = [esk("J0013", **J0013_56), esk(em, dose=56), esk(code, dose=56, units=units)]
    for line in lines:
        line.clinician_minutes = minutes
    return fields(payer, lines), messages(payer, lines)


@pytest.mark.parametrize(
    "em,minutes,units", [("99215", 54, 0), ("99215", 55, 1), ("99215", 69, 1), ("99215", 70, 2), ("99214", 90, 0)]
)
def test_99417_counts_each_full_15_minutes_beyond_99215s_40(em, minutes, units):
    assert billing_codes.prolonged_units(em_code=em, minutes=minutes) == units


def test_a_99215_visit_with_99417_for_55_minutes_passes_where_the_payer_allows_it():
    assert prolonged() == ([], "")


def test_99417_is_refused_for_a_payer_that_does_not_allow_prolonged_service():
    found, text = prolonged(payer=ACME)
    assert found == ["code"] and "does not allow prolonged-service codes" in text and "tick" in text


def test_99417_beside_an_em_code_other_than_99215_is_refused():
    found, text = prolonged(em="99214")
    assert found == ["em_code"] and "choose 99215" in text


def test_99417_units_must_follow_the_active_clinician_minutes():
    found, text = prolonged(minutes=54)
    assert found == ["clinician_minutes"] and "54 minutes give 0, not 1" in text


@pytest.mark.parametrize("code", ["99416", "G2212"])
def test_other_prolonged_codes_are_refused_even_where_the_payer_allows_prolonged_service(code):
    found, text = prolonged(code=code)
    assert found == ["code"] and "+99417" in text
