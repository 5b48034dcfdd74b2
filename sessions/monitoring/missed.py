"""Scheduled checks that were not taken: a prescriber writes why, so the record says so.

Every check the protocol schedules (``sessions.monitoring.timeline``: the esketamine 40-minute blood
pressure, the infusion blood-pressure cadence, the scheduled MOAA/S and CADSS) must be recorded before
discharge, or a prescriber records why it was missed. The reason is a ``MissedCheck`` row (who, when,
why); the discharge criteria count the check as accounted for, and the REMS form prints
"not taken — <reason>" instead of a blank.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.models import ClinicSettings, User
from sessions.models import MissedCheck, SessionStatus, TreatmentSession
from sessions.monitoring.state import create_record, ensure_status, lock
from sessions.monitoring.timeline import BEFORE_DISCHARGE, check_by_key, due_checks


def can_excuse_checks(user) -> bool:
    return bool(getattr(user, "is_prescriber", False))


def missed_check_record(*, session: TreatmentSession, by: User, key: str, reason: str) -> MissedCheck:
    """A prescriber's written reason why the scheduled check ``key`` (e.g. ``bp@40``) was not taken."""
    if not can_excuse_checks(by):
        raise ValidationError({"reason": "Only a prescriber can record why a scheduled check was missed."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Write why the check was not taken."})
    if key == BEFORE_DISCHARGE:
        raise ValidationError(
            {
                "key": "The blood pressure before discharge is a discharge criterion: measure it, or a "
                "prescriber overrides that criterion with a reason on the discharge form."
            }
        )
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, SessionStatus.DOSING, SessionStatus.OBSERVING, doing="record a missed check")
        now = timezone.now()
        check = check_by_key(due_checks(session, ClinicSettings.load(), now), key)
        if check is None:
            raise ValidationError({"key": "This check is not scheduled for this session."})
        if check.done_at is not None:
            raise ValidationError({"key": f"{check.label} is recorded ({check.value}); nothing is missing."})
        if check.missed is not None:
            raise ValidationError(
                {"key": f"The reason {check.label} was not taken is already recorded by {check.missed.by}."}
            )
        if check.due_at > now:
            raise ValidationError(
                {"key": f"{check.label} is due at {timezone.localtime(check.due_at):%H:%M}: record it then."}
            )
        return create_record(
            MissedCheck,
            by=by,
            audit=f"Not taken: {check.label}",
            session=session,
            key=key,
            label=check.label,
            due_at=check.due_at,
            reason=reason,
            at=now,
        )
