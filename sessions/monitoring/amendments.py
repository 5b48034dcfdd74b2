"""Amendments applied to what a session recorded: the one place every view reads corrected values from.

A structured amendment (``Amendment.corrects``) names a reading (a vitals reading or an assessment) or
the session's dose, and gives the corrected value. The original row is never changed (a signed record
is read-only, even below the ORM); instead every view — the session's timeline and checks, the
discharge criteria, the REMS form, the monitoring board, the patient's charts, the charge and the
portal statement — reads the session through these helpers, which return the readings with the latest
amendment of each field applied and an ``amended`` mark (the original value, the reason, who, when)
for the page to show beside the corrected value.

The helpers read ``session.vitals``, ``session.assessments`` and ``session.amendments`` through
``.all()``, so a page that prefetches them pays no query per reading.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from sessions.models import AmendedField, Amendment, Assessment, Scale, TreatmentSession, VitalsReading
from sessions.models.monitoring import DIASTOLIC_RANGE, HEART_RATE_RANGE, SPO2_RANGE, SYSTOLIC_RANGE

# The largest dose an amendment may state: 3 esketamine devices, or a large IV dose (mg).
MAX_AMENDED_DOSE_MG = Decimal(500)


@dataclass(frozen=True)
class Amended:
    """The mark a page shows beside a corrected value: what was recorded, and who corrected it why."""

    value: str
    original: str
    reason: str
    by: str
    at: dt.datetime

    def __str__(self) -> str:
        return self.value


def _mark(amendment: Amendment, value: str, original: str) -> Amended:
    return Amended(value=value, original=original, reason=amendment.reason, by=str(amendment.by), at=amendment.at)


def _latest(session: TreatmentSession) -> dict[tuple[str, int | None, str], Amendment]:
    """The latest structured amendment per (reading kind, reading id, field)."""
    latest: dict[tuple[str, int | None, str], Amendment] = {}
    for a in sorted(session.amendments.all(), key=lambda a: (a.at, a.pk)):
        if not a.corrects:
            continue
        if a.vitals_id:
            latest[("vitals", a.vitals_id, a.corrects)] = a
        elif a.assessment_id:
            latest[("assessment", a.assessment_id, a.corrects)] = a
        else:
            latest[("session", None, a.corrects)] = a
    return latest


# ---- how a field reads, as recorded and corrected ------------------------------------------------


def vitals_value(reading: VitalsReading, field: str) -> str:
    if field == AmendedField.BP:
        return reading.bp
    if field == AmendedField.HEART_RATE:
        return str(reading.heart_rate) if reading.heart_rate is not None else "—"
    return f"{reading.spo2}%" if reading.spo2 is not None else "—"


def apply_vitals(reading: VitalsReading, field: str, values: dict) -> None:
    if field == AmendedField.BP:
        reading.systolic, reading.diastolic = int(values["systolic"]), int(values["diastolic"])
    elif field == AmendedField.HEART_RATE:
        reading.heart_rate = int(values["heart_rate"])
    elif field == AmendedField.SPO2:
        reading.spo2 = int(values["spo2"])


def _kept(session: TreatmentSession, kinds: tuple[str, ...], name: str, build) -> list:
    """``build()`` for a session loaded with its rows of ``kinds`` (prefetched), worked out once while those
    rows stay the same objects: the live state, the board card, the discharge criteria and the checks all
    ask for the amended readings of the same session. A session read without them is not kept."""
    cache = session.__dict__.get("_prefetched_objects_cache") or {}
    sources = tuple(cache.get(kind) for kind in kinds)
    if any(source is None for source in sources):
        return build()
    kept = session.__dict__.setdefault("_amended_kept", {})
    if name in kept and all(a is b for a, b in zip(kept[name][0], sources, strict=True)):
        return list(kept[name][1])
    value = build()
    kept[name] = (sources, value)
    return list(value)


def amended_vitals(session: TreatmentSession) -> list[VitalsReading]:
    """The session's readings in time order, each with its amendments applied and ``amended``:
    a dict field → ``Amended`` (empty when nothing was corrected). Amended readings are copies."""
    return _kept(session, ("vitals", "amendments"), "vitals", lambda: _amended_vitals(session))


def _amended_vitals(session: TreatmentSession) -> list[VitalsReading]:
    latest = _latest(session)
    out = []
    for reading in sorted(session.vitals.all(), key=lambda r: (r.taken_at, r.pk)):
        marks = {}
        for field in (AmendedField.BP, AmendedField.HEART_RATE, AmendedField.SPO2):
            a = latest.get(("vitals", reading.pk, field))
            if a is None:
                continue
            if not marks:
                reading = copy.copy(reading)
            original = vitals_value(reading, field)
            apply_vitals(reading, field, a.values)
            marks[str(field)] = _mark(a, vitals_value(reading, field), original)
        reading.amended = marks
        out.append(reading)
    return out


def amended_assessments(session: TreatmentSession) -> list[Assessment]:
    """The session's MOAA/S and CADSS in time order, each with a corrected score applied and
    ``amended`` (``Amended`` or None)."""
    return _kept(session, ("assessments", "amendments"), "assessments", lambda: _amended_assessments(session))


def _amended_assessments(session: TreatmentSession) -> list[Assessment]:
    latest = _latest(session)
    out = []
    for assessment in sorted(session.assessments.all(), key=lambda a: (a.taken_at, a.pk)):
        a = latest.get(("assessment", assessment.pk, AmendedField.SCORE))
        mark = None
        if a is not None:
            original = str(assessment.score)
            assessment = copy.copy(assessment)
            assessment.score = int(a.values["score"])
            mark = _mark(a, str(assessment.score), original)
        assessment.amended = mark
        out.append(assessment)
    return out


def dose_text(dose: Decimal | None) -> str:
    if dose is None:
        return "—"
    return f"{dose.normalize():f} mg"


def amended_dose(session: TreatmentSession) -> tuple[Decimal | None, Amended | None]:
    """The dose actually given (mg) with any amendment applied, and its mark."""
    recorded = session.dose_given_mg
    a = _latest(session).get(("session", None, AmendedField.DOSE))
    if a is None:
        return recorded, None
    corrected = Decimal(str(a.values["dose_mg"]))
    return corrected, _mark(a, dose_text(corrected), dose_text(recorded))


def dose_given(session: TreatmentSession) -> Decimal | None:
    """The dose given in mg, amended if corrected (what the charge is made from)."""
    return amended_dose(session)[0]


# ---- parsing a correction typed on the amendment form --------------------------------------------


def _int_in(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValidationError({"corrected": f"Give the {what} as a whole number."}) from None
    if not low <= value <= high:
        raise ValidationError({"corrected": f"The {what} must be between {low} and {high}."})
    return value


def parse_correction(field: str, text: str, *, reading=None) -> dict:
    """The corrected value(s) of ``field`` from what was typed, checked like a new reading would be."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"corrected": "Give the correct value."})
    if field == AmendedField.BP:
        match = re.fullmatch(r"(\d{2,3})\s*/\s*(\d{2,3})", text)
        if not match:
            raise ValidationError({"corrected": "Give the blood pressure as systolic/diastolic, e.g. 150/95."})
        systolic = _int_in(match[1], *SYSTOLIC_RANGE, "systolic")
        diastolic = _int_in(match[2], *DIASTOLIC_RANGE, "diastolic")
        if systolic <= diastolic:
            raise ValidationError({"corrected": "Systolic must be above diastolic."})
        return {"systolic": systolic, "diastolic": diastolic}
    if field == AmendedField.HEART_RATE:
        return {"heart_rate": _int_in(text, *HEART_RATE_RANGE, "heart rate")}
    if field == AmendedField.SPO2:
        return {"spo2": _int_in(text.rstrip("%"), *SPO2_RANGE, "SpO2")}
    if field == AmendedField.SCORE:
        high = 5 if reading.scale == Scale.MOAAS else (92 if reading.scale == Scale.CADSS else 24)
        return {"score": _int_in(text, 0, high, f"{reading.get_scale_display().split(' (')[0]} score")}
    if field == AmendedField.DOSE:
        try:
            dose = Decimal(text.lower().removesuffix("mg").strip())
        except InvalidOperation:
            raise ValidationError({"corrected": "Give the dose in mg, e.g. 84."}) from None
        if not Decimal(0) < dose <= MAX_AMENDED_DOSE_MG:
            raise ValidationError({"corrected": f"The dose must be above 0 and at most {MAX_AMENDED_DOSE_MG} mg."})
        return {"dose_mg": str(dose.quantize(Decimal("0.1")))}
    raise ValidationError({"target": "Choose what is corrected."})
