"""The SPRAVATO REMS Patient Monitoring Form of each outpatient esketamine session.

``rems_form`` fills every field of that form from the signed record (README, "Live session monitoring"); ``rems_sessions``
lists sessions by form status: to submit, submitted (date and confirmation number), overdue
(not submitted ``ClinicSettings.rems_form_due_days`` days after the session).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models import Value as Constant
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinic.audit import audited_save
from clinic.compiled import compiled_rows
from clinic.models import ClinicSettings, User
from sessions.models import (
    AdministrationKind,
    RemsStatusFilter,
    RemsSubmission,
    Scale,
    SessionStatus,
    Treatment,
    TreatmentSession,
    VitalsKind,
)
from sessions.monitoring.amendments import Amended, amended_assessments, amended_dose, amended_vitals
from sessions.monitoring.timeline import DueCheck, check_by_key, due_checks


def due_date(session: TreatmentSession, cs: ClinicSettings) -> dt.date:
    day = timezone.localtime(session.discharged_at or session.planned_start, cs.tz).date()
    return day + dt.timedelta(days=cs.rems_form_due_days)


def form_status(session: TreatmentSession, cs: ClinicSettings, today: dt.date | None = None) -> str:
    if getattr(session, "rems_submission", None) is not None:
        return RemsStatusFilter.SUBMITTED
    today = today or timezone.localdate(timezone=cs.tz)
    return RemsStatusFilter.OVERDUE if today > due_date(session, cs) else RemsStatusFilter.TO_SUBMIT


# A session's REMS day as the database sees it: its discharge, else its planned start (``due_date``). The list
# filters, counts and orders on this one expression, which the (status, REMS day, course) index of the sessions
# holds (migration 0022): the window is one index range walked newest first, with no OR of two columns.
REMS_AT = Coalesce("discharged_at", "planned_start")


def rems_sessions():
    """Discharged esketamine sessions with what the list and the form need, newest first."""
    return (
        TreatmentSession.objects.filter(
            status=SessionStatus.DISCHARGED, course__protocol__treatment=Treatment.ESKETAMINE
        )
        .alias(rems_at=REMS_AT)
        .select_related("patient", "rems_submission__by", "discharged_by")
        .order_by(REMS_AT.desc(), "-pk")
    )


RECENT_DAYS = 90  # the list's default window: sessions discharged in the last 90 days
PAGE_SIZE = 50


def _local_midnight(day: dt.date, cs: ClinicSettings) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=cs.tz)


def _status_q(status: str, late_at: dt.datetime) -> Q:
    """The database form of ``form_status``: overdue when not submitted and the REMS day is before ``late_at``."""
    if status == RemsStatusFilter.SUBMITTED:
        return Q(rems_submission__isnull=False)
    op = "lt" if status == RemsStatusFilter.OVERDUE else "gte"
    return Q(rems_submission__isnull=True, **{f"rems_at__{op}": late_at})


@dataclass
class RemsPage:
    rows: list[dict]
    counts: dict[str, int]
    total: int
    page: int
    pages: int
    since: dt.date | None


def rems_page(cs: ClinicSettings, *, wanted: str = "", page: int = 1, whole_history: bool = False) -> RemsPage:
    """One page of the REMS list, filtered and counted in the database (two queries, whatever the history).

    By default only sessions discharged in the last ``RECENT_DAYS`` days are listed and counted, so the
    page costs the same with five years of history as with one month; ``whole_history`` lifts the window.
    """
    today = timezone.localdate(timezone=cs.tz)
    since = None if whole_history else today - dt.timedelta(days=RECENT_DAYS)
    values = {"late_at": _local_midnight(today - dt.timedelta(days=cs.rems_form_due_days), cs)}
    if since is not None:
        values["since_at"] = _local_midnight(since, cs)
    # Both queries compiled once per process (``clinic.compiled``): only the dates change.
    (agg,) = compiled_rows(("rems_counts", since is None), _rems_counts, **values)
    counts = {
        RemsStatusFilter.TO_SUBMIT: agg["total"] - agg["submitted"] - agg["overdue"],
        RemsStatusFilter.SUBMITTED: agg["submitted"],
        RemsStatusFilter.OVERDUE: agg["overdue"],
    }
    wanted = wanted if wanted in counts else ""
    total = counts[wanted] if wanted else agg["total"]
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    if wanted in ("", RemsStatusFilter.SUBMITTED):  # the tab does not depend on the due date
        values.pop("late_at")
    found = compiled_rows(
        ("rems_page", since is None, wanted, start), partial(_rems_rows, wanted=wanted, start=start), **values
    )
    rows = [{"s": s, "status": form_status(s, cs, today), "due": due_date(s, cs)} for s in found]
    return RemsPage(rows=rows, counts=counts, total=total, page=page, pages=pages, since=since)


def _rems_window(*, since_at: dt.datetime | None = None):
    qs = rems_sessions()
    return qs if since_at is None else qs.filter(rems_at__gte=since_at)


def _rems_counts(*, late_at: dt.datetime, since_at: dt.datetime | None = None):
    """The tabs' counts as one row (no GROUP BY: the grouping value is a constant)."""
    return (
        _rems_window(since_at=since_at)
        .order_by()
        .values(_all=Constant(1))
        .annotate(
            total=Count("pk"),
            submitted=Count("pk", filter=_status_q(RemsStatusFilter.SUBMITTED, late_at)),
            overdue=Count("pk", filter=_status_q(RemsStatusFilter.OVERDUE, late_at)),
        )
        .values("total", "submitted", "overdue")
    )


