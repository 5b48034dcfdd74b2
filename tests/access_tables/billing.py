from decimal import Decimal

from sessions.billing import services as billing

from . import ADMIN, ADMIN_POST, CLINICAL, PATIENT_ONLY, PATIENT_OWN, PRESCRIBER, Case, roles


def build(world) -> None:
    from tests.factories_billing import (
        AuthorisationFactory,
        CoverageFactory,
        PayerFactory,
        discharged_session,
        standard_prices,
    )

    standard_prices()
    world.payer = PayerFactory(name="Acme Health")
    world.coverage = CoverageFactory(patient=world.patient_a, payer=world.payer)
    world.authorisation = AuthorisationFactory(patient=world.patient_a, payer=world.payer)
    session = discharged_session(patient=world.patient_a, given=Decimal("56"))
    world.charge = billing.charge_session(session=session)
    from sessions.models import Claim

    world.claim = Claim.objects.create(
        patient=world.patient_a,
        payer=world.payer,
        service_date=session.planned_start.date(),
        control_number="KC0000001",
    )
    from sessions.models import ClaimBatch, Remittance

    world.remittance = Remittance.objects.create(source="manual", payer=world.payer, total_paid=0)

    world.batch = ClaimBatch.objects.create(content="ISA*00~", claim_count=1)
    world.payment = billing.payment_record(
        patient=world.patient_a, amount=Decimal("20.00"), method="card", on=session.planned_start.date()
    )


def _claim(w) -> dict:
    return {"pk": w.claim.pk}


def _a(w) -> dict:
    return {"pk": w.patient_a.pk}


TABLE = {
    "billing_prices": Case(ADMIN),
    "billing_payers": Case(ADMIN),
    "billing_payer_edit": Case(ADMIN, lambda w: {"pk": w.payer.pk}),
    "billing_patient": Case(CLINICAL, _a),
    "billing_coverage_create": Case(ADMIN, _a),
    "billing_authorisation_create": Case(ADMIN, _a),
    "billing_coverage_edit": Case(ADMIN, lambda w: {"pk": w.coverage.pk}),
    "billing_authorisation_edit": Case(ADMIN, lambda w: {"pk": w.authorisation.pk}),
    "billing_payment_create": Case(CLINICAL, _a),
    "billing_refund_create": Case(ADMIN, _a),
    "billing_plan_create": Case(ADMIN, _a),
    "billing_statement": Case(CLINICAL, _a),
    "billing_adjustment_create": Case(ADMIN, lambda w: {"pk": w.charge.pk}),
    "billing_receipt": Case(CLINICAL, lambda w: {"pk": w.payment.pk}),
    "billing_reports": Case(ADMIN),
    "billing_report": Case(ADMIN, lambda w: {"slug": "outstanding-by-age"}),
    "billing_report_csv": Case(ADMIN, lambda w: {"slug": "revenue-by-month"}),
    "billing_provider": Case(ADMIN),
    "billing_prescriber_npi": Case(ADMIN, lambda w: {"pk": w.prescriber.pk}),
    "billing_course_diagnoses": Case(roles(prescriber=200, admin=200), lambda w: {"pk": w.charge.session.course_id}),
    "billing_visit_coding": Case(PRESCRIBER, lambda w: {"pk": w.charge.session_id}),
    "billing_claims": Case(ADMIN),
    "billing_claim": Case(ADMIN, _claim),
    "billing_claim_pdf": Case(ADMIN, _claim),
    "billing_claims_export": Case(ADMIN_POST),
    "billing_claim_batch": Case(ADMIN, lambda w: {"pk": w.batch.pk}),
    "billing_claim_ready": Case(ADMIN_POST, _claim),
    "billing_claim_reopen": Case(ADMIN_POST, _claim),
    "billing_claim_submit": Case(ADMIN_POST, _claim),
    "billing_claim_accept": Case(ADMIN_POST, _claim),
    "billing_claim_reject": Case(ADMIN_POST, _claim),
    "billing_claim_correct": Case(ADMIN_POST, _claim),
    "billing_claim_void": Case(ADMIN_POST, _claim),
    "billing_claim_payment": Case(ADMIN, _claim),
    "billing_claim_appeal": Case(ADMIN_POST, _claim),
    "billing_claim_transfer": Case(ADMIN_POST, _claim),
    "billing_denials": Case(ADMIN),
    "billing_remittances": Case(ADMIN),
    "billing_remittance": Case(ADMIN, lambda w: {"pk": w.remittance.pk}),
    "billing_remittance_resolve": Case(ADMIN_POST, lambda w: {"pk": w.remittance.pk}),
    "portal_billing": Case(PATIENT_ONLY),
    "portal_statement": Case(PATIENT_ONLY),
    "portal_receipt": Case(PATIENT_OWN, lambda w: {"pk": w.payment.pk}),
}
