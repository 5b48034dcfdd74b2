"""Readable audit trail built from django-simple-history rows.

Each area registers the history it keeps about a patient (``register_patient_history``); the
patient page merges them into one timeline, one SQL query per source whatever its length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Model, QuerySet
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
    """Register a function returning (label, historical queryset) pairs for a patient."""
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


def _display(record: Model, f) -> str:
    value = getattr(record, f.attname)
    if value is None or value == "":
        return "—"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def entries_for(label: str, rows: Iterable[Model]) -> list[Entry]:
    """Turn historical rows (any order) into entries with field-level changes against the prior row."""
    rows = sorted(rows, key=lambda r: (r.id, r.history_date, r.history_id))
    entries: list[Entry] = []
    previous: dict[int, Model] = {}
    for row in rows:
        fields = [
            f
            for f in row._meta.concrete_fields
            if f.attname not in HIDDEN_FIELDS and f.name not in HIDDEN_FIELDS and f.name != "id"
        ]
        prior = previous.get(row.id)
        changes = []
        if prior is not None:
            for f in fields:
                if getattr(prior, f.attname) != getattr(row, f.attname):
                    changes.append(Change(str(f.verbose_name), _display(prior, f), _display(row, f)))
        previous[row.id] = row
        if row.history_type == "~" and prior is not None and not changes and not row.history_change_reason:
            continue  # a save that changed nothing visible
        user = row.history_user
        entries.append(
            Entry(
                when=row.history_date,
                who=(user.get_full_name() or user.username) if user else "system",
                label=f"{label} #{row.id}" if label else str(row.id),
                action=ACTIONS.get(row.history_type, row.history_type),
                reason=row.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def patient_history(patient: Model, limit: int = 100) -> list[Entry]:
    all_entries: list[Entry] = []
    for source in _sources:
        for label, qs in source(patient):
            rows = list(qs.select_related("history_user").order_by("-history_date")[: limit * 4])
            all_entries.extend(entries_for(label, rows))
    all_entries.sort(key=lambda e: e.when, reverse=True)
    return all_entries[:limit]


@register_patient_history
def _patient_record(patient: Model):
    yield "Patient record", patient.history.filter(id=patient.pk)
