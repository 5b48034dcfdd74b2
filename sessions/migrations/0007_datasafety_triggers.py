"""Data safety below the ORM (PostgreSQL only; a no-op on SQLite). See sessions/datasafety.py.

The trigger functions and the statements that attach them are frozen in _frozen/datasafety_0007.py.
To protect a new table, add a migration with another ``ProtectTables(Guards(...))`` from that module
(or from a newer frozen copy, if the guards' SQL has changed since).
"""

from django.db import migrations

from sessions.migrations._frozen.datasafety_0007 import (
    FUNCTIONS,  # noqa: F401  (what this migration installs; later migrations restore it when undone)
    Guards,
    InstallGuardFunctions,
    ProtectTables,
    SignedChild,
    SignedRow,
)

CLINICAL = (
    "clinic_patient",
    "treatment_course",
    "treatment_coursereview",
    "treatment_treatmentsession",
    "treatment_ride",
    "treatment_checkin",
    "treatment_vitalsreading",
    "treatment_dosingdecision",
    "treatment_administration",
    "treatment_assessment",
    "treatment_alert",
    "treatment_adverseevent",
    "treatment_discharge",
    "treatment_amendment",
    "treatment_remssubmission",
    "treatment_outcomescore",
    "treatment_druglot",
    "treatment_devicereceipt",
    "treatment_charge",
    "treatment_chargeline",
    "treatment_adjustment",
    "treatment_payment",
)

AUDIT = (
    "clinic_accesslog",
    "clinic_historicaluser",
    "clinic_historicalclinicsettings",
    "clinic_historicalopeninghours",
    "clinic_historicalchair",
    "clinic_historicalstaffshift",
    "clinic_historicalpatient",
    "treatment_historicalprotocol",
    "treatment_historicalprotocolphase",
    "treatment_historicalcourse",
    "treatment_historicalcoursereview",
    "treatment_historicaltreatmentsession",
    "treatment_historicalride",
    "treatment_historicalpayer",
    "treatment_historicalcoverage",
    "treatment_historicalpriorauthorisation",
    "treatment_historicalprice",
    "treatment_historicalcharge",
    "treatment_historicalchargeline",
    "treatment_historicaladjustment",
    "treatment_historicalpayment",
    "treatment_historicalpaymentplan",
    "treatment_historicalinstalment",
    "treatment_historicalcheckin",
    "treatment_historicalvitalsreading",
    "treatment_historicaldosingdecision",
    "treatment_historicaldruglot",
    "treatment_historicaldevicereceipt",
    "treatment_historicaladministration",
    "treatment_historicalassessment",
    "treatment_historicalalert",
    "treatment_historicaladverseevent",
    "treatment_historicaldischarge",
    "treatment_historicalamendment",
    "treatment_historicalremssubmission",
    "treatment_historicaloutcomescore",
)

GUARDS = Guards(
    label="0007: clinical tables, audit trail, signed sessions and their readings",
    no_delete=CLINICAL,
    append_only=AUDIT,
    signed_rows=(SignedRow("treatment_treatmentsession"),),
    signed_children=(
        SignedChild("treatment_checkin"),
        SignedChild("treatment_vitalsreading"),
        SignedChild("treatment_dosingdecision"),
        SignedChild("treatment_administration"),
        SignedChild("treatment_assessment"),
        # Written as the session is signed, or reported afterwards: may be added, never changed.
        SignedChild("treatment_discharge", operations=("UPDATE", "DELETE")),
        SignedChild("treatment_adverseevent", operations=("UPDATE", "DELETE")),
    ),
)


class Migration(migrations.Migration):
    dependencies = [
        ("treatment", "0006_monitoring_models"),
        ("clinic", "0002_monitoring_settings"),
    ]

    operations = [InstallGuardFunctions(), ProtectTables(GUARDS)]
