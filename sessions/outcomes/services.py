"""PHQ-9 and GAD-7: scoring with severity bands, the same-day alert on PHQ-9 item 9, and the
course summary (baseline, response ≥ 50 % fall, remission PHQ-9 < 5) the patient page charts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_save
from clinic.models import Patient, User
from sessions.models import AlertKind, Instrument, OutcomeScore, Source, TreatmentSession
from sessions.models.outcomes import ITEMS, band_for
from sessions.monitoring.alerts import raise_alert

RESPONSE_FALL = 0.5  # response: at least 50 % fall from baseline
PHQ9_REMISSION_BELOW = 5
PHQ9_RESPONSE_BASELINE_ABOVE = 9

INSTRUMENT_TITLES = {Instrument.PHQ9: "PHQ-9", Instrument.GAD7: "GAD-7"}


def outcome_record(
    *,
    patient: Patient,
    by: User,
    instrument: str,
    items: list[int],
    source: str = Source.STAFF,
    session: TreatmentSession | None = None,
    completed_at: dt.datetime | None = None,
) -> OutcomeScore:
    if instrument not in Instrument.values:
        raise ValidationError({"instrument": "Unknown questionnaire."})
    expected = len(ITEMS[instrument])
    if len(items) != expected or any(i is None or not 0 <= int(i) <= 3 for i in items):
        raise ValidationError(f"Answer each of the {expected} questions (0–3).")
    if session is not None and session.patient_id != patient.pk:
        raise ValidationError("That session belongs to another patient.")
    items = [int(i) for i in items]
    total = sum(items)
    now = timezone.now()
    with transaction.atomic():
        score = OutcomeScore(
            patient=patient,
            session=session,
            instrument=instrument,
            items=items,
            total=total,
            band=band_for(instrument, total),
            completed_at=completed_at or now,
            source=source,
            entered_by=by,
        )
        score.full_clean()
        audited_save(score, by=by)
        if instrument == Instrument.PHQ9 and items[8] > 0:
            raise_alert(
                patient=patient,
                session=None,
                kind=AlertKind.PHQ9_ITEM9,
                message=f"PHQ-9 item 9 answered {items[8]} ({'portal' if source == Source.PORTAL else 'staff'}): "
                "follow up with the patient today.",
                by=by,
                at=score.completed_at,
            )
        return score


@dataclass
class Summary:
    instrument: str
    baseline: OutcomeScore | None
    latest: OutcomeScore | None
    change_pct: int | None
    response: bool
    remission: bool


def summary(scores: list[OutcomeScore], instrument: str) -> Summary:
    mine = sorted((s for s in scores if s.instrument == instrument), key=lambda s: (s.completed_at, s.pk))
    if not mine:
        return Summary(instrument, None, None, None, False, False)
    baseline, latest = mine[0], mine[-1]
    change = None
    if baseline.total and len(mine) > 1:
        change = round(100 * (baseline.total - latest.total) / baseline.total)
    response = (
        len(mine) > 1
        and baseline.total > 0
        and (instrument != Instrument.PHQ9 or baseline.total > PHQ9_RESPONSE_BASELINE_ABOVE)
        and latest.total <= baseline.total * (1 - RESPONSE_FALL)
    )
    remission = instrument == Instrument.PHQ9 and len(mine) > 1 and latest.total < PHQ9_REMISSION_BELOW
    return Summary(instrument, baseline, latest, change, response, remission)
