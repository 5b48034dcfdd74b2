"""Least privilege in PostgreSQL: an owner role that runs migrations and an application role that only reads
and writes rows.

``create_roles`` (run by ``manage.py db_roles`` as a superuser, after ``migrate``) creates both roles when
missing, hands every table, sequence and function of the ``public`` schema to the owner, and grants the
application role exactly SELECT/INSERT/UPDATE/DELETE on the tables and USAGE on the sequences — now and, by
default privileges, for every table a later migration creates. The application role is no superuser, owns
nothing, has no TRUNCATE, cannot create objects, and is not a member of the owner role, so the data-safety
maintenance switch (``clinic.maintenance``, honoured only for members of a table's owner) does nothing for it.

``attacks`` tries, inside a transaction it rolls back, what a compromised application connection would try
(TRUNCATE, skipping every trigger with ``session_replication_role``, the maintenance switch) and says which
were refused; ``manage.py db_roles --verify`` runs it as the connecting role.
"""

from __future__ import annotations

from django.db import DatabaseError, transaction

TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def _q(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def _ensure_role(cursor, connection, name: str, password: str | None) -> None:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    if cursor.fetchone() is None:
        cursor.execute(f"CREATE ROLE {_q(connection, name)} NOLOGIN")
    attributes = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
    cursor.execute(f"ALTER ROLE {_q(connection, name)} {attributes}")
    if password:
        cursor.execute(f"ALTER ROLE {_q(connection, name)} LOGIN PASSWORD %s", [password])


def create_roles(
    connection, *, owner: str, app: str, owner_password: str | None = None, app_password: str | None = None
) -> list[str]:
    """Create/refresh both roles and their rights on the connected database; returns what was done."""
    if connection.vendor != "postgresql":
        raise ValueError("database roles exist on PostgreSQL only")
    o, a = _q(connection, owner), _q(connection, app)
    done = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        _ensure_role(cursor, connection, owner, owner_password)
        _ensure_role(cursor, connection, app, app_password)
        cursor.execute("SELECT current_database()")
        database = _q(connection, cursor.fetchone()[0])
        # Neither role may be a member of the other: membership of the owner is the maintenance right.
        cursor.execute(f"REVOKE {o} FROM {a}")
        cursor.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {o}, {a}")
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        cursor.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {o}")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {a}")
        cursor.execute(f"REVOKE CREATE ON SCHEMA public FROM {a}")
        cursor.execute(
            """SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                 AND pg_get_userbyid(c.relowner) <> %s ORDER BY c.relname""",
            [owner],
        )
        for name, kind in cursor.fetchall():
            if kind == "S":
                # An identity or owned-by sequence follows its table; a free sequence is handed over itself.
                cursor.execute(
                    "SELECT 1 FROM pg_depend d JOIN pg_class s ON s.oid = d.objid WHERE s.relname = %s "
                    "AND d.deptype IN ('a', 'i') AND d.classid = 'pg_class'::regclass",
                    [name],
                )
                if cursor.fetchone():
                    continue
                cursor.execute(f"ALTER SEQUENCE {_q(connection, name)} OWNER TO {o}")
            else:
                cursor.execute(f"ALTER TABLE {_q(connection, name)} OWNER TO {o}")
            done.append(f"owner of {name}: {owner}")
        cursor.execute(
            """SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s""",
            [owner],
        )
        for (signature,) in cursor.fetchall():
            cursor.execute(f"ALTER FUNCTION {signature} OWNER TO {o}")
            done.append(f"owner of {signature}: {owner}")
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {a}")
        cursor.execute(f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA public TO {a}")
        cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {a}")
        cursor.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {a}")
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT {TABLE_PRIVILEGES} ON TABLES TO {a}"
        )
        cursor.execute(f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT USAGE ON SEQUENCES TO {a}")
        done.append(f"{app}: {TABLE_PRIVILEGES} on every table, USAGE on every sequence, nothing else")
    return done


def drop_roles(connection, *, owner: str, app: str, reassign_to: str) -> None:
    """Remove both roles from this database and the cluster (tests; hands the objects back first)."""
    with connection.cursor() as cursor:
        for name in (owner, app):
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            if cursor.fetchone() is None:
                continue
            cursor.execute(f"REASSIGN OWNED BY {_q(connection, name)} TO {_q(connection, reassign_to)}")
            cursor.execute(f"DROP OWNED BY {_q(connection, name)}")
            cursor.execute(f"DROP ROLE {_q(connection, name)}")


class _Allowed(Exception):
    """Raised to roll an attack back when the database let it through."""


def _attempt(connection, statements: list[str], *, still_guarded: bool = False) -> tuple[bool, str]:
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
            if still_guarded:
                cursor.execute("SELECT clinic_maintenance_allowed('clinic_patient'::regclass)")
                if not cursor.fetchone()[0]:
                    return True, "set, but the guards ignore it for this role"
            raise _Allowed
    except _Allowed:
        return False, "allowed"
    except DatabaseError as exc:
        return True, str(exc).splitlines()[0]


def attacks(connection) -> dict[str, tuple[bool, str]]:
    """Each attack -> (refused, the database's answer). Everything runs in rolled-back transactions."""
    return {
        "TRUNCATE clinic_patient CASCADE": _attempt(connection, ["TRUNCATE clinic_patient CASCADE"]),
        "SET session_replication_role = replica": _attempt(
            connection, ["SET LOCAL session_replication_role = replica"]
        ),
        "SET clinic.maintenance = on": _attempt(
            connection, ["SET LOCAL clinic.maintenance = 'on'"], still_guarded=True
        ),
    }
