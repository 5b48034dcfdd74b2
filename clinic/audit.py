"""Readable audit trail built from django-simple-history rows.

Each area registers the history it keeps about a patient (``register_patient_history``); the
patient page merges them into one timeline: one SQL query (UNION ALL of the sources) whatever their number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import (
    BooleanField,
    DateTimeField,
    DecimalField,
    F,
    IntegerField,
    Model,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject, NullIf, Trim
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from simple_history.utils import bulk_create_with_history

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
HIDDEN_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
    "version",
    "updated_at",
    "created_at",
}

REASON_LENGTH = 100  # django-simple-history's history_change_reason column


def reason_text(reason: str) -> str:
    """A change reason that fits the history column (cut with an ellipsis, never mid-way silently)."""
    reason = " ".join((reason or "").split())
    return reason if len(reason) <= REASON_LENGTH else reason[: REASON_LENGTH - 1] + "…"


def audited(instance: Model, *, by, reason: str = "") -> Model:
    """Name who makes the next ``save()`` of ``instance`` and why, for its history row.

    The one audit call of every write service: the history row names the actor whether the service
    runs from a page, a management command or the task worker (simple-history only knows the user
    of a web request by itself). ``by`` may be None for the system (e.g. a scheduled job).
    """
    instance._history_user = by
    instance._change_reason = reason_text(reason) if reason else None
    return instance


def audited_save(instance: Model, *, by, reason: str = "", update_fields=None) -> Model:
    audited(instance, by=by, reason=reason)
    instance.save(update_fields=update_fields)
    return instance


def audited_create(
    model: type[Model], values: dict, *, by, reason: str = "", validate: bool = True, loaded: Iterable[str] = ()
) -> Model:
    """Create one row from ``values`` with its history row naming ``by`` (validated with ``full_clean``
    unless the service has already checked every value).

    ``loaded`` names foreign keys given as rows the service has just read: their existence is not asked of
    the database again (one query each); every other field, the unique checks and the constraints are
    validated as by ``full_clean``."""
    instance = model(**values)
    if validate:
        loaded = list(loaded)
        if loaded:
            instance.full_clean(exclude=loaded, validate_unique=False, validate_constraints=False)
            instance.validate_unique()
            instance.validate_constraints()
        else:
            instance.full_clean()
    return audited_save(instance, by=by, reason=reason)


def audited_change(instance: Model, values: dict, *, by, reason: str = "", exclude: list[str] | None = None) -> Model:
    """Set ``values`` on ``instance`` (new or saved), validate it with ``full_clean`` and save it with its
    history row naming ``by``: the write behind an add or edit page, called by its area's service."""
    names = {f.name for f in instance._meta.concrete_fields}
    unknown = sorted(set(values) - names)
    if unknown:
        raise TypeError(f"{type(instance).__name__} has no field {', '.join(unknown)}")
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=exclude)
    return audited_save(instance, by=by, reason=reason)


def audited_delete(instance: Model, *, by, reason: str = "") -> None:
    """Delete ``instance``; its history row (type "-") names ``by`` and the reason."""
    audited(instance, by=by, reason=reason)
    instance.delete()


def audited_bulk_create(model: type[Model], rows: list[Model], *, by, reason: str = "", **kwargs) -> list[Model]:
    """``bulk_create`` with one history row per object, each naming ``by`` and the reason."""
    return bulk_create_with_history(
        rows, model, default_user=by, default_change_reason=reason_text(reason) or None, **kwargs
    )


HistorySource = Callable[[Model], Iterable[tuple[str, QuerySet]]]
_sources: list[HistorySource] = []


def register_patient_history(source: HistorySource) -> HistorySource:
    """Register a function returning (label, historical queryset) pairs for a patient. The querysets may
    use only the patient's primary key: the trail's SQL is compiled once for every patient."""
    _sources.append(source)
    return source


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    when: datetime
    who: str
    label: str
    action: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def _visible(model: type[Model]) -> list:
    return [
        f
        for f in model._meta.concrete_fields
        if f.attname not in HIDDEN_FIELDS and f.name not in HIDDEN_FIELDS and f.name != "id"
    ]


def _value(f, value):
    """A field's value as Python (from a model row, or from the JSON the trail's query builds)."""
    if value is None or value == "":
        return None
    if isinstance(f, DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None and timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=dt.UTC)  # SQLite keeps UTC without an offset
        return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M") if parsed else value
    if isinstance(f, DecimalField) and not isinstance(value, str):
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-f.decimal_places))
    if isinstance(f, BooleanField):
        return bool(value)
    return value


def _is_person(f) -> bool:
    return f.is_relation and f.related_model is get_user_model()


