"""The denials queue and its actions, and the remittance pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sessions.billing import denials
from sessions.billing import remittance as rm
from sessions.billing import services as billing
from sessions.models import Claim, ClaimStatus, LinePayment, Remittance
from tests.factories_billing import claimable_session

from .remits import file_835, pay, send_all

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def denied(cast, prices):
    claimable_session(patient=cast.patient_a, given=56)
    (claim,) = send_all(cast.admin)
    content = file_835(
        claim.payer, [pay(claim, [("0", "0", [("CO", "50", "450")]), ("0", "0", [("CO", "50", "450")])], status="4")]
    )
    rm.remittance_import_835(content=content, by=cast.admin)
    return Claim.objects.get(pk=claim.pk)


def test_a_denied_claim_is_in_the_queue_with_its_reason_and_open_amount(denied):
    (row,) = denials.denial_queue()
    assert (row.claim, row.money.reasons, row.money.open) == (denied, ["CO-50"], D("900.00"))


def test_transferring_a_denial_moves_the_denied_amount_to_the_patient_and_empties_the_queue(cast, denied):
    assert billing.patient_balance(cast.patient_a) == D("0.00")  # the payer stated no patient responsibility
    denials.claim_transfer_to_patient(claim=denied, by=cast.admin)
    assert billing.patient_balance(cast.patient_a) == D("900.00")
    assert denials.denial_queue() == []
    money = rm.claim_money(Claim.objects.get(pk=denied.pk))
    assert money.billed == money.paid + money.contractual + money.patient + money.open


def test_a_denial_is_transferred_once(cast, denied):
    denials.claim_transfer_to_patient(claim=denied, by=cast.admin)
    with pytest.raises(ValidationError, match="Nothing denied is left"):
        denials.claim_transfer_to_patient(claim=denied, by=cast.admin)
    assert billing.patient_balance(cast.patient_a) == D("900.00")


def test_an_appeal_needs_a_note_and_a_date_not_in_the_future(cast, denied):
    with pytest.raises(ValidationError):
        denials.claim_appeal(claim=denied, by=cast.admin, note=" ", on=timezone.localdate())
    with pytest.raises(ValidationError):
        denials.claim_appeal(
            claim=denied, by=cast.admin, note="Records", on=timezone.localdate() + dt.timedelta(days=1)
        )
    claim = denials.claim_appeal(claim=denied, by=cast.admin, note="Sent the PHQ-9 history", on=timezone.localdate())
    assert claim.appealed_on == timezone.localdate()


def test_correct_and_resubmit_opens_a_replacement_and_the_sent_one_leaves_the_queue(cast, denied):
    from sessions.billing import claim_files, claims

    replacement = claims.claim_mark_ready(claim=claims.claim_correct(claim=denied, by=cast.admin), by=cast.admin)
    claim_files.claims_export(claims=[replacement], by=cast.admin)
    assert Claim.objects.get(pk=denied.pk).status == ClaimStatus.CORRECTED
    assert denials.denial_queue() == []


def test_the_denials_page_lists_the_denial_and_transfers_it(cast, denied, admin_client_):
    page = admin_client_.get(reverse("billing_denials"))
    assert page.status_code == 200 and "CO-50" in page.text
    assert admin_client_.post(reverse("billing_claim_transfer", args=[denied.pk])).status_code == 302
    assert "No denial to work." in admin_client_.get(reverse("billing_denials")).text


def test_an_835_uploaded_on_the_page_is_posted_and_a_second_upload_changes_nothing(cast, prices, admin_client_):
    claimable_session(patient=cast.patient_a, given=56)
    (claim,) = send_all(cast.admin)
    content = file_835(
        claim.payer, [pay(claim, [("400", "400", [("CO", "45", "50")]), ("400", "400", [("CO", "45", "50")])])]
    )
    for _ in range(2):
        upload = SimpleUploadedFile("era.835", content.encode())
        response = admin_client_.post(reverse("billing_remittances"), {"file": upload})
        assert response.status_code == 302
    assert (Remittance.objects.count(), LinePayment.objects.count()) == (1, 2)


def test_a_bad_835_on_the_page_says_why_beside_the_field(cast, prices, admin_client_):
    response = admin_client_.post(reverse("billing_remittances"), {"file": SimpleUploadedFile("x.835", b"ISA*00*")})
    assert response.status_code == 400
    assert "The 835 file was not imported" in response.text
    assert Remittance.objects.get().status == "failed"


def test_a_payment_entered_on_the_claims_page_larger_than_the_line_is_shown_and_not_saved(cast, prices, admin_client_):
    claimable_session(patient=cast.patient_a, given=56)
    (claim,) = send_all(cast.admin)
    url = reverse("billing_claim_payment", args=[claim.pk])
    assert admin_client_.get(url).status_code == 200
    response = admin_client_.post(url, {"paid_on": timezone.localdate().isoformat(), "paid_1": "999"})
    assert response.status_code == 400
    assert "larger than the 450.00 billed" in response.text
    assert not LinePayment.objects.exists()


def test_an_appeal_dated_in_the_future_is_refused_beside_the_date_and_keeps_the_note(
    cast, denied, admin_client_, django_assert_max_num_queries
):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    prefix = f"appeal-{denied.pk}"
    with django_assert_max_num_queries(40):
        response = admin_client_.post(
            reverse("billing_claim_appeal", args=[denied.pk]),
            {f"{prefix}-note": "Sent the PHQ-9 history", f"{prefix}-on": tomorrow.isoformat()},
        )
    assert response.status_code == 400
    error = f'<div class="invalid-feedback" id="error_id_{prefix}-on">The appeal date cannot be in the future.</div>'
    assert error in response.text
    assert 'value="Sent the PHQ-9 history"' in response.text
    denied.refresh_from_db()
    assert denied.appealed_on is None


def test_an_appeal_without_a_note_is_refused_beside_the_note_and_a_good_one_is_recorded(cast, denied, admin_client_):
    prefix, url = f"appeal-{denied.pk}", reverse("billing_claim_appeal", args=[denied.pk])
    today = timezone.localdate().isoformat()
    response = admin_client_.post(url, {f"{prefix}-note": "", f"{prefix}-on": today})
    assert response.status_code == 400
    assert f'id="error_id_{prefix}-note">This field is required.</div>' in response.text
    response = admin_client_.post(url, {f"{prefix}-note": "Records sent", f"{prefix}-on": today})
    assert response.status_code == 302
    denied.refresh_from_db()
    assert denied.appeal_note == "Records sent"
