"""Readable audit trail built from django-simple-history rows.

Each area registers the history it keeps about a patient (``register_patient_history``); the
patient page merges them into one timeline, one SQL query per source whatever its length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Model, QuerySet

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
