"""Dry-run planner: print the sessions a course would book, one JSON object per line; saves nothing."""

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clinic.models import Chair, Patient
from sessions.models import Protocol
from sessions.scheduling.planning import parse_weekdays, plan_phase


class Command(BaseCommand):
    help = "Show the series a course would book (dry run: nothing is saved)."

    def add_arguments(self, parser):
        parser.add_argument("--protocol", required=True, help="Protocol slug, e.g. esketamine-trd.")
        parser.add_argument("--start", required=True, help="First possible day, YYYY-MM-DD.")
        parser.add_argument("--weekdays", required=True, help="Comma-separated weekdays, e.g. mon,thu.")
        parser.add_argument("--time", required=True, help="Arrival time, HH:MM.")
        parser.add_argument("--patient", type=int, help="Patient id: checks REMS enrolment and their other bookings.")
        parser.add_argument("--chair", help="Preferred chair name.")
        parser.add_argument("--json", action="store_true", help="One JSON object per line.")

    def handle(self, *args, **opts):
        protocol = Protocol.objects.filter(slug=opts["protocol"]).first()
        if protocol is None:
            slugs = ", ".join(Protocol.objects.values_list("slug", flat=True))
            raise CommandError(f"No protocol '{opts['protocol']}'. Known: {slugs}.")
        try:
            start = dt.date.fromisoformat(opts["start"])
        except ValueError:
            raise CommandError("--start must be a date like 2026-12-07.") from None
        try:
            time = dt.time.fromisoformat(opts["time"])
        except ValueError:
            raise CommandError("--time must be a time like 09:00.") from None
        patient = None
        if opts["patient"] is not None:
            patient = Patient.objects.filter(pk=opts["patient"]).first()
            if patient is None:
                raise CommandError(f"No patient with id {opts['patient']}.")
        chair = None
        if opts["chair"]:
            chair = Chair.objects.filter(name=opts["chair"]).first()
            if chair is None:
                raise CommandError(f"No chair named '{opts['chair']}'.")
        phase = protocol.phases.order_by("order").first()
        if phase is None:
            raise CommandError("This protocol has no phases.")
        try:
            with transaction.atomic():  # read-only; never writes
                weekdays = parse_weekdays(opts["weekdays"])
                slots = plan_phase(
                    phase=phase, start_date=start, weekdays=weekdays, time=time, patient=patient, preferred_chair=chair
                )
        except ValidationError as exc:
            raise CommandError("Cannot plan this course: " + " ".join(exc.messages)) from None
        for slot in slots:
            if opts["json"]:
                self.stdout.write(json.dumps(slot.as_json()))
            else:
                self.stdout.write(
                    f"{slot.index:>3}  {slot.start:%a %Y-%m-%d %H:%M}–{slot.end:%H:%M}  {slot.chair.name}  {slot.phase.name}"
                )
