import io

import pytest
from django.core.management import call_command
from django.db import connection

from tests.datasafety.roles import set_role


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://…)")


def _role_names() -> tuple[str, str]:
    # Roles belong to the whole cluster: name them after this run's test database, so parallel runs differ.
    base = connection.settings_dict["NAME"][:50]
    return f"{base}_owner", f"{base}_app"


@pytest.fixture(scope="session")
def db_roles(django_db_setup, django_db_blocker):
    """The owner and application roles of ``manage.py db_roles``, created in the test database (PostgreSQL)."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            yield None
            return
        owner, app = _role_names()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            superuser = cursor.fetchone()[0]
        call_command("db_roles", owner=owner, app=app, stdout=io.StringIO())
    yield {"owner": owner, "app": app}
    with django_db_blocker.unblock():
        from clinic.security.db_roles import drop_roles

        drop_roles(connection, owner=owner, app=app, reassign_to=superuser)


@pytest.fixture
def as_app_role(postgres_only, db_roles):
    """Run the test as the application role: what the app connects as in production (README)."""
    set_role(db_roles["app"])
    return db_roles
