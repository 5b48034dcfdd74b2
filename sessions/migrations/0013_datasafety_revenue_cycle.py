"""Data safety for the revenue-cycle tables (PostgreSQL only; a no-op on SQLite).

Diagnoses, visit coding, claims and their lines are financial records: never deleted. Every history table
is append-only. None of them can be truncated. The billing provider and prescriber NPIs are configuration (listed as not clinical
in tests/datasafety/test_triggers.py).
"""

from django.db import migrations

from sessions.migrations._frozen.datasafety_0007 import Guards, ProtectTables
from sessions.migrations._frozen.datasafety_0012 import NoTruncate

NO_DELETE = (
    "treatment_coursediagnoses",
    "treatment_visitcoding",
    "treatment_claim",
    "treatment_claimline",
    "treatment_claimbatch",
    "treatment_remittance",
    "treatment_linepayment",
    "treatment_lineadjustment",
)
APPEND_ONLY = (
    "treatment_historicalbillingprovider",
    "treatment_historicalprescribernpi",
    "treatment_historicalcoursediagnoses",
    "treatment_historicalvisitcoding",
    "treatment_historicalclaim",
    "treatment_historicalclaimline",
    "treatment_historicalclaimbatch",
    "treatment_historicalremittance",
    "treatment_historicallinepayment",
    "treatment_historicallineadjustment",
)


class Migration(migrations.Migration):
    dependencies = [("treatment", "0013_revenue_cycle")]

    operations = [
        ProtectTables(Guards(no_delete=NO_DELETE, append_only=APPEND_ONLY, label="revenue cycle")),
        NoTruncate(NO_DELETE + APPEND_ONLY),
    ]
