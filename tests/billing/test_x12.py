"""The 837P writer: claims as sent, checked against the 5010 implementation rules by pyx12."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sessions.billing import claim_files, claims, x12
from sessions.models import Claim, ClaimBatch, ClaimLine, ClaimStatus, Coverage, PayerKind
from tests.factories_billing import claimable_session

pytestmark = pytest.mark.django_db


def sent_claims(cast):
    claimable_session(patient=cast.patient_a, kind=PayerKind.MEDICARE, given=84)
    claimable_session(patient=cast.patient_b, given=56, em_code="99214")
    out = []
    for claim in claims.claims_build(by=cast.admin):
        out.append(claims.claim_submit(claim=claims.claim_mark_ready(claim=claim, by=cast.admin), by=cast.admin))
    return out


def test_a_medicare_and_a_commercial_claim_make_an_837p_the_validator_accepts(cast, prices):
    text = x12.write_837p(sent_claims(cast), control=1)
    assert x12.validate_837p(text) == []


@pytest.mark.parametrize(
    "break_it,found",
    [
        (lambda t: "\n".join(x for x in t.splitlines() if not x.startswith("HI*")), "Health Care Diagnosis Code"),
        (lambda t: t.replace("SE*23*", "SE*24*"), "SE count"),
        (lambda t: t.replace("SV1*HC:G2083", "SV1*XX:G2083"), "SV1"),
        (lambda t: t[: len(t) // 2], "missing"),
    ],
    ids=["no diagnosis", "wrong segment count", "bad procedure qualifier", "truncated"],
)
def test_the_validator_names_what_breaks_the_implementation_rules(cast, prices, break_it, found):
    text = x12.write_837p(sent_claims(cast), control=1)
    errors = x12.validate_837p(break_it(text))
    assert any(found in e for e in errors), errors


def ready_claims(cast):
    claimable_session(patient=cast.patient_a, kind=PayerKind.MEDICARE, given=84)
    claimable_session(patient=cast.patient_b, given=56, em_code="99214")
    return [claims.claim_mark_ready(claim=c, by=cast.admin) for c in claims.claims_build(by=cast.admin)]


def test_exporting_ready_claims_submits_them_in_one_validated_837p_file(cast, prices):
    batch = claim_files.claims_export(claims=ready_claims(cast), by=cast.admin)
    assert batch.claim_count == 2 and x12.validate_837p(batch.content) == []
    assert set(Claim.objects.values_list("status", "batch")) == {(ClaimStatus.SUBMITTED, batch.pk)}
    assert "SV1*HC:G2083:KX*1200*UN*1***1~" in batch.content
    assert "LIN**N4*50458002802~" in batch.content and "SV1*HC:99214*" in batch.content


def test_a_file_the_validator_refuses_sends_nothing(cast, prices, monkeypatch):
    ready = ready_claims(cast)
    monkeypatch.setattr(x12, "validate_837p", lambda text: ['Mandatory segment "HI" missing'])
    with pytest.raises(ValidationError, match="does not pass the 5010 rules"):
        claim_files.claims_export(claims=ready, by=cast.admin)
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.READY}
    assert not ClaimBatch.objects.exists() and not ClaimLine.objects.exists()


def test_a_claim_that_fails_its_checks_at_export_stops_the_whole_batch(cast, prices):
    ready = ready_claims(cast)
    Coverage.objects.filter(patient=cast.patient_b).update(member_id="")
    with pytest.raises(ValidationError, match="member id"):
        claim_files.claims_export(claims=ready, by=cast.admin)
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.READY}


def test_a_replacement_claim_carries_frequency_7_and_the_payers_claim_number(cast, prices):
    batch = claim_files.claims_export(claims=ready_claims(cast)[:1], by=cast.admin)
    original = batch.claims.get()
    Claim.objects.filter(pk=original.pk).update(payer_claim_number="PCN123")
    original.refresh_from_db()
    replacement = claims.claim_mark_ready(claim=claims.claim_correct(claim=original, by=cast.admin), by=cast.admin)
    text = claim_files.claims_export(claims=[replacement], by=cast.admin).content
    assert ":B:7*" in text and "REF*F8*PCN123~" in text


def test_the_cms1500_pdf_of_a_claim_is_a_pdf_with_its_codes(cast, prices, admin_client_):
    claim = ready_claims(cast)[0]
    context = claim_files.cms1500_context(claim)
    assert [line.code for line in context["lines"]] and context["diagnoses"] == [("A", "F33.2")]
    response = admin_client_.get(reverse("billing_claim_pdf", args=[claim.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_prolonged_service_line_goes_in_the_837p_and_the_validator_accepts_it(cast, prices):
    claimable_session(patient=cast.patient_b, given=56, em_code="99215", clinician_minutes=55)
    (claim,) = claims.claims_build(by=cast.admin)
    claim.payer.allows_prolonged_service = True
    claim.payer.save()
    sent = claims.claim_submit(claim=claims.claim_mark_ready(claim=claim, by=cast.admin), by=cast.admin)
    text = x12.write_837p([sent], control=1)
    assert "SV1*HC:99417*" in text and x12.validate_837p(text) == []
