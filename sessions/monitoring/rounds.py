"""A check round: the blood pressure, MOAA/S and CADSS of one check recorded together (one form, one tap
at the chair). All or nothing: a refused value saves none of them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from clinic.models import User
from sessions.models import Scale, TreatmentSession
from sessions.monitoring.observation import assessment_record
from sessions.monitoring.vitals import vitals_record


def check_round_record(
    *,
    session: TreatmentSession,
    by: User,
    systolic: int,
    diastolic: int,
    heart_rate: int | None = None,
    spo2: int | None = None,
    moaas: int,
    cadss_items: list[int] | None = None,
    taken_at: dt.datetime | None = None,
) -> None:
    """Record the round's readings at one time through each reading's own service (their checks and alerts
    apply); CADSS is left out when ``cadss_items`` is None."""
    with transaction.atomic():
        vitals_record(
            session=session,
            by=by,
            systolic=systolic,
            diastolic=diastolic,
            heart_rate=heart_rate,
            spo2=spo2,
            taken_at=taken_at,
        )
        assessment_record(session=session, by=by, scale=Scale.MOAAS, score=moaas, taken_at=taken_at)
        if cadss_items is not None:
            assessment_record(session=session, by=by, scale=Scale.CADSS6, items=cadss_items, taken_at=taken_at)
