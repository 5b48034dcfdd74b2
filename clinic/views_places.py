"""Admin pages of the clinic's places: closure days and reduced hours for a date."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import places, services
from .access import admin_required
from .forms import ClosureForm, apply_service_errors
from .models import ClinicSettings
from .panels import panels_for


@admin_required
def closure_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate(timezone=ClinicSettings.load().tz)
    form = ClosureForm(request.POST or None, initial={"date": today})
    if request.method == "POST" and form.is_valid():
        try:
            closure = services.closure_add(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Closure saved: {closure.date:%a %d %b %Y} {closure.hours_text}. Planning and moves skip it; "
                "any booking it no longer fits is listed under Bookings to move.",
            )
            return redirect("closure_list")
    context = {
        "form": form,
        "closures": places.Closure.objects.filter(date__gte=today).select_related("created_by"),
        "panels": panels_for("closures", request, None),
    }
    return render(request, "clinic/closures.html", context)


@admin_required
@require_POST
def closure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    closure = get_object_or_404(places.Closure, pk=pk)
    services.closure_remove(by=request.user, closure=closure)
    messages.success(request, f"Closure removed: {closure.date:%a %d %b %Y} follows the weekly opening hours again.")
    return redirect("closure_list")
