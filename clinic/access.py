"""Role checks for views. Every view is wrapped in one of these; patients reach only their own data."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import AccessLog, Patient, Role


def role_required(*roles: str, prescriber: bool = False) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs):
            user = request.user
            if user.role not in roles:
                raise PermissionDenied("Your role cannot open this page.")
            if prescriber and not user.is_prescriber:
                raise PermissionDenied("Only a prescriber can do this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required(Role.ADMIN)
clinical_required = role_required(Role.ADMIN, Role.STAFF)
prescriber_required = role_required(Role.ADMIN, Role.STAFF, prescriber=True)
patient_required = role_required(Role.PATIENT)


def note_patient_access(request: HttpRequest, patient: Patient | int | None) -> None:
    """Record that this user opened this patient's data (reads are audited, not only writes).

    The one entry point of the read log. Pages reach it through the lookups that load one patient's
    data (``patient_for``, ``portal_patient``, ``patient_row_or_404``); a page that shows one patient's
    data some other way (a list filtered to one patient) calls it itself. One entry per request per
    patient, written in one insert when the response is ready (``write_pending_reads``: no insert
    and commit of its own in the middle of the page). ``tests/security/test_read_log.py`` walks every page as every role and fails when a page
    shows a patient's data without an entry.
    """
    if patient is None or not request.user.is_authenticated:
        return
    patient_id = patient if isinstance(patient, int) else patient.pk
    seen = request.__dict__.setdefault("_noted_patients", set())
    if patient_id in seen:
        return
    seen.add(patient_id)
    entry = AccessLog(
        user=request.user,
        patient_id=patient_id,
        path=request.path[:300],
        method=request.method[:8],
        ip=request.META.get("REMOTE_ADDR") or None,
    )
    pending = getattr(request, "_pending_reads", None)
    if pending is None:  # outside ReadLogMiddleware (a view called directly): write it now
        entry.save()
    else:
        pending.append(entry)


def write_pending_reads(request: HttpRequest) -> None:
    """The request's read entries in one insert, after the view (``clinic.middleware.ReadLogMiddleware``)."""
    pending = request.__dict__.pop("_pending_reads", None)
    if pending:
        AccessLog.objects.bulk_create(pending)


def _read_row(rows: list):
    """The one row a selector read for one key, 404 when it found none."""
    if len(rows) > 1:
        raise TypeError("Give the rows of one key.")
    if not rows:
        raise Http404("No such row.")
    return rows[0]


def patient_row_or_404(request: HttpRequest, queryset, **lookup):
    """One row of one patient's data (a session, a course, a payment…; anything with ``patient_id``),
    404 when there is none; the read is logged. ``queryset`` may also be the rows a selector already read for
    one key (``clinic.compiled``), without a lookup. Role checks stay with the view's decorator."""
    row = _read_row(queryset) if isinstance(queryset, list) else get_object_or_404(queryset, **lookup)
    note_patient_access(request, row.patient_id)
    return row


def portal_patient(request: HttpRequest) -> Patient:
    """The patient record behind a portal login (404 when the login is not linked or archived)."""
    patient = getattr(request.user, "patient", None)
    if patient is None or patient.is_archived:
        raise Http404("No patient record is linked to this login.")
    note_patient_access(request, patient)
    return patient


def patient_for(request: HttpRequest, pk: int, queryset=None) -> Patient:
    """Clinical users reach any patient; a patient reaches only their own record (404 otherwise).

    ``queryset``: the page's lookup of the patient for clinical users (e.g. with the panels' values), or the
    rows it already read for ``pk`` (``clinic.compiled``)."""
    user = request.user
    if user.is_clinical:
        if isinstance(queryset, list):
            patient = _read_row(queryset)
        else:
            patient = get_object_or_404(Patient if queryset is None else queryset, pk=pk)
        note_patient_access(request, patient)
        return patient
    if user.is_patient:
        patient = portal_patient(request)
        if patient.pk != pk:
            raise Http404
        return patient
    raise PermissionDenied
