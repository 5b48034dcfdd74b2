"""Two-factor pages (status, set-up, verify, backup codes, turn off) and the admin's audit search."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from clinic.access import admin_required, note_patient_access
from clinic.models import Patient

from . import audit_search, otp
from .forms import AuditSearchForm, PasswordConfirmForm, TokenForm


def _next_url(request: HttpRequest) -> str:
    """The page asked for before the 2FA step (only a path on this site), or ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _mismatch(user, *, confirmed: bool) -> str:
    if otp.backing_off(user, confirmed=confirmed):
        return "That code did not match. After a wrong code, wait a few seconds, then type the newest code."
    return "That code did not match. Check the time on your phone and type the newest code."


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    enabled = otp.has_device(request)
    context = {
        "enabled": enabled,
        "required": otp.is_required_for(user) or (bool(settings.REQUIRE_2FA) and user.is_clinical),
        "codes_left": otp.backup_codes_left(user) if enabled else 0,
    }
    return render(request, "clinic/security/two_factor.html", context)


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if otp.has_device(request):
        messages.info(request, "Two-factor authentication is already on.")
        return redirect("two_factor")
    form = TokenForm(request.POST or None, submit="Turn on two-factor authentication")
    if request.method == "POST" and form.is_valid():
        codes = otp.confirm_app_device(request=request, token=form.cleaned_data["token"])
        if codes is not None:
            request.session[otp.FRESH_CODES] = codes
            messages.success(request, "Two-factor authentication is on.")
            url = reverse("two_factor_backup_codes")
            return redirect(f"{url}?{urlencode({'next': _next_url(request)})}" if _next_url(request) else url)
        form.add_error("token", _mismatch(request.user, confirmed=False))
    device = otp.pending_app_device(request.user)
    context = {
        "form": form,
        "qr": otp.qr_data_uri(device.config_url),
        "secret": otp.secret_for_manual_entry(device),
        "required": otp.is_required_for(request.user),
        "next": _next_url(request),
    }
    return render(request, "clinic/security/two_factor_setup.html", context)


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified() or not otp.has_device(request):
        return redirect(_next_url(request) or "home")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = otp.verify(request=request, token=form.cleaned_data["token"])
        if result.ok:
            return redirect(_next_url(request) or "home")
        if result.locked:
            logout(request)
            return render(request, "registration/locked_out.html", status=settings.AXES_HTTP_RESPONSE_CODE)
        form.add_error("token", _mismatch(request.user, confirmed=True))
    return render(request, "clinic/security/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(otp.FRESH_CODES, None)
    return _backup_codes_page(request, codes=codes, form=PasswordConfirmForm(user=request.user))


def _backup_codes_page(request: HttpRequest, *, codes, form, status: int = 200) -> HttpResponse:
    return render(
        request,
        "clinic/security/backup_codes.html",
        {"codes": codes, "enabled": otp.has_device(request), "next": _next_url(request), "form": form},
        status=status,
    )


@login_required
@require_POST
def two_factor_regenerate(request: HttpRequest) -> HttpResponse:
    if not otp.has_device(request):
        return redirect("two_factor_setup")
    form = PasswordConfirmForm(request.POST, user=request.user)
    if not form.is_valid():
        return _backup_codes_page(request, codes=None, form=form, status=400)
    request.session[otp.FRESH_CODES] = otp.new_backup_codes(request.user)
    messages.success(request, "New backup codes were made; the old ones no longer work.")
    return redirect("two_factor_backup_codes")


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    if request.user.is_clinical and settings.REQUIRE_2FA:
        messages.error(request, "Staff accounts must keep two-factor authentication on.")
        return redirect("two_factor")
    otp.turn_off(request.user)
    otp.refresh_has_device(request)
    messages.success(request, "Two-factor authentication is off.")
    return redirect("two_factor")


@admin_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    kind, changes, reads = "changes", None, None
    if form.is_bound and not form.is_valid():
        crit = None
    else:
        cleaned = form.cleaned_data if form.is_bound else {}
        kind = cleaned.get("kind") or "changes"
        crit = audit_search.criteria_from(cleaned)
        page = request.GET.get("page") or 1
        if kind == "reads":
            reads = audit_search.search_reads(crit, page)
        else:
            try:
                number = int(page)
            except (TypeError, ValueError):
                number = 1
            changes = audit_search.search_changes(crit, number)
            if crit.patient_ids is not None and len(crit.patient_ids) == 1:
                # One patient's trail of changes shows their data (the values changed): a read of the record.
                note_patient_access(request, Patient.objects.filter(pk=crit.patient_ids[0]).first())
    return render(
        request, "clinic/security/audit_log.html", {"form": form, "kind": kind, "changes": changes, "reads": reads}
    )
