"""Create (or, with --reset, recreate) the synthetic demo clinic and print its logins.

It lives in the treatment app because it composes both apps' demo steps (clinic never imports sessions)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clinic.demo import run_demo
from clinic.models import User


class Command(BaseCommand):
    help = "Create a believable synthetic demo clinic (idempotent). Refuses to run in production mode."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Delete all data first and start over.")
        parser.add_argument("--password", default="demo", help="Password for every demo login (default: demo).")

    def handle(self, *args, reset: bool, password: str, **options):
        if settings.PRODUCTION_MODE:
            raise CommandError("seed_demo refuses to run in production mode (DJANGO_DEBUG=0): it creates known logins.")
        import sessions.demo  # noqa: F401  (registers the treatment domain's demo steps)

        if reset:
            from sessions.datasafety import maintenance

            with maintenance():  # flush TRUNCATEs the guarded tables: a deliberate reset, as the owner role
                call_command("flush", interactive=False, verbosity=0)
            from sessions.models import Protocol, ProtocolPhase
            from sessions.scheduling.protocols import install_protocols

            install_protocols(Protocol, ProtocolPhase)
        elif User.objects.filter(username="admin").exists():
            self.stdout.write("The demo clinic is already there; use --reset to start over. Logins:")
            self._print_logins(password)
            return
        with transaction.atomic():
            ctx = run_demo(password)
        self.stdout.write(
            self.style.SUCCESS(f"Demo clinic created: {len(ctx.patients)} patients, {len(ctx.chairs)} chairs.")
        )
        self._print_logins(password)

    def _print_logins(self, password: str) -> None:
        self.stdout.write(f"Log in at http://127.0.0.1:8000/accounts/login/ with (password: {password}):")
        for user in User.objects.filter(email__endswith="@example.org").order_by("pk"):
            extra = " (prescriber)" if user.is_prescriber else ""
            self.stdout.write(f"  {user.username:<12} {user.get_role_display()}{extra}")
