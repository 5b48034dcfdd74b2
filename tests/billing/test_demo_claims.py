"""The demo revenue cycle: claims in every state, a denial to work, an 835 to import, reports that reconcile."""

import pytest

from sessions.billing import denials, reports_claims
from sessions.billing import remittance as rm
from sessions.billing.demo_claims import demo_835_path
from sessions.models import Claim, ClaimStatus

pytestmark = pytest.mark.django_db


def test_the_demo_has_submitted_paid_partly_paid_and_denied_claims_and_an_835_to_import(settings, tmp_path):
    settings.DEMO_DATA_DIR = tmp_path
    import sessions.demo  # noqa: F401  (registers the treatment domain's demo steps)
    from clinic.demo import run_demo

    run_demo("demo-test-password")
    statuses = set(Claim.objects.values_list("status", flat=True))
    assert {ClaimStatus.SUBMITTED, ClaimStatus.PAID, ClaimStatus.PARTIALLY_PAID, ClaimStatus.DENIED} <= statuses
    assert denials.denial_queue()
    report = reports_claims.expected_vs_paid()
    t = report.totals
    assert t["billed"] == t["paid"] + t["contractual"] + t["patient"] + t["open"]
    remittance, fresh = rm.remittance_import_835(content=demo_835_path().read_text(), filename="demo.835", by=None)
    assert fresh and remittance.unmatched == []
    t = reports_claims.expected_vs_paid().totals
    assert t["billed"] == t["paid"] + t["contractual"] + t["patient"] + t["open"]
