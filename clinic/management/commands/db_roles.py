"""``manage.py db_roles``: the owner and application roles of a PostgreSQL deployment (see clinic/security/db_roles.py).

Run it as a superuser after ``migrate``; run it again after a migration created tables as another role
(it is idempotent). ``--verify`` runs as the application role and fails unless every attack is refused.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from clinic.security.db_roles import attacks, create_roles


class Command(BaseCommand):
    help = "Create the owner (migrations) and application (rows only) PostgreSQL roles, or --verify the app role."

    def add_arguments(self, parser):
        parser.add_argument("--owner", default=os.environ.get("DB_OWNER_ROLE", "clinic_owner"))
        parser.add_argument("--app", default=os.environ.get("DB_APP_ROLE", "clinic_app"))
        parser.add_argument(
            "--verify",
            action="store_true",
            help="As the connecting (application) role, try the attacks; fail if any passes.",
        )

    def handle(self, *args, owner: str, app: str, verify: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("db_roles needs PostgreSQL (DATABASE_URL=postgres://…).")
        if verify:
            return self._verify()
        done = create_roles(
            connection,
            owner=owner,
            app=app,
            owner_password=os.environ.get("DB_OWNER_PASSWORD") or None,
            app_password=os.environ.get("DB_APP_PASSWORD") or None,
        )
        for line in done:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Roles ready: {owner} runs migrations, {app} runs the application."))

    def _verify(self):
        passed = []
        for label, (refused, answer) in attacks(connection).items():
            self.stdout.write(f"{'refused' if refused else 'ALLOWED'}: {label} ({answer})")
            if not refused:
                passed.append(label)
        if passed:
            raise CommandError(f"The connecting role can do what the application role must not: {', '.join(passed)}")
        self.stdout.write(self.style.SUCCESS("Every attack was refused."))
