"""Throw-away benchmark databases, and switching the process's ``default`` connection between them.

SQLite: one file per data set under the output directory (never the development ``db.sqlite3``).
PostgreSQL: ``<name>_bench_<label>`` databases on the server of ``DATABASE_URL`` (never that database
itself), dropped at the end unless kept.

The schema is made once by ``manage.py migrate`` in a child process whose ``default`` is the new
database, then copied (file copy, or ``CREATE DATABASE … TEMPLATE``) for the other data set.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

BASE_DIR = Path(settings.BASE_DIR)


@dataclass
class BenchDB:
    label: str
    vendor: str
    name: str  # file path (SQLite) or database name (PostgreSQL)
    settings_dict: dict
    wrapper: BaseDatabaseWrapper | None = None

    def connect(self) -> BaseDatabaseWrapper:
        if self.wrapper is None:
            backend = load_backend(self.settings_dict["ENGINE"])
            self.wrapper = backend.DatabaseWrapper(self.settings_dict, "default")
        return self.wrapper

    def activate(self) -> BaseDatabaseWrapper:
        """Make this database the process's ``default`` connection."""
        wrapper = self.connect()
        connections["default"] = wrapper
        return wrapper

    def close(self) -> None:
        if self.wrapper is not None:
            self.wrapper.close()
            pool = getattr(self.wrapper, "pool", None)
            if pool is not None:
                self.wrapper.close_pool()
            self.wrapper = None


def vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    return "postgresql" if engine.endswith("postgresql") else "sqlite"


def _base_settings() -> dict:
    return copy.deepcopy(connections.settings["default"])


def _pg_admin_conninfo(sd: dict) -> dict:
    return {
        "host": sd.get("HOST") or "127.0.0.1",
        "port": sd.get("PORT") or 5432,
        "user": sd.get("USER") or "postgres",
        "password": sd.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }


def plan(labels: list[str], out_dir: Path) -> list[BenchDB]:
    base = _base_settings()
    dbs = []
    for label in labels:
        sd = copy.deepcopy(base)
        if vendor() == "postgresql":
            name = f"{base['NAME']}_bench_{label}".lower()
        else:
            out_dir.mkdir(parents=True, exist_ok=True)
            name = str(out_dir / f"bench_{label}.sqlite3")
            dev = str(BASE_DIR / "db.sqlite3")
            assert os.path.abspath(name) != os.path.abspath(dev), "the benchmark never uses the development database"
        sd["NAME"] = name
        # Django keeps psycopg pools per alias, and every benchmark database is "default": a pool would be
        # shared between them. Each database keeps one persistent connection instead (CONN_MAX_AGE=None).
        sd.setdefault("OPTIONS", {}).pop("pool", None)
        sd["CONN_MAX_AGE"] = None
        dbs.append(BenchDB(label=label, vendor=vendor(), name=name, settings_dict=sd))
    return dbs


def _migrate_env(db: BenchDB) -> dict:
    env = dict(os.environ)
    if db.vendor == "postgresql":
        sd = db.settings_dict
        auth = sd["USER"] + (f":{sd['PASSWORD']}" if sd.get("PASSWORD") else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{sd['HOST'] or '127.0.0.1'}:{sd['PORT'] or 5432}/{db.name}"
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = db.name
    env.setdefault("DJANGO_DEBUG", "1")  # migrations do not need production settings
    return env


def drop(db: BenchDB) -> None:
    db.close()
    if db.vendor == "postgresql":
        with psycopg.connect(**_pg_admin_conninfo(db.settings_dict)) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(db.name + suffix).unlink(missing_ok=True)


def create_schema(dbs: list[BenchDB]) -> None:
    """Create every database empty and migrated: migrate the first, copy it for the others."""
    first = dbs[0]
    for db in dbs:
        drop(db)
    if first.vendor == "postgresql":
        with psycopg.connect(**_pg_admin_conninfo(first.settings_dict)) as conn:
            conn.execute(f'CREATE DATABASE "{first.name}"')
    subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--noinput", "-v", "0"],
        check=True,
        env=_migrate_env(first),
        cwd=BASE_DIR,
    )
    for db in dbs[1:]:
        if db.vendor == "postgresql":
            with psycopg.connect(**_pg_admin_conninfo(db.settings_dict)) as conn:
                conn.execute(f'CREATE DATABASE "{db.name}" TEMPLATE "{first.name}"')
        else:
            shutil.copyfile(first.name, db.name)


def table_sizes(db: BenchDB) -> dict[str, int]:
    wrapper = db.connect()
    with wrapper.cursor() as cursor:
        out = {}
        for table in (
            "treatment_treatmentsession",
            "treatment_vitalsreading",
            "treatment_assessment",
            "clinic_patient",
            "treatment_course",
            "treatment_charge",
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed table names
            out[table] = cursor.fetchone()[0]
        return out
