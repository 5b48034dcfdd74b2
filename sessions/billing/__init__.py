"""Billing: prices and estimates (``pricing``), the codes for each payer (``codes``, e.g. Medicare
esketamine G2082/G2083 with KX), charges at discharge and fees (``charges``), the patient's ledger
(``ledger``), payments, refunds and adjustments (``payments``), payment plans (``plans``), prior
authorisations (``authorisations``) and the admin reports (``reports``)."""
