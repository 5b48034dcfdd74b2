"""Record pages of monitoring: the REMS list and each session's Patient Monitoring Form, drug lots, device
receipts and the controlled-substance log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import clinical_required
from clinic.forms import apply_service_errors
from clinic.models import ClinicSettings
from sessions.models import (
    DeviceReceipt,
    DrugLot,
    RemsStatusFilter,
    SessionStatus,
)
from sessions.monitoring import lots as lot_services
from sessions.monitoring import rems as rems_services
from sessions.monitoring.forms import (
    LotForm,
    ReceiptForm,
    RemsSubmitForm,
)
from sessions.monitoring.views import _session


@clinical_required
def rems_list(request: HttpRequest) -> HttpResponse:
    cs = ClinicSettings.load()
    wanted = request.GET.get("status") or ""
    if wanted not in RemsStatusFilter.values:
        wanted = ""
    try:
        page_no = int(request.GET.get("page") or 1)
    except ValueError:
        page_no = 1
    whole = request.GET.get("history") == "all"
    page = rems_services.rems_page(cs, wanted=wanted, page=page_no, whole_history=whole)
    context = {
        "page": page,
        "rows": page.rows,
        "counts": page.counts,
        "wanted": wanted,
        "whole_history": whole,
        "statuses": RemsStatusFilter.choices,
    }
    return render(request, "sessions/monitoring/rems_list.html", context)


@clinical_required
def rems_form(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    if not session.is_esketamine:
        raise Http404("REMS forms are for esketamine sessions.")
    cs = ClinicSettings.load()
    context = {
        "s": session,
        "form_data": rems_services.rems_form(session, cs),
        "status": rems_services.form_status(session, cs) if session.status == SessionStatus.DISCHARGED else None,
        "due": rems_services.due_date(session, cs),
        "submit_form": RemsSubmitForm(action=reverse("rems_submit", args=[session.pk])),
    }
    return render(request, "sessions/monitoring/rems_form.html", context)


@clinical_required
@require_POST
def rems_submit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = RemsSubmitForm(request.POST)
    if form.is_valid():
        try:
            rems_services.rems_submit(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            messages.success(request, "REMS form marked as submitted.")
            return redirect("rems_form", pk=session.pk)
    messages.error(request, "Not saved: " + " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("rems_form", pk=session.pk)


def _lots_page(request: HttpRequest, lot_form=None, receipt_form=None, status: int = 200) -> HttpResponse:
    receipts = lot_services.receipts_with_use(
        DeviceReceipt.objects.select_related("patient", "lot").prefetch_related("administrations")
    )
    context = {
        "lots": DrugLot.objects.select_related("received_by").order_by("-received_on"),
        "receipts": [r for r in receipts if r.state != "used"],
        "alerts": [r for r in receipts if r.state in ("expired", "soon")],
        "lot_form": lot_form or LotForm(action=reverse("lot_create")),
        "receipt_form": receipt_form or ReceiptForm(action=reverse("receipt_create")),
        "today": timezone.localdate(),
    }
    return render(request, "sessions/monitoring/lot_list.html", context, status=status)


@clinical_required
def lot_list(request: HttpRequest) -> HttpResponse:
    return _lots_page(request)


@clinical_required
@require_POST
def lot_create(request: HttpRequest) -> HttpResponse:
    form = LotForm(request.POST, action=reverse("lot_create"))
    if form.is_valid():
        try:
            lot_services.lot_receive(by=request.user, **form.cleaned_data)
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            messages.success(request, "Lot received.")
            return redirect("lot_list")
    return _lots_page(request, lot_form=form, status=400)


@clinical_required
@require_POST
def receipt_create(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.POST, action=reverse("receipt_create"))
    if form.is_valid():
        try:
            lot_services.receipt_record(by=request.user, **form.cleaned_data)
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            messages.success(request, "Device receipt recorded.")
            return redirect("lot_list")
    return _lots_page(request, receipt_form=form, status=400)


@clinical_required
def lot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(DrugLot.objects.select_related("received_by"), pk=pk)
    return render(request, "sessions/monitoring/lot_detail.html", {"lot": lot, "log": lot_services.lot_log(lot)})