def _rems_rows(*, wanted: str, start: int, late_at: dt.datetime | None = None, since_at: dt.datetime | None = None):
    qs = _rems_window(since_at=since_at)
    if wanted:
        qs = qs.filter(_status_q(wanted, late_at))
    return qs[start : start + PAGE_SIZE]


def rems_submit(
    *, session: TreatmentSession, by: User, submitted_on: dt.date, confirmation_number: str
) -> RemsSubmission:
    confirmation_number = (confirmation_number or "").strip()
    if not confirmation_number:
        raise ValidationError({"confirmation_number": "Give the confirmation number from the REMS portal."})
    with transaction.atomic():
        session = TreatmentSession.objects.select_for_update().select_related("course__protocol").get(pk=session.pk)
        if not session.is_esketamine or session.status != SessionStatus.DISCHARGED:
            raise ValidationError("Only a discharged esketamine session has a REMS form.")
        if RemsSubmission.objects.filter(session=session).exists():
            raise ValidationError("This form is already recorded as submitted.")
        day = timezone.localtime(session.discharged_at).date()
        if submitted_on < day or submitted_on > timezone.localdate():
            raise ValidationError({"submitted_on": "The submission date is between the session and today."})
        sub = RemsSubmission(session=session, submitted_on=submitted_on, confirmation_number=confirmation_number, by=by)
        sub.full_clean()
        audited_save(sub, by=by)
        return sub


def _yn(value: bool) -> str:
    return "Yes" if value else "No"


@dataclass
class Value:
    """A form value built from amended readings: the text, and the amendments behind it (for the mark)."""

    text: str
    amendments: list[Amended] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text


def _marks(*readings) -> list[Amended]:
    """The amendment marks of the readings a value is built from (vitals: every field; assessments: score)."""
    out = []
    for r in readings:
        mark = getattr(r, "amended", None)
        if isinstance(mark, dict):
            out.extend(mark.values())
        elif mark is not None:
            out.append(mark)
    return out


@dataclass
class RemsForm:
    rows: list[tuple[str, list[tuple[str, str | Value]]]] = field(default_factory=list)

    def section(self, title: str, *pairs: tuple[str, str]) -> None:
        self.rows.append((title, list(pairs)))


def _bp(reading, tm) -> Value | str:
    if reading is None:
        return "—"
    return Value(f"{reading.bp} at {tm(reading.taken_at)}", [reading.amended["bp"]] if "bp" in reading.amended else [])


def _forty(check: DueCheck | None, tm) -> Value | str:
    """The 40-minute blood pressure: the reading, or "not taken — <the prescriber's reason>"."""
    if check is None:
        return "—"
    if check.done_at is not None:
        return Value(f"{check.value} at {tm(check.done_at)}", [check.amended] if check.amended else [])
    if check.missed is not None:
        return f"not taken — {check.missed.reason}"
    return "—"


