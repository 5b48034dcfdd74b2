"""Safety net for read logging: note the read when a page showed exactly one patient's data.

Views call ``clinic.access.note_patient_access`` (through ``patient_for`` / ``portal_patient``).
A page that reaches a patient's rows some other way (a session page, a course page, a panel) is
still caught here: while a request runs, every model instance loaded from the database that
belongs to a patient (a ``Patient`` or any row with a ``patient_id``) is remembered, and after a
successful response ``PatientReadLogMiddleware`` records the read when exactly one patient was
seen, or when the URL named the patient (``patient_pk`` / ``patient_id``). Pages listing many
patients (boards, search results) are not logged patient by patient.
"""

from __future__ import annotations

from contextvars import ContextVar

_seen: ContextVar[set[int] | None] = ContextVar("patients_seen", default=None)

# Rows that point at a patient but are not the patient's data.
_IGNORED_MODELS = {"clinic.accesslog", "clinic.usersession"}
PATIENT_KWARGS = ("patient_pk", "patient_id")


def seen_instance(sender, instance, **kwargs) -> None:
    seen = _seen.get()
    if seen is None:
        return
    label = sender._meta.label_lower
    if label in _IGNORED_MODELS:
        return
    if label == "clinic.patient":
        patient_id = instance.__dict__.get("id")
    else:
        patient_id = instance.__dict__.get("patient_id")
    if patient_id is not None:
        seen.add(patient_id)


def start() -> object:
    return _seen.set(set())


def stop(token: object) -> set[int]:
    seen = _seen.get() or set()
    _seen.reset(token)
    return seen
