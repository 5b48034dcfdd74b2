"""Data safety below the ORM: PostgreSQL triggers that keep clinical records from being lost or rewritten.

Three guards, each a trigger function installed once and attached per table:

* ``no_delete``: clinical rows are never hard-deleted (patients are archived, sessions cancelled,
  mistakes amended). Audit tables (simple-history, the access log) are append-only: no UPDATE either.
* ``signed_row``: once a row's signed column is set (``TreatmentSession.signed_at``), no other column
  may change, except the few listed as bookkeeping (``updated_at``, ``version``).
* ``signed_child``: rows that belong to a signed session (vitals, assessments, administrations, …)
  can be neither added, changed nor removed; corrections are ``Amendment`` rows.

Each refusal raises SQLSTATE 23001 (restrict_violation), which Django surfaces as ``IntegrityError``.
A DBA doing deliberate maintenance (a retention purge, a bulk load), connected as the owner role (or a
superuser), may set ``SET LOCAL clinic.maintenance = 'on'`` inside their transaction to pass the guards.
The switch is honoured only for members of the guarded table's owner role (migration 0012): the
application role of ``manage.py db_roles`` may set it, but the guards ignore it. ``TRUNCATE`` of a guarded
table is refused by a statement-level trigger too (the application role has no TRUNCATE privilege at all).

The SQL lives with the migrations that install it, frozen: ``sessions/migrations/_frozen/datasafety_0007.py``
(the functions and a declarative ``Guards``/``ProtectTables`` that attaches them) and the later
``*_datasafety_*.py`` migrations. Extend the protection with a new migration that runs ``ProtectTables(...)``
for the new tables (from that frozen module, or from a newer frozen copy if the SQL must change). On
SQLite these operations do nothing; the ORM-level rules (``Patient.delete`` raises, the monitoring
services refuse signed sessions) still apply there.

This module keeps what the running app and the tests need: the maintenance switch's name and a look at
the triggers installed.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections, transaction

MAINTENANCE_GUC = "clinic.maintenance"


@contextmanager
def maintenance(using: str = "default"):
    """A transaction in which the owner role passes the guards (a deliberate reset or bulk load).

    Does nothing for the application role: the guards honour the switch only for the tables' owner.
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL {MAINTENANCE_GUC} = 'on'")
        yield


def guard_triggers(connection) -> dict[str, set[str]]:
    """Trigger names per table installed by these guards (for tests and the bench report)."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
               JOIN pg_proc p ON p.oid = t.tgfoid
               WHERE NOT t.tgisinternal AND p.proname LIKE 'clinic_guard_%%'"""
        )
        found: dict[str, set[str]] = {}
        for table, name in cursor.fetchall():
            found.setdefault(table, set()).add(name)
        return found
