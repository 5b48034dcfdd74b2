"""Helpers for the data-safety tests that act as the owner or the application role."""

from django.db import connection


def set_role(name: str) -> None:
    """Act as ``name`` until the test's transaction ends (the suite connects as a superuser)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(name)}")
