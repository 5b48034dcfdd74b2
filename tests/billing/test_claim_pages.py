"""Claim pages: build, check, send, answer and correct a claim through the admin's pages."""

import pytest
from django.urls import reverse

from sessions.models import Claim, ClaimStatus, CourseDiagnoses, PayerKind
from tests.factories_billing import claimable_session

pytestmark = pytest.mark.django_db


def test_an_admin_builds_claims_and_sees_them_listed(cast, prices, admin_client_):
    claimable_session(patient=cast.patient_a, kind=PayerKind.MEDICARE, given=84)
    response = admin_client_.post(reverse("billing_claims"))
    assert response.status_code == 302
    page = admin_client_.get(reverse("billing_claims"))
    assert page.status_code == 200
    assert page.text.count('data-testid="claim-row"') == 1
    assert Claim.objects.get().control_number in page.text


def test_a_claim_that_fails_a_check_shows_the_field_and_what_to_do_and_stays_a_draft(cast, prices, admin_client_):
    session = claimable_session(patient=cast.patient_a)
    CourseDiagnoses.objects.filter(course=session.course).update(codes="")  # rows are never deleted
    admin_client_.post(reverse("billing_claims"))
    claim = Claim.objects.get()
    response = admin_client_.post(reverse("billing_claim_ready", args=[claim.pk]))
    assert response.status_code == 400
    assert "record the course&#x27;s ICD-10-CM codes" in response.text
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT


def test_a_claim_is_checked_sent_and_accepted_through_its_page(
    cast, prices, admin_client_, django_assert_max_num_queries
):
    claimable_session(patient=cast.patient_a, kind=PayerKind.MEDICARE, given=84)
    admin_client_.post(reverse("billing_claims"))
    claim = Claim.objects.get()
    with django_assert_max_num_queries(40):
        page = admin_client_.get(reverse("billing_claim", args=[claim.pk]))
    assert page.status_code == 200
    assert 'data-testid="claim-checks-pass"' in page.text and "G2083" in page.text
    for action in ("billing_claim_ready", "billing_claim_submit", "billing_claim_accept"):
        assert admin_client_.post(reverse(action, args=[claim.pk])).status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED and claim.lines.count() == 1


def test_a_rejection_without_reason_is_refused_beside_the_form(cast, prices, admin_client_):
    claimable_session(patient=cast.patient_a, kind=PayerKind.MEDICARE, given=84)
    admin_client_.post(reverse("billing_claims"))
    claim = Claim.objects.get()
    admin_client_.post(reverse("billing_claim_ready", args=[claim.pk]))
    admin_client_.post(reverse("billing_claim_submit", args=[claim.pk]))
    response = admin_client_.post(reverse("billing_claim_reject", args=[claim.pk]), {"reason": ""})
    assert response.status_code == 400
    assert '<div class="invalid-feedback" id="error_id_reason">This field is required.</div>' in response.text
    assert 'aria-describedby="error_id_reason"' in response.text
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
