"""Claims: built per patient, payer and date of service, checked, submitted, never edited afterwards,
corrected by replacement (7) or void (8)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions.billing import claims, coding
from sessions.billing.claim_check import work_out
from sessions.models import (
    Charge,
    Claim,
    ClaimStatus,
    CourseDiagnoses,
    Coverage,
    Frequency,
    PayerKind,
    PrescriberNpi,
)
from sessions.models.billing import ImmutableError
from tests.factories_billing import (
    AuthorisationFactory,
    CoverageFactory,
    PayerFactory,
    claimable_session,
    discharged_session,
)

pytestmark = pytest.mark.django_db


def built(by=None) -> Claim:
    (claim,) = claims.claims_build(by=by)
    return claim


def lines(claim):
    return [(line.code, line.modifiers, line.units, line.ndc) for line in work_out(claim).lines]


def test_a_medicare_84_mg_session_becomes_one_g2083_kx_line_for_the_whole_charge(cast, prices):
    claimable_session(patient=cast.patient_a, kind=PayerKind.MEDICARE, given=84)
    claim = built()
    worked = work_out(claim)
    assert lines(claim) == [("G2083", "KX", 1, "")]
    assert worked.problems == []
    assert worked.total == Decimal("1200.00")


def test_a_commercial_56_mg_session_bills_j0013_per_mg_with_its_ndc_and_the_prescribers_em_code(cast, prices):
    claimable_session(patient=cast.patient_a, given=56, em_code="99215")
    claim = built()
    assert lines(claim) == [("J0013", "", 56, "50458002802"), ("99215", "", 1, "")]
    assert work_out(claim).problems == []
    assert sum(line.amount for line in work_out(claim).lines) == Decimal("900.00")


def test_building_twice_makes_no_second_claim_and_self_pay_charges_get_none(cast, prices):
    claimable_session(patient=cast.patient_a)
    CoverageFactory(patient=cast.patient_b, payer=PayerFactory(kind=PayerKind.SELF_PAY))
    from sessions.billing.charges import charge_session

    charge_session(session=discharged_session(patient=cast.patient_b, given=56))
    assert len(claims.claims_build(by=cast.admin)) == 1
    assert claims.claims_build(by=cast.admin) == []


def test_a_claim_without_diagnoses_names_the_field_and_is_not_made_ready(cast, prices):
    session = claimable_session(patient=cast.patient_a)
    CourseDiagnoses.objects.filter(course=session.course).update(codes="")  # rows are never deleted
    claim = built()
    with pytest.raises(ValidationError, match="diagnoses: No diagnosis"):
        claims.claim_mark_ready(claim=claim, by=cast.admin)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT


def test_a_coverage_without_member_id_is_named(cast, prices):
    claimable_session(patient=cast.patient_a)
    Coverage.objects.update(member_id="")
    assert "member_id" in [p.field for p in work_out(built()).problems]


def test_a_coverage_not_active_on_the_date_of_service_is_named(cast, prices):
    session = claimable_session(patient=cast.patient_a)
    # The day after the charge's date of service (not "today": a session held yesterday evening is
    # discharged after midnight, so from 22:00 clinic time its date of service is today).
    Coverage.objects.update(starts_on=Charge.objects.get(session=session).service_date + dt.timedelta(days=1))
    assert "coverage" in [p.field for p in work_out(built()).problems]


def test_a_prescriber_without_npi_is_named(cast, prices):
    claimable_session(patient=cast.patient_a)
    PrescriberNpi.objects.all().delete()
    assert "rendering_npi" in [p.field for p in work_out(built()).problems]


def test_a_payer_requiring_authorisation_needs_one_covering_the_date(cast, prices):
    claimable_session(patient=cast.patient_a)
    claim = built()
    claim.payer.requires_authorisation = True
    claim.payer.save()
    assert "authorisation" in [p.field for p in work_out(claim).problems]
    AuthorisationFactory(patient=cast.patient_a, payer=claim.payer, sessions_authorised=1)
    assert work_out(claim).problems == []


def test_an_authorisation_used_up_is_named_with_what_to_do(cast, prices):
    payer = PayerFactory(kind=PayerKind.COMMERCIAL, requires_authorisation=True)
    AuthorisationFactory(patient=cast.patient_a, payer=payer, sessions_authorised=1)
    now = timezone.now()
    claimable_session(patient=cast.patient_a, when=now - dt.timedelta(days=3))
    claimable_session(patient=cast.patient_a, when=now - dt.timedelta(days=1))
    latest = sorted(claims.claims_build(by=None), key=lambda c: c.service_date)[-1]
    assert any("ask the payer for more sessions" in p.message for p in work_out(latest).problems)


def test_the_rems_facility_goes_in_the_note_where_the_payer_asks(cast, prices):
    claimable_session(patient=cast.patient_a, kind=PayerKind.MEDICARE, given=84)
    claim = built()
    claim.payer.wants_rems_note = True
    claim.payer.save()
    assert work_out(claim).note.startswith("REMS ") and work_out(claim).note.endswith("12207")


def submitted(cast) -> Claim:
    claimable_session(patient=cast.patient_a, kind=PayerKind.MEDICARE, given=84)
    claim = claims.claim_mark_ready(claim=built(), by=cast.admin)
    return claims.claim_submit(claim=claim, by=cast.admin)


def test_submitting_writes_the_lines_and_what_was_sent(cast, prices):
    claim = submitted(cast)
    assert claim.status == ClaimStatus.SUBMITTED
    assert (claim.total, claim.diagnosis_codes, claim.rendering_npi) == (Decimal("1200.00"), "F33.2", "1245319599")
    line = claim.lines.get()
    assert (line.code, line.control_number) == ("G2083", f"{claim.control_number}-1")


def test_a_sent_claim_line_is_never_edited(cast, prices):
    line = submitted(cast).lines.get()
    line.units = 2
    with pytest.raises(ImmutableError):
        line.save()


def test_a_draft_is_not_submitted_before_its_checks(cast, prices):
    claimable_session(patient=cast.patient_a)
    with pytest.raises(ValidationError, match="check it first"):
        claims.claim_submit(claim=built(), by=cast.admin)


def test_the_visits_em_code_is_locked_once_its_claim_is_sent(cast, prices):
    claimable_session(patient=cast.patient_a, given=56)
    claim = claims.claim_submit(claim=claims.claim_mark_ready(claim=built(), by=cast.admin), by=cast.admin)
    session = claim.lines.first().charge.session
    with pytest.raises(ValidationError, match="replacement claim"):
        coding.visit_em_code_choose(by=cast.prescriber, session=session, em_code="99212")


def test_a_rejection_needs_its_reason(cast, prices):
    claim = submitted(cast)
    with pytest.raises(ValidationError):
        claims.claim_acknowledge(claim=claim, by=cast.admin, accepted=False, reason=" ")


def test_a_replacement_is_frequency_7_and_marks_the_original_corrected_when_sent(cast, prices):
    original = claims.claim_acknowledge(claim=submitted(cast), by=cast.admin, accepted=True)
    replacement = claims.claim_correct(claim=original, by=cast.admin)
    assert (replacement.frequency, replacement.status, replacement.original) == (
        Frequency.REPLACEMENT,
        "draft",
        original,
    )
    claims.claim_submit(claim=claims.claim_mark_ready(claim=replacement, by=cast.admin), by=cast.admin)
    original.refresh_from_db()
    assert original.status == ClaimStatus.CORRECTED


def test_a_rejected_claim_is_corrected_by_a_new_original(cast, prices):
    rejected = claims.claim_acknowledge(
        claim=submitted(cast), by=cast.admin, accepted=False, reason="Invalid member id"
    )
    assert claims.claim_correct(claim=rejected, by=cast.admin).frequency == Frequency.ORIGINAL


def test_a_void_is_frequency_8_with_the_same_lines_and_voids_the_original_when_sent(cast, prices):
    original = submitted(cast)
    void = claims.claim_void(claim=original, by=cast.admin)
    assert (void.frequency, void.status) == (Frequency.VOID, ClaimStatus.READY)
    claims.claim_submit(claim=void, by=cast.admin)
    original.refresh_from_db()
    assert original.status == ClaimStatus.VOID
    assert [line.code for line in void.lines.all()] == ["G2083"]


def test_a_draft_is_neither_corrected_nor_voided(cast, prices):
    claimable_session(patient=cast.patient_a)
    claim = built()
    with pytest.raises(ValidationError):
        claims.claim_correct(claim=claim, by=cast.admin)
    with pytest.raises(ValidationError):
        claims.claim_void(claim=claim, by=cast.admin)


def test_a_99215_visit_of_70_minutes_adds_99417_twice_only_where_the_payer_allows_it(cast, prices):
    session = claimable_session(patient=cast.patient_a, given=56, em_code="99215", clinician_minutes=70)
    claim = built()
    assert [line[0] for line in lines(claim)] == ["J0013", "99215"]
    payer = claim.payer
    payer.allows_prolonged_service = True
    payer.save()
    claim.refresh_from_db()
    assert lines(claim)[2] == ("99417", "", 2, "")
    assert work_out(claim).problems == []
    assert session.coding.clinician_minutes == 70
