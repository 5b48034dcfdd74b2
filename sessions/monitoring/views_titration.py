"""The course's dose page: planned doses of the sessions still to come, the dose changes made, and (for a
prescriber) the form to change the planned dose from a session on. The course page shows the same as a
panel that posts here; a refusal comes back on this page with the message beside the field."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic.access import clinical_required, patient_row_or_404
from clinic.forms import apply_service_errors
from sessions.models import Course
from sessions.monitoring import titration
from sessions.monitoring.forms_titration import DoseChangeForm
from sessions.monitoring.panels import dose_panel_context
from sessions.monitoring.views_actions import _action, _session


@clinical_required
def course_dose_change(request: HttpRequest, pk: int) -> HttpResponse:
    course = patient_row_or_404(request, Course.objects.select_related("patient", "protocol", "current_phase"), pk=pk)
    form = None
    status = 200
    if request.method == "POST":
        form = DoseChangeForm(
            request.POST,
            action=reverse("course_dose_change", args=[course.pk]),
            sessions=titration.changeable_sessions(course),
        )
        if form.is_valid():
            try:
                change = titration.dose_change(
                    session=form.cleaned_data["session"], by=request.user, **form.service_args()
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                n = change.sessions_changed
                messages.success(
                    request, f"Planned dose changed to {change.dose_text} for {n} session{'s' if n != 1 else ''}."
                )
                return redirect(course)
        messages.error(request, "Not saved — see the message beside the form.")
        status = 400
    context = dose_panel_context(request, course, form)
    return render(request, "sessions/monitoring/course_dose.html", {"panel": context}, status=status)


@clinical_required
@require_POST
def session_dose_change(request: HttpRequest, pk: int) -> HttpResponse:
    """A prescriber's new planned dose for this session (or the rest of its phase); refused for others."""
    form = DoseChangeForm(request.POST, session=_session(request, pk))

    def call(s, d):
        change = titration.dose_change(session=s, by=request.user, **form.service_args())
        n = change.sessions_changed
        messages.info(request, f"{n} session{'s' if n != 1 else ''} now planned at {change.dose_text}.")

    return _action(request, pk, "dose", form, call, "Planned dose changed.")
