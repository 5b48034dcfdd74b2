"""Search across the audit trail (every django-simple-history table) and the access log.

One query per history table for a page of changes (plus one for the patients' names), whatever the
number of rows: each table yields its newest matching rows up to the end of the requested page, and
the merge keeps the page. Tables that cannot be tied to a patient are left out of a patient search.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache, partial

from django.core.paginator import Page, Paginator
from django.db.models import BigIntegerField, F, IntegerField, Model, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone
from simple_history.models import registered_models

from clinic.audit import ACTIONS
from clinic.compiled import compiled_rows
from clinic.models import AccessLog, Patient, User

PAGE_SIZE = 50
COLUMNS = (
    "_a_source",
    "_a_when",
    "_a_pk",
    "_a_type",
    "_a_reason",
    "_a_patient",
    "_a_first",
    "_a_last",
    "_a_username",
    "_a_order",
)
MAX_PAGE = 200


@dataclass
class Criteria:
    patient_ids: list[int] | None = None  # None: any patient
    user_ids: list[int] | None = None  # None: anyone
    start: dt.datetime | None = None
    end: dt.datetime | None = None  # exclusive


@dataclass
class ChangeRow:
    when: dt.datetime
    who: str
    what: str
    action: str
    reason: str
    patient_id: int | None
    patient_name: str = ""


@dataclass
class ChangePage:
    rows: list[ChangeRow]
    number: int
    has_next: bool
    has_previous: bool
    sources: int = 0
    extra: dict = field(default_factory=dict)

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def criteria_from(cleaned: dict) -> Criteria:
    """Turn the search form's cleaned data into ids and an aware datetime range."""
    crit = Criteria()
    text = (cleaned.get("patient") or "").strip()
    if text:
        if text.startswith("#") and text[1:].isdigit():
            crit.patient_ids = [int(text[1:])]
        else:
            crit.patient_ids = list(Patient.objects.search(text).values_list("pk", flat=True)[:200])
    username = (cleaned.get("user") or "").strip()
    if username:
        crit.user_ids = list(User.objects.filter(username__icontains=username).values_list("pk", flat=True)[:200])
    tz = timezone.get_current_timezone()
    if cleaned.get("date_from"):
        crit.start = dt.datetime.combine(cleaned["date_from"], dt.time.min, tzinfo=tz)
    if cleaned.get("date_to"):
        crit.end = dt.datetime.combine(cleaned["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return crit


def patient_lookup(model: type[Model]) -> str | None:
    """How a history row of ``model`` reaches its patient's id, if it can (at most one hop)."""
    if model is Patient:
        return "id"
    fields = {f.name: f for f in model._meta.concrete_fields}
    patient = fields.get("patient")
    if patient is not None and patient.is_relation and patient.related_model is Patient:
        return "patient_id"
    for f in model._meta.concrete_fields:
        if not (f.many_to_one or f.one_to_one) or f.related_model is None or f.related_model is Patient:
            continue
        related = {g.name: g for g in f.related_model._meta.concrete_fields}.get("patient")
        if related is not None and related.is_relation and related.related_model is Patient:
            return f"{f.name}__patient_id"
    return None


@cache
def _history_tables() -> tuple[tuple[type[Model], type[Model], str | None], ...]:
    """Each audited model with its history model and how a history row reaches its patient. Read once per
    process: django-simple-history builds a new manager class each time ``Model.history`` is read."""
    tables = []
    for model in sorted(set(registered_models.values()), key=lambda m: m._meta.label):
        manager_name = getattr(model._meta, "simple_history_manager_attribute", "history")
        manager = getattr(model, manager_name, None)
        if manager is None:
            continue
        tables.append((model, manager.model, patient_lookup(model)))
    return tuple(tables)


def history_sources() -> list[tuple[type[Model], QuerySet, str | None]]:
    return [(model, history.objects.all(), lookup) for model, history, lookup in _history_tables()]


def _sources_for(by_patient: bool) -> list[tuple[type[Model], QuerySet, str | None]]:
    """The history tables a search reads: all of them, or those tied to a patient when it names patients."""
    return [(m, qs, lookup) for m, qs, lookup in history_sources() if lookup is not None or not by_patient]


def _changes_union(*, shape: tuple, need: int, **values):
    """Every history table's matching rows as the same columns, in one ``UNION ALL``, newest first, ``need``
    rows. ``shape``: how many patients and users are named (None: any) and whether the dates are bounded;
    ``values``: ``patient_<i>``, ``user_<i>``, ``start``, ``end``."""
    patients, users, has_start, has_end = shape
    parts: list[QuerySet] = []
    for source, (model, qs, lookup) in enumerate(_sources_for(patients is not None)):
        if patients is not None:
            qs = qs.filter(**{f"{lookup}__in": [values[f"patient_{i}"] for i in range(patients)]})
        if users is not None:
            qs = qs.filter(history_user_id__in=[values[f"user_{i}"] for i in range(users)])
        if has_start:
            qs = qs.filter(history_date__gte=values["start"])
        if has_end:
            qs = qs.filter(history_date__lt=values["end"])
        # The same columns from every history table, so that one UNION ALL query reads them all.
        qs = qs.annotate(
            _a_source=Cast(Value(source), IntegerField()),
            _a_when=F("history_date"),
            _a_pk=F(model._meta.pk.attname),
            _a_type=F("history_type"),
            _a_reason=F("history_change_reason"),
            _a_patient=F(lookup) if lookup is not None else Cast(Value(None), BigIntegerField()),
            _a_first=F("history_user__first_name"),
            _a_last=F("history_user__last_name"),
            _a_username=F("history_user__username"),
            _a_order=F("history_id"),
        ).values_list(*COLUMNS)
        parts.append(qs.order_by())
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return union.order_by("-_a_when", "-_a_order")[:need]


def search_changes(crit: Criteria, page: int = 1, page_size: int = PAGE_SIZE) -> ChangePage:
    """A page of changes, newest first, from every history table the criteria can reach, in one query whose
    SQL is compiled once per process for each shape of search (``clinic.compiled``)."""
    page = max(1, min(int(page), MAX_PAGE))
    need = page * page_size + 1
    if crit.patient_ids is not None and not crit.patient_ids:
        return ChangePage(rows=[], number=1, has_next=False, has_previous=False)
    if crit.user_ids is not None and not crit.user_ids:
        return ChangePage(rows=[], number=1, has_next=False, has_previous=False)
    sources = _sources_for(crit.patient_ids is not None)
    if not sources:
        return ChangePage(rows=[], number=1, has_next=False, has_previous=False)
    labels = [str(model._meta.verbose_name).capitalize() for model, _, _ in sources]
    values: dict = {f"patient_{i}": pk for i, pk in enumerate(crit.patient_ids or [])}
    values.update({f"user_{i}": pk for i, pk in enumerate(crit.user_ids or [])})
    values.update({name: when for name, when in (("start", crit.start), ("end", crit.end)) if when})
    shape = (
        None if crit.patient_ids is None else len(crit.patient_ids),
        None if crit.user_ids is None else len(crit.user_ids),
        bool(crit.start),
        bool(crit.end),
    )
    found = compiled_rows(("audit_changes", shape, need), partial(_changes_union, shape=shape, need=need), **values)
    collected: list[ChangeRow] = []
    for source, when, pk, kind, reason, patient_id, first, last, username in (row[:9] for row in found):
        name = f"{first or ''} {last or ''}".strip() or username
        collected.append(
            ChangeRow(
                when=when,
                who=name or "system",
                what=f"{labels[source]} #{pk}",
                action=ACTIONS.get(kind, kind),
                reason=reason or "",
                patient_id=patient_id,
            )
        )
    collected.sort(key=lambda r: r.when, reverse=True)
    rows = collected[(page - 1) * page_size : page * page_size]
    names = dict(
        (p.pk, p.full_name)
        for p in Patient.objects.filter(pk__in={r.patient_id for r in rows if r.patient_id}).only(
            "first_name", "last_name"
        )
    )
    for row in rows:
        row.patient_name = names.get(row.patient_id, "")
    return ChangePage(
        rows=rows,
        number=page,
        has_next=len(collected) > page * page_size,
        has_previous=page > 1,
        sources=len(sources),
    )


def search_reads(crit: Criteria, page: int | str | None = 1, page_size: int = PAGE_SIZE) -> Page:
    qs = AccessLog.objects.select_related("user", "patient").order_by("-at", "-pk")
    if crit.patient_ids is not None:
        qs = qs.filter(patient_id__in=crit.patient_ids)
    if crit.user_ids is not None:
        qs = qs.filter(user_id__in=crit.user_ids)
    if crit.start:
        qs = qs.filter(at__gte=crit.start)
    if crit.end:
        qs = qs.filter(at__lt=crit.end)
    return Paginator(qs, page_size).get_page(page)
