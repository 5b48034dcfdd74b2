"""Billing: prices and estimates (``pricing``), the codes for each payer (``codes``, e.g. Medicare
esketamine G2082/G2083 with KX), charges at discharge and fees (``charges``), the patient's ledger
(``ledger``), payments, refunds and adjustments (``payments``), payment plans (``plans``), prior
authorisations (``authorisations``), what claims need (``coding``, ``identifiers``), claims and their
payer rules (``claims``, ``claim_check``, ``claim_rules``) and the admin reports (``reports``)."""
