"""The write paths' targets: each measured round acts on rows of its own, made before the timer starts
and removed after it stops, so that every round does the same work on the same data.

For each write a fresh synthetic patient is made (with the course and the session the write needs, in
the state it needs, as the data set builds its rows), the POST is timed, then ``verify`` checks that the
write happened and ``purge`` deletes the patient and everything that hangs from it (in a maintenance
transaction on PostgreSQL: the data-safety guards refuse deletes otherwise). The other pages measured
in the same round never see a target: it exists only between its setup and its purge, in a chair the
scenario leaves free (today's and tomorrow's sessions sit in the other chairs).

* ``vitals``: a session under observation (check-in, pre-dose BP, two devices, the first checks) —
  one more BP.
* ``device``: a session checked in and dosing, pre-dose BP taken — the first device.
* ``discharge``: a session observing for 125 minutes with every scheduled check recorded, the ride
  here, the patient covered by a payer — discharged and signed, charged, the course moved on.
* ``book``: an active course without sessions — one session tomorrow in the free chair.
* ``course``: a patient without a course, the previewed plan's signed token — a 12-session course
  planned again, compared with the preview and booked.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicSettings, Patient
from sessions.datasafety import maintenance
from sessions.models import (
    Course,
    CourseStatus,
    Coverage,
    Protocol,
    Ride,
    RideStatus,
    SessionStatus,
    TreatmentSession,
)
from sessions.models.monitoring import (
    Administration,
    AdministrationKind,
    Assessment,
    Scale,
    VitalsKind,
    VitalsReading,
)

from . import dataset

_numbers = itertools.count(900_000)


@dataclass
class Target:
    url: str
    data: dict
    verify: Callable[[], str]  # "" when the write happened, else what is missing


def _now() -> dt.datetime:
    return timezone.now()


class Writes:
    def __init__(self, scenario: dict, seed: int = dataset.SEED):
        self.sc = scenario
        self.rng = random.Random(seed)
        self.made: list[int] = []  # patients made since the last purge

    # -- shared pieces --------------------------------------------------------------------------

    def _patient(self) -> Patient:
        patient = dataset._patient(self.rng, next(_numbers))
        patient.save()
        self.made.append(patient.pk)
        return patient

    def _course(self, patient: Patient, protocol: Protocol | None = None) -> Course:
        protocol = protocol or Protocol.objects.get(slug="esketamine-trd")
        return Course.objects.create(
            patient=patient,
            protocol=protocol,
            prescriber_id=self.sc["prescriber_id"],
            start_date=timezone.localdate(),
            preferred_weekdays="0,3",
            preferred_time=dataset.SLOTS[1],
            current_phase=protocol.phases.order_by("order").first(),
            status=CourseStatus.ACTIVE,
        )

    def _session(self, status: str, *, dosed_minutes_ago: int | None) -> TreatmentSession:
        """A session of a fresh patient today in the write chair, checked in (and dosed) as asked."""
        now = _now()
        patient = self._patient()
        course = self._course(patient)
        first_dose = now - dt.timedelta(minutes=dosed_minutes_ago) if dosed_minutes_ago is not None else None
        checked_in = (first_dose or now) - dt.timedelta(minutes=20)
        start = checked_in - dt.timedelta(minutes=3)
        session = TreatmentSession.objects.create(
            course=course,
            patient=patient,
            phase=course.current_phase,
            chair_id=self.sc["write_chair_id"],
            number=1,
            planned_start=start,
            planned_end=start + dt.timedelta(minutes=165),
            planned_dose_mg=56,
            status=status,
            checked_in_at=checked_in,
            first_dose_at=first_dose,
            dose_given_mg=Decimal(56) if first_dose else None,
        )
        nurse = self.sc["nurse_id"]
        Ride.objects.create(
            session=session, driver_name="Sam Driver", driver_phone="+1 555 0100 222", status=RideStatus.CONFIRMED
        )
        dataset.checkin(session, nurse, checked_in).save()
        self._vitals(session, VitalsKind.PREDOSE, checked_in + dt.timedelta(minutes=8))
        if first_dose is not None:
            Administration.objects.bulk_create(
                Administration(
                    session=session,
                    kind=AdministrationKind.DEVICE,
                    number=n,
                    given_at=first_dose + dt.timedelta(minutes=5 * (n - 1)),
                    dose_mg=28,
                    lot_id=self.sc["lot_id"],
                    by_id=nurse,
                )
                for n in (1, 2)
            )
        return session

    def _vitals(self, session: TreatmentSession, kind: str, at: dt.datetime) -> None:
        VitalsReading.objects.create(
            session=session,
            kind=kind,
            taken_at=at,
            systolic=124,
            diastolic=78,
            heart_rate=72,
            spo2=98,
            by_id=self.sc["nurse_id"],
        )

    def _assessment(self, session: TreatmentSession, scale: str, at: dt.datetime) -> None:
        items = [0] * 6 if scale == Scale.CADSS6 else []
        score = 5 if scale == Scale.MOAAS else 0
        Assessment.objects.create(
            session=session, scale=scale, taken_at=at, score=score, items=items, by_id=self.sc["nurse_id"]
        )

    def _record_due_checks(self, session: TreatmentSession) -> None:
        """Every check the protocol scheduled up to now, on time, in range; a last BP just now."""
        from sessions.monitoring.timeline import due_checks

        now = _now()
        for check in due_checks(session, ClinicSettings.load(), now):
            if check.due_at > now:
                continue
            if check.kind == "bp":
                self._vitals(session, VitalsKind.OBSERVATION, min(check.due_at, now - dt.timedelta(minutes=2)))
            else:
                self._assessment(session, Scale.MOAAS if check.kind == "moaas" else Scale.CADSS6, check.due_at)
        self._vitals(session, VitalsKind.OBSERVATION, now - dt.timedelta(minutes=2))

    # -- the targets ----------------------------------------------------------------------------

    def prepare(self, kind: str) -> Target:
        return getattr(self, f"_prepare_{kind}")()

    def _prepare_vitals(self) -> Target:
        session = self._session(SessionStatus.OBSERVING, dosed_minutes_ago=50)
        self._vitals(session, VitalsKind.OBSERVATION, session.first_dose_at + dt.timedelta(minutes=40))
        before = session.vitals.count()
        return Target(
            reverse("session_vitals", args=[session.pk]),
            {"systolic": 128, "diastolic": 82, "heart_rate": 74, "spo2": 98, "taken_at": ""},
            lambda: "" if session.vitals.count() == before + 1 else "no new reading",
        )

    def _prepare_device(self) -> Target:
        session = self._session(SessionStatus.DOSING, dosed_minutes_ago=None)
        return Target(
            reverse("session_device", args=[session.pk]),
            {"lot": self.sc["lot_id"], "given_at": ""},
            lambda: "" if session.administrations.count() == 1 else "no device recorded",
        )

    def _prepare_discharge(self) -> Target:
        from sessions.monitoring.discharge import discharge_criteria

        session = self._session(SessionStatus.OBSERVING, dosed_minutes_ago=125)
        self._record_due_checks(session)
        Ride.objects.filter(session=session).update(arrived_at=_now() - dt.timedelta(minutes=5))
        Coverage.objects.create(
            patient_id=session.patient_id,
            payer_id=self.sc["payer_id"],
            member_id="BENCH",
            copay=Decimal("40.00"),
            deductible_remaining=Decimal("500.00"),
            starts_on=dt.date(2026, 1, 1),
        )
        fresh = TreatmentSession.objects.select_related("course__protocol", "phase", "ride").get(pk=session.pk)
        unmet = [
            c.label for c in discharge_criteria(fresh, cs=ClinicSettings.load(), clinician_ready=True) if not c.met
        ]
        if unmet:
            raise RuntimeError(f"discharge target not ready: {'; '.join(unmet)}")
        return Target(
            reverse("session_discharge", args=[session.pk]),
            {"clinician_ready": "on", "ready_without_rule_minutes": 95, "override_reason": ""},
            lambda: (
                ""
                if TreatmentSession.objects.filter(
                    pk=session.pk, status=SessionStatus.DISCHARGED, charge__isnull=False
                ).exists()
                else "not discharged and charged"
            ),
        )

    def _prepare_book(self) -> Target:
        patient = self._patient()
        course = self._course(patient)
        start = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dataset.SLOTS[1], tzinfo=dataset.TZ)
        return Target(
            reverse("course_book_session", args=[course.pk]),
            {"start": start.isoformat(), "chair": self.sc["write_chair_id"]},
            lambda: "" if course.sessions.count() == 1 else "no session booked",
        )

    def _prepare_course(self) -> Target:
        from sessions.scheduling.plan_preview import first_phase, plan_token
        from sessions.scheduling.planning import plan_phase

        patient = self._patient()
        protocol = Protocol.objects.get(slug=self.sc["course12_protocol"])
        start = timezone.localdate() + dt.timedelta(days=1)
        form = {"start_date": start, "weekdays": [0, 3], "time": dataset.SLOTS[1]}
        # What the preview (the first POST of the page) showed: the booking POST carries its signed token.
        slots = plan_phase(phase=first_phase(protocol), patient=patient, **form)
        token = plan_token(slots, patient=patient, protocol=protocol)
        data = {
            "patient": patient.pk,
            "protocol": protocol.pk,
            "prescriber": self.sc["prescriber_id"],
            "start_date": start.isoformat(),
            "weekdays": ["0", "3"],
            "time": form["time"].strftime("%H:%M"),
            "preferred_chair": "",
            "plan_token": token,
        }

        def verify() -> str:
            course = Course.objects.filter(patient=patient).first()
            n = course.sessions.count() if course else 0
            return "" if n == 12 else f"{n} of 12 sessions booked"

        return Target(reverse("course_create"), data, verify)

    # -- removing a target ----------------------------------------------------------------------

    def purge(self) -> None:
        """Delete the patients made since the last purge and every row that refers to them, children
        first (raw deletes: the models protect these rows, and on PostgreSQL the guards pass only in a
        maintenance transaction)."""
        made, self.made = self.made, []
        if made:
            with maintenance():
                _purge(Patient, Patient.objects.filter(pk__in=made), path=())


def _purge(model, queryset, path: tuple) -> None:
    for rel in model._meta.related_objects:
        field = rel.field
        if rel.many_to_many or not getattr(field, "db_constraint", True):
            continue
        related = rel.related_model
        if related is model or related in path:  # rows of a model on the way down go with their own delete
            continue
        children = related._base_manager.filter(**{f"{field.name}__in": queryset.values("pk")})
        _purge(related, children, (*path, model))
    queryset._raw_delete(connection.alias)