def _display(f, value, data: dict) -> str:
    """A value as read by ``_value`` (never converted twice), as the page shows it: a person by name."""
    if value is None:
        return "—"
    if _is_person(f):
        return data.get(f"{f.attname}__name") or f"#{value}"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _entry(row: dict, prior: dict | None, fields: list) -> Entry | None:
    """One history row (``data``: its visible values by attname) against the prior row of the same object."""
    changes = []
    if prior is not None:
        before, after = prior["data"] or {}, row["data"] or {}
        for f in fields:
            old, new = _value(f, before.get(f.attname)), _value(f, after.get(f.attname))
            if old != new:
                changes.append(Change(str(f.verbose_name), _display(f, old, before), _display(f, new, after)))
    if row["type"] == "~" and prior is not None and not changes and not row["reason"]:
        return None  # a save that changed nothing visible
    return Entry(
        when=row["when"],
        who=row["who"] or "system",
        label=f"{row['label']} #{row['pk']}" if row["label"] else str(row["pk"]),
        action=ACTIONS.get(row["type"], row["type"]),
        reason=row["reason"] or "",
        changes=changes,
    )


TRAIL_COLUMNS = ("_t_source", "_t_when", "_t_order", "_t_pk", "_t_type", "_t_reason", "_t_who", "_t_data")


def patient_history(patient: Model, limit: int = 100) -> list[Entry]:
    """The changes among the patient's latest ``limit`` history rows, newest first (see ``patient_trail``)."""
    return patient_trail(patient, 0, limit)[0]


def patient_trail(patient: Model, offset: int, count: int) -> tuple[list[Entry], bool]:
    """The changes of the patient's history rows ``offset`` to ``offset + count`` (newest first) and whether
    older rows exist, from ONE query over every registered history table (UNION ALL, ordered by date and
    cut to the page). Each row carries its visible values as JSON and is compared with the prior row of the
    same object among those read (``count`` more are read for that); a save that changed nothing visible is
    left out, and the oldest change read of an object shows no field list."""
    trail = _compiled_trail(type(patient), router.db_for_read(type(patient)))
    read = [
        {"source": s, "label": trail.sources[s][0], "when": w, "pk": pk, "type": t, "reason": r, "who": who, "data": d}
        for s, w, _o, pk, t, r, who, d in trail.rows(patient.pk, offset, count * 2)
    ]
    entries: list[Entry] = []
    for i, row in enumerate(read[:count]):
        prior = next((o for o in read[i + 1 :] if (o["source"], o["pk"]) == (row["source"], row["pk"])), None)
        entry = _entry(row, prior, trail.sources[row["source"]][1])
        if entry is not None:
            entries.append(entry)
    return entries, len(read) > count


# Marks where the patient's primary key goes in the trail's SQL; no row has a negative key.
_ANY_PATIENT = -7_770_001


@dataclass
class _Trail:
    """The trail's UNION ALL compiled once per process and database: building and compiling the ORM
    expressions of every history table cost far more than running the query. Sources may use only the
    patient's primary key (``register_patient_history``), which is a parameter here."""

    alias: str
    sql: str
    params: tuple
    compiler: object  # converts the columns read (dates, JSON) as the ORM would
    converters: dict
    sources: list[tuple[str, list]]

    def rows(self, patient_pk: int, offset: int, limit: int) -> list[tuple]:
        params = [patient_pk if p == _ANY_PATIENT else p for p in self.params]
        with connections[self.alias].cursor() as cursor:  # this thread's connection
            cursor.execute(f"{self.sql} LIMIT %s OFFSET %s", [*params, limit, offset])
            found = cursor.fetchall()
        return list(self.compiler.apply_converters(found, self.converters)) if self.converters else found


_trails: dict[tuple, _Trail] = {}


def _compiled_trail(patient_model: type[Model], alias: str) -> _Trail:
    key = (alias, patient_model, len(_sources))
    if key not in _trails:
        parts, sources = [], []
        for source in _sources:
            for label, qs in source(patient_model(pk=_ANY_PATIENT)):
                if _ANY_PATIENT not in qs.query.sql_with_params()[1]:
                    raise ImproperlyConfigured(
                        f"The patient history source {label!r} must filter on the patient's key."
                    )
                fields = _visible(qs.model)
                parts.append(
                    qs.annotate(
                        _t_source=Cast(Value(len(sources)), IntegerField()),
                        _t_when=F("history_date"),
                        _t_order=F("history_id"),
                        _t_pk=F("id"),
                        _t_type=F("history_type"),
                        _t_reason=F("history_change_reason"),
                        _t_who=_who(),
                        _t_data=JSONObject(
                            **{f.attname: F(f.attname) for f in fields},
                            **{f"{f.attname}__name": _person(f.name) for f in fields if _is_person(f)},
                        ),
                    )
                    .values_list(*TRAIL_COLUMNS)
                    .order_by()
                )
                sources.append((label, fields))
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        compiler = union.order_by("-_t_when", "-_t_order").query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        _trails[key] = _Trail(alias, sql, tuple(params), compiler, converters, sources)
    return _trails[key]


def _who():
    """The history row's author as shown: full name, else username, else empty (the system)."""
    return _person("history_user")


def _person(link: str):
    """The person a user link points to, as shown: full name, else username, else empty."""
    full = Trim(Concat(F(f"{link}__first_name"), Value(" "), F(f"{link}__last_name")))
    return Coalesce(NullIf(full, Value("")), F(f"{link}__username"), Value(""))


@register_patient_history
def _patient_record(patient: Model):
    yield "Patient record", patient.history.filter(id=patient.pk)
