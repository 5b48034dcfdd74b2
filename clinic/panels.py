"""Panels other areas add to the patient page (courses, monitoring, billing).

Each panel is a template and a function returning its context; the patient page renders them in
the order given, so the page needs no knowledge of the areas that extend it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    order: int
    template: str
    context: Callable[[HttpRequest, object], dict]


_panels: list[Panel] = []


def register_patient_panel(*, order: int, template: str) -> Callable:
    def decorator(fn: Callable[[HttpRequest, object], dict]) -> Callable:
        _panels.append(Panel(order, template, fn))
        _panels.sort(key=lambda p: p.order)
        return fn

    return decorator


def patient_panels(request: HttpRequest, patient) -> list[dict]:
    return [{"template": p.template, "context": p.context(request, patient)} for p in _panels]
