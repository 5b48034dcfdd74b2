"""Panels that areas add to shared pages (the patient page, the portal, a course, a booking).

Each panel is a template and a function returning its context. A page renders the panels
registered for it in order, so it needs no knowledge of the areas that extend it:

    @register_panel("course", order=60, template="sessions/billing/panels/course.html")
    def course_panel(request, course) -> dict | None: ...

Pages: "patient" (obj: Patient), "portal" (obj: Patient), "course" (obj: Course),
"booking" (obj: TreatmentSession), "plan_course" (obj: Patient or None).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    order: int
    template: str
    context: Callable[[HttpRequest, object], dict | None]


_panels: dict[str, list[Panel]] = defaultdict(list)


def register_panel(page: str, *, order: int, template: str) -> Callable:
    def decorator(fn: Callable[[HttpRequest, object], dict | None]) -> Callable:
        _panels[page].append(Panel(order, template, fn))
        _panels[page].sort(key=lambda p: p.order)
        return fn

    return decorator


def panels_for(page: str, request: HttpRequest, obj) -> list[dict]:
    """Render-ready panels; a panel whose function returns None is left out."""
    rendered = []
    for panel in _panels[page]:
        context = panel.context(request, obj)
        if context is not None:
            rendered.append({"template": panel.template, "context": context})
    return rendered
