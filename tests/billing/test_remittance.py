"""Remittance: an 835 with a payment, a partial payment, a denial and adjustments, imported twice;
bad files refused whole and kept; manual entry; the patient's balance becomes the payer's figure."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sessions.billing import remittance as rm
from sessions.billing import services as billing
from sessions.billing import x12_835
from sessions.models import (
    Claim,
    ClaimStatus,
    LinePayment,
    PayerKind,
    Remittance,
    RemittanceStatus,
)
from tests import factories as f
from tests.factories_billing import claimable_session

from .remits import file_835, pay, send_all

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def three(cast, prices):
    """Three commercial 56 mg claims (J0013 450 + 99214 450) to Acme Health, one per patient."""
    third = f.PatientFactory(last_name="Gamma")
    for patient in (cast.patient_a, cast.patient_b, third):
        claimable_session(patient=patient, given=56)
    return send_all(cast.admin)


def mixed_file(claims) -> str:
    paid, partial, denied = claims
    return file_835(
        paid.payer,
        [
            pay(
                paid,
                [
                    ("360", "400", [("CO", "45", "50"), ("PR", "2", "40")]),
                    ("300", "350", [("CO", "45", "100"), ("PR", "3", "50")]),
                ],
            ),
            pay(partial, [("400", "400", [("CO", "45", "50")]), ("0", "0", [("CO", "97", "450")])]),
            pay(denied, [("0", "0", [("CO", "50", "450")]), ("0", "0", [("CO", "50", "450")])], status="4"),
        ],
    )


def test_the_835_posts_a_payment_a_partial_payment_and_a_denial(cast, three):
    remittance, fresh = rm.remittance_import_835(content=mixed_file(three), filename="era.835", by=cast.admin)
    assert fresh and remittance.unmatched == []
    statuses = [Claim.objects.get(pk=c.pk).status for c in three]
    assert statuses == [ClaimStatus.PAID, ClaimStatus.PARTIALLY_PAID, ClaimStatus.DENIED]
    assert Claim.objects.get(pk=three[2].pk).status_reason == "CO-50"


def test_importing_the_same_835_twice_changes_nothing(cast, three):
    content = mixed_file(three)
    rm.remittance_import_835(content=content, by=cast.admin)
    payments = LinePayment.objects.count()
    balance = billing.patient_balance(cast.patient_a)
    again, fresh = rm.remittance_import_835(content=content, by=cast.admin)
    assert not fresh
    assert (LinePayment.objects.count(), billing.patient_balance(cast.patient_a)) == (payments, balance)
    assert Remittance.objects.count() == 1


def test_the_patients_balance_becomes_the_payers_patient_responsibility(cast, three):
    before = billing.patient_balance(cast.patient_a)
    assert before == D("50.00")  # the copay estimate
    rm.remittance_import_835(content=mixed_file(three), by=cast.admin)
    assert billing.patient_balance(cast.patient_a) == D("90.00")  # PR-2 40 + PR-3 50 as the 835 states


def test_contractual_adjustments_are_written_off_and_the_claim_reconciles(cast, three):
    rm.remittance_import_835(content=mixed_file(three), by=cast.admin)
    money = rm.claim_money(Claim.objects.get(pk=three[0].pk))
    assert (money.billed, money.paid, money.contractual, money.patient, money.open) == (
        D("900.00"),
        D("660.00"),
        D("150.00"),
        D("90.00"),
        D("0.00"),
    )
    denied = rm.claim_money(Claim.objects.get(pk=three[1].pk))
    assert (
        denied.open == D("450.00") and denied.billed == denied.paid + denied.contractual + denied.patient + denied.open
    )


def test_a_payment_for_an_unknown_claim_is_listed_unmatched_and_the_rest_is_posted(cast, three):
    content = mixed_file(three).replace(three[2].control_number, "KC9999999")
    remittance, _ = rm.remittance_import_835(content=content, by=cast.admin)
    assert [u["claim"] for u in remittance.unmatched] == ["KC9999999"]
    assert LinePayment.objects.filter(claim__in=three[:2]).count() == 4


@pytest.mark.parametrize(
    "spoil,message",
    [
        (lambda t: t[: len(t) // 2], "does not pass the 835 rules"),
        (lambda t: t.replace("SE*", "SE*9", 1), "does not pass the 835 rules"),
        (lambda t: t.replace("SVC*HC:J0013*450*360", "SVC*HC:J0013*450*370"), "do not add up"),
    ],
    ids=["truncated", "wrong segment count", "amounts that do not add up"],
)
def test_a_bad_file_imports_nothing_says_why_and_is_kept_for_review(cast, three, spoil, message):
    bad = spoil(mixed_file(three))
    with pytest.raises(ValidationError, match=message):
        rm.remittance_import_835(content=bad, filename="bad.835", by=cast.admin)
    assert not LinePayment.objects.exists()
    kept = Remittance.objects.get()
    assert (kept.status, kept.content, kept.filename) == (RemittanceStatus.FAILED, bad, "bad.835")
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.SUBMITTED}


def test_a_file_with_another_payers_claims_is_refused_whole(cast, three, prices):
    # A fourth patient: the three already have a visit at that time (one visit at a time per patient).
    claimable_session(patient=f.PatientFactory(last_name="Delta"), kind=PayerKind.MEDICARE, given=84)
    (medicare,) = send_all(cast.admin)
    content = file_835(
        three[0].payer,
        [
            pay(three[0], [("450", "450", []), ("450", "450", [])]),
            pay(medicare, [("960", "960", [("CO", "45", "240")])]),
        ],
    )
    with pytest.raises(ValidationError, match="not for these claims"):
        rm.remittance_import_835(content=content, by=cast.admin)
    assert not LinePayment.objects.exists()


def test_a_medicare_84_mg_claim_paid_by_835_leaves_the_patient_the_stated_coinsurance(cast, prices):
    claimable_session(patient=cast.patient_a, kind=PayerKind.MEDICARE, given=84)
    (claim,) = send_all(cast.admin)
    content = file_835(claim.payer, [pay(claim, [("800", "1000", [("CO", "45", "200"), ("PR", "2", "200")])])])
    rm.remittance_import_835(content=content, by=cast.admin)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PAID
    assert billing.patient_balance(cast.patient_a) == D("200.00")


def test_a_payment_entered_by_hand_is_larger_than_the_line_is_refused(cast, three):
    line = three[0].lines.first()
    with pytest.raises(ValidationError, match="larger than the 450.00 billed"):
        rm.remittance_record(claim=three[0], by=cast.admin, entries=[rm.LineEntry(line, D("500"))])
    assert not Remittance.objects.exists()


def test_a_payment_entered_by_hand_must_add_up_with_its_adjustments(cast, three):
    line = three[0].lines.first()
    with pytest.raises(ValidationError, match="must equal the 450.00 billed"):
        rm.remittance_record(
            claim=three[0], by=cast.admin, entries=[rm.LineEntry(line, D("300"), D("400"), [("CO", "45", D("50"))])]
        )


def test_a_payment_entered_by_hand_posts_like_an_835(cast, three):
    first, second = three[0].lines.order_by("position")
    entries = [
        rm.LineEntry(first, D("360"), D("400"), [("CO", "45", D("50")), ("PR", "1", D("40"))]),
        rm.LineEntry(second, D("400"), D("400"), [("CO", "45", D("50"))]),
    ]
    rm.remittance_record(claim=three[0], by=cast.admin, entries=entries)
    assert Claim.objects.get(pk=three[0].pk).status == ClaimStatus.PAID
    assert billing.patient_balance(cast.patient_a) == D("40.00")
    assert LinePayment.objects.get(claim_line=first).deductible == D("40.00")


def with_plb(text: str) -> str:
    """The file with a PLB segment (an overpayment recovery and an interest payment) before SE, SE recounted."""
    count = int(re.search(r"SE\*(\d+)\*", text).group(1))
    plb = "PLB*1234567893*20261231*WO:KC0001*50*L6*-2.5~"
    text = re.sub(r"SE\*\d+\*", lambda m: plb + ("\n" if "~\n" in text else "") + f"SE*{count + 1}*", text, count=1)
    return text


def test_a_file_with_provider_level_adjustments_is_refused_listing_them_to_post_by_hand(cast, three):
    content = with_plb(mixed_file(three))
    assert x12_835.provider_adjustments(x12_835._segments(content)) == ["WO (ref KC0001) 50.00", "L6 -2.50"]
    with pytest.raises(ValidationError, match=r"Post the remittance by hand with these adjustments: WO \(ref KC0001\)"):
        rm.remittance_import_835(content=content, filename="plb.835", by=cast.admin)
    assert not LinePayment.objects.exists()
    assert Remittance.objects.get().status == RemittanceStatus.FAILED
