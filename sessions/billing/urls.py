"""URLs of billing: prices and payers, a patient's account, the portal's costs pages, reports."""

from django.urls import path

from sessions.billing import views as v
from sessions.billing import views_claims as claims
from sessions.billing import views_coding as coding
from sessions.billing import views_remittance as remits
from sessions.billing import views_reports as reports

urlpatterns = [
    path("manage/prices/", v.price_list, name="billing_prices"),
    path("manage/payers/", v.payer_list, name="billing_payers"),
    path("manage/payers/<int:pk>/", v.payer_edit, name="billing_payer_edit"),
    path("manage/billing-provider/", coding.billing_provider, name="billing_provider"),
    path("manage/prescribers/<int:pk>/npi/", coding.prescriber_npi, name="billing_prescriber_npi"),
    path("billing/courses/<int:pk>/diagnoses/", coding.course_diagnoses, name="billing_course_diagnoses"),
    path("billing/sessions/<int:pk>/coding/", coding.visit_coding, name="billing_visit_coding"),
    path("billing/claims/", claims.claim_list, name="billing_claims"),
    path("billing/claims/export/", claims.claims_export, name="billing_claims_export"),
    path("billing/claims/batches/<int:pk>/", claims.claim_batch_file, name="billing_claim_batch"),
    path("billing/claims/<int:pk>/", claims.claim_detail, name="billing_claim"),
    path("billing/claims/<int:pk>/cms1500.pdf", claims.claim_pdf, name="billing_claim_pdf"),
    path("billing/claims/<int:pk>/ready/", claims.claim_ready, name="billing_claim_ready"),
    path("billing/claims/<int:pk>/reopen/", claims.claim_reopen, name="billing_claim_reopen"),
    path("billing/claims/<int:pk>/submit/", claims.claim_submit, name="billing_claim_submit"),
    path("billing/claims/<int:pk>/accept/", claims.claim_accept, name="billing_claim_accept"),
    path("billing/claims/<int:pk>/reject/", claims.claim_reject, name="billing_claim_reject"),
    path("billing/claims/<int:pk>/correct/", claims.claim_correct, name="billing_claim_correct"),
    path("billing/claims/<int:pk>/void/", claims.claim_void, name="billing_claim_void"),
    path("billing/claims/<int:pk>/payment/", remits.claim_payment, name="billing_claim_payment"),
    path("billing/claims/<int:pk>/appeal/", remits.claim_appeal, name="billing_claim_appeal"),
    path("billing/claims/<int:pk>/transfer/", remits.claim_transfer, name="billing_claim_transfer"),
    path("billing/denials/", remits.denial_list, name="billing_denials"),
    path("billing/remittances/", remits.remittance_list, name="billing_remittances"),
    path("billing/remittances/<int:pk>/", remits.remittance_detail, name="billing_remittance"),
    path("billing/remittances/<int:pk>/resolve/", remits.remittance_resolve, name="billing_remittance_resolve"),
    path("billing/patients/<int:pk>/", v.patient_billing, name="billing_patient"),
    path("billing/patients/<int:pk>/coverage/", v.coverage_create, name="billing_coverage_create"),
    path("billing/patients/<int:pk>/authorisation/", v.authorisation_create, name="billing_authorisation_create"),
    path("billing/patients/<int:pk>/payment/", v.payment_create, name="billing_payment_create"),
    path("billing/patients/<int:pk>/refund/", v.refund_create, name="billing_refund_create"),
    path("billing/patients/<int:pk>/plan/", v.plan_create, name="billing_plan_create"),
    path("billing/patients/<int:pk>/statement/", v.statement, name="billing_statement"),
    path("billing/coverage/<int:pk>/", v.coverage_edit, name="billing_coverage_edit"),
    path("billing/authorisations/<int:pk>/", v.authorisation_edit, name="billing_authorisation_edit"),
    path("billing/charges/<int:pk>/adjust/", v.adjustment_create, name="billing_adjustment_create"),
    path("billing/receipts/<int:pk>/", v.receipt, name="billing_receipt"),
    path("billing/reports/", reports.report_index, name="billing_reports"),
    path("billing/reports/<slug:slug>/", reports.report_detail, name="billing_report"),
    path("billing/reports/<slug:slug>/csv/", reports.report_csv, name="billing_report_csv"),
    path("portal/costs/", v.portal_billing, name="portal_billing"),
    path("portal/costs/statement/", v.portal_statement, name="portal_statement"),
    path("portal/costs/receipts/<int:pk>/", v.portal_receipt, name="portal_receipt"),
]
