"""Enqueue the reminder emails that are due; the task worker (``manage.py db_worker``) sends them."""

import time

from django.core.management.base import BaseCommand

from sessions.scheduling.reminders import enqueue_due_reminders


class Command(BaseCommand):
    help = "Find sessions whose appointment or ride reminder is due and enqueue the emails."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, metavar="MINUTES", help="Keep running, checking every MINUTES minutes."
        )

    def handle(self, *args, every: int = 0, **options):
        while True:
            count = enqueue_due_reminders()
            self.stdout.write(f"Enqueued {count} reminder(s).")
            if not every:
                return
            time.sleep(every * 60)
