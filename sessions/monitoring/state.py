"""The session state machine's shared steps: lock the row, check the state, save with the audit entry.

State machine (``TRANSITIONS`` in models/scheduling.py): scheduled → checked in → dosing → observing →
discharged, or checked in → deferred. Every transition locks the session row (``select_for_update``),
checks the current state, saves with the actor and a reason for the audit trail and bumps ``version``.
A signed (discharged) record is read-only: corrections are amendments."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from clinic.audit import audited_create, audited_save
from clinic.models import User
from sessions.models import (
    SessionStatus,
    TreatmentSession,
)

CLOCK_SKEW = dt.timedelta(minutes=2)  # a reading "now" from a tablet whose clock runs a little fast


RECORDING_STATUSES = (SessionStatus.CHECKED_IN, SessionStatus.DOSING, SessionStatus.OBSERVING)


def lock(session: TreatmentSession) -> TreatmentSession:
    """The session row, locked for this transaction, with what the rules need."""
    return (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("course__protocol", "phase", "patient")
        .get(pk=session.pk)
    )


def ensure_writable(session: TreatmentSession) -> None:
    if session.is_signed:
        raise ValidationError("This session is signed and read-only. Record a correction as an amendment.")


def ensure_status(session: TreatmentSession, *statuses: str, doing: str) -> None:
    ensure_writable(session)
    if session.status not in statuses:
        raise ValidationError(f"Cannot {doing}: the session is {session.get_status_display().lower()}.")


def checked_time(
    at: dt.datetime | None, *, not_before: dt.datetime | None = None, what: str = "The time"
) -> dt.datetime:
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ValidationError(f"{what} cannot be in the future.")
    if not_before and at < not_before - CLOCK_SKEW:
        raise ValidationError(f"{what} cannot be before {timezone.localtime(not_before):%H:%M}.")
    return at


def save_session(session: TreatmentSession, *, by: User, reason: str, fields: list[str]) -> None:
    session.version += 1
    audited_save(session, by=by, reason=reason, update_fields=[*fields, "version", "updated_at"])


def transition(session: TreatmentSession, status: str, *, by: User, reason: str, fields: list[str]) -> None:
    session.check_transition(status)
    session.status = status
    save_session(session, by=by, reason=reason, fields=["status", *fields])


def create_record(model_cls, *, by: User, audit: str = "", **values):
    if any(f.name == "by" for f in model_cls._meta.fields):
        values["by"] = by
    # The session (locked), the user and any lot or receipt are rows this request has read: their
    # existence is not queried again (the database's foreign keys still hold).
    loaded = [name for name, value in values.items() if isinstance(value, Model) and value.pk is not None]
    return audited_create(model_cls, values, by=by, reason=audit, loaded=loaded)
