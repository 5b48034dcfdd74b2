"""Planning says what it did: the preview lists every session with date, time and chair, flags each one
that differs from the request (another time, another chair), and carries a signed plan token; booking
books exactly that plan, or says what changed since the preview."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError

from clinic.models import Chair, Patient
from sessions.models import Protocol, ProtocolPhase
from sessions.scheduling.diary import Slot

SALT = "sessions.scheduling.plan"
TOKEN_MAX_AGE = 60 * 60  # a preview older than an hour is planned again


class PlanChanged(ValidationError):
    """The plan differs from the preview the admin saw: nothing is booked; ``changes`` says how."""

    def __init__(self, changes: list[str]):
        super().__init__(
            "The plan changed since your preview (another booking took a slot, or the request changed): "
            + "; ".join(changes)
            + ". Check the new preview below, then book again.",
            code="plan_changed",
        )
        self.changes = changes


@dataclass(frozen=True)
class PlannedCourse:
    """A previewed plan as the panels on the plan page see it (e.g. prior authorisations)."""

    patient: Patient
    protocol: Protocol
    starts: list[dt.datetime]


def first_phase(protocol: Protocol) -> ProtocolPhase:
    phase = protocol.phases.order_by("order").first()
    if phase is None:
        raise ValidationError({"protocol": "This protocol has no phases to plan; add its phases first."})
    return phase


@dataclass(frozen=True)
class PreviewLine:
    slot: Slot
    other_time: bool
    other_chair: bool

    @property
    def differs(self) -> bool:
        return self.other_time or self.other_chair


def preview_lines(slots: list[Slot], *, time: dt.time, preferred_chair: Chair | None, tz) -> list[PreviewLine]:
    """Each planned session, flagged where it is not at the requested time or in the requested chair."""
    return [
        PreviewLine(
            slot=slot,
            other_time=slot.start.astimezone(tz).time() != time,
            other_chair=preferred_chair is not None and slot.chair.pk != preferred_chair.pk,
        )
        for slot in slots
    ]


def plan_token(slots: list[Slot], *, patient: Patient, protocol: Protocol) -> str:
    return signing.dumps(
        {"patient": patient.pk, "protocol": protocol.pk, "slots": [[s.start.isoformat(), s.chair.pk] for s in slots]},
        salt=SALT,
    )


def read_plan_token(token: str, *, patient: Patient, protocol: Protocol) -> list[tuple[str, int]] | None:
    """The previewed plan, or None when the token is missing, tampered with, stale or for another plan."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("patient") != patient.pk or data.get("protocol") != protocol.pk:
        return None
    return [(start, chair) for start, chair in data.get("slots", [])]


def plan_changes(expected: list[tuple[str, int]], slots: list[Slot], tz) -> list[str]:
    """What differs between the previewed plan and ``slots``, session by session."""
    changes = []
    differ = [
        i
        for i in range(max(len(expected), len(slots)))
        if i >= len(expected)
        or i >= len(slots)
        or (dt.datetime.fromisoformat(expected[i][0]), expected[i][1]) != (slots[i].start, slots[i].chair.pk)
    ]
    if not differ:  # the plan is still the one previewed: no chair names to look up
        return changes
    chairs = {c.pk: c.name for c in Chair.objects.filter(pk__in={chair for _, chair in expected})}
    for i in differ:
        was = expected[i] if i < len(expected) else None
        now = slots[i] if i < len(slots) else None
        before = (
            f"{dt.datetime.fromisoformat(was[0]).astimezone(tz):%a %d %b %H:%M} in {chairs.get(was[1], 'a chair')}"
            if was
            else "not planned"
        )
        after = f"{now.start.astimezone(tz):%a %d %b %H:%M} in {now.chair.name}" if now else "not planned"
        changes.append(f"session {i + 1}: {after} (was {before})")
    return changes