def rems_form(session: TreatmentSession, cs: ClinicSettings) -> RemsForm:
    """Every field of the REMS Patient Monitoring Form, as (section, [(label, value)])."""
    p = session.patient
    checkin = getattr(session, "checkin", None)
    discharge = getattr(session, "discharge", None)
    adms = [a for a in session.administrations.all() if a.kind == AdministrationKind.DEVICE]
    vitals = amended_vitals(session)
    predose = [r for r in vitals if r.kind == VitalsKind.PREDOSE]
    obs = [r for r in vitals if r.kind == VitalsKind.OBSERVATION]
    pre = predose[-1] if predose else None
    last = obs[-1] if obs else None
    forty = check_by_key(due_checks(session, cs), f"bp@{cs.bp_check_minutes}")
    assessments = amended_assessments(session)
    sedation = [a for a in assessments if a.scale == Scale.MOAAS and a.score < 5]
    dissociation = [a for a in assessments if a.scale != Scale.MOAAS and a.score > 0]
    resp = [r for r in vitals if r.spo2 is not None and r.spo2 < cs.escalation_spo2_min]
    events = list(session.adverse_events.all())
    dose_mg, dose_mark = amended_dose(session)
    dose = int(dose_mg or 0)
    hcp = (discharge.by if discharge else None) or (checkin.by if checkin else None)
    minutes = (
        int((session.discharged_at - session.first_dose_at).total_seconds() // 60)
        if session.discharged_at and session.first_dose_at
        else None
    )
    first_treatment = not (
        TreatmentSession.objects.filter(
            patient=p,
            status=SessionStatus.DISCHARGED,
            course__protocol__treatment=Treatment.ESKETAMINE,
            first_dose_at__lt=session.first_dose_at or session.planned_start,
        )
        .exclude(pk=session.pk)
        .exists()
    )

    def tm(at):
        return timezone.localtime(at).strftime("%H:%M") if at else "—"

    form = RemsForm()
    form.section(
        "Patient",
        ("Name", p.full_name),
        ("Date of birth", p.date_of_birth.strftime("%Y-%m-%d")),
        ("Sex", p.get_sex_display()),
        (
            "REMS enrolment",
            f"{p.get_rems_status_display()}" + (f", id {p.rems_patient_id}" if p.rems_patient_id else ""),
        ),
        ("First treatment", _yn(first_treatment)),
    )
    meds = []
    for attr, label in (
        ("med_benzodiazepines", "Benzodiazepines"),
        ("med_nonbenzo_hypnotics", "Non-benzodiazepine sedative hypnotics"),
        ("med_opioids", "Opioids"),
        ("med_psychostimulants", "Psychostimulants"),
        ("med_maois", "MAOIs"),
    ):
        meds.append((label, _yn(getattr(checkin, attr)) if checkin else "—"))
    form.section("Concomitant medications", *meds)
    form.section(
        "Monitoring healthcare provider",
        ("Name", str(hcp) if hcp else "—"),
        ("Phone", (hcp.phone if hcp and hcp.phone else cs.phone) or "—"),
        ("Email", (hcp.email if hcp and hcp.email else cs.email) or "—"),
    )
    form.section(
        "Healthcare setting",
        ("Name", cs.name),
        ("Address", cs.address.replace("\n", ", ") or "—"),
        ("REMS setting id", cs.rems_setting_id or "—"),
    )
    form.section(
        "Treatment",
        ("Treatment date", timezone.localtime(session.first_dose_at or session.planned_start).strftime("%Y-%m-%d")),
        ("Dose", Value(f"{dose} mg" if dose in (56, 84) else f"Other: {dose} mg", [dose_mark] if dose_mark else [])),
        ("Lot number(s)", ", ".join(sorted({a.lot.lot_number for a in adms})) or "—"),
        ("Devices", ", ".join(f"#{a.number} at {tm(a.given_at)}" for a in adms) or "—"),
        ("Total minutes from first device to end of monitoring", str(minutes) if minutes is not None else "—"),
        (
            "When would the patient have been ready to leave without the 2-hour rule (minutes)",
            str(discharge.ready_without_rule_minutes)
            if discharge and discharge.ready_without_rule_minutes is not None
            else "—",
        ),
    )
    pre_ok = pre is not None and pre.systolic <= cs.predose_systolic_max and pre.diastolic <= cs.predose_diastolic_max
    last_ok = (
        last is not None and last.systolic <= cs.discharge_systolic_max and last.diastolic <= cs.discharge_diastolic_max
    )
    form.section(
        "Vital signs",
        ("Vitals in acceptable range before administration", Value(_yn(pre_ok), _marks(pre))),
        ("Vitals in acceptable range before completion of monitoring", Value(_yn(last_ok), _marks(last))),
        ("Blood pressure before administration", _bp(pre, tm)),
        ("Blood pressure about 40 minutes after administration", _forty(forty, tm)),
        ("Blood pressure before completion of monitoring", _bp(last, tm)),
    )
    form.section(
        "Events during monitoring",
        (
            "Sedation",
            Value(
                _yn(bool(sedation))
                + (": " + ", ".join(f"MOAA/S {a.score} at {tm(a.taken_at)}" for a in sedation) if sedation else ""),
                _marks(*[a for a in assessments if a.scale == Scale.MOAAS]),
            ),
        ),
        (
            "Dissociation",
            Value(
                _yn(bool(dissociation))
                + (
                    ": " + ", ".join(f"CADSS {a.score} at {tm(a.taken_at)}" for a in dissociation)
                    if dissociation
                    else ""
                ),
                _marks(*[a for a in assessments if a.scale != Scale.MOAAS]),
            ),
        ),
        (
            "Respiratory depression",
            Value(
                _yn(bool(resp))
                + (": " + ", ".join(f"SpO2 {r.spo2}% at {tm(r.taken_at)}" for r in resp) if resp else ""),
                [r.amended["spo2"] for r in vitals if "spo2" in r.amended],
            ),
        ),
        (
            "Adverse events",
            _yn(bool(events))
            + (
                ": "
                + "; ".join(
                    f"{e.description} ({e.get_severity_display().lower()}{', serious' if e.serious else ''})"
                    for e in events
                )
                if events
                else ""
            ),
        ),
    )
    return form
