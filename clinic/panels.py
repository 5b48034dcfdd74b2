"""Panels that areas add to shared pages (the patient page, the portal, a course, a booking).

Each panel is a template and a function returning its context. A page renders the panels
registered for it in order, so it needs no knowledge of the areas that extend it:

    @register_panel("course", order=60, template="sessions/billing/panels/course.html")
    def course_panel(request, course) -> dict | None: ...

Pages: "patient" (obj: Patient), "portal" (obj: Patient), "course" (obj: Course),
"booking" (obj: TreatmentSession), "plan_course" (obj: Patient, a previewed plan with .patient,
.protocol and .starts, or None), "course_review" (obj: Course), "closures" (obj: None).

A panel that needs a figure about the page's object (a sum, whether something exists) contributes it to
the page's one query instead of running its own: ``register_value(page, name)`` gives an expression
over that object's row, the page's selector loads every registered value in one query
(``load_values``) and the panel reads ``panel_values(obj)[name]`` (or queries itself when the page did
not load them, as on another page). A list of rows is one value too (``clinic/rows.py``):
``json_rows(queryset, **fields)`` aggregates the rows into one JSON text in that same query;
``instances(Model, rows)`` turns them back into (unsaved, read-only) model objects for the panel's template.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db.models import QuerySet
from django.http import HttpRequest

from clinic.compiled import compiled_rows, forget_compiled
from clinic.rows import JSONRows, built_once, decode_rows, forget_built


@dataclass(frozen=True)
class Panel:
    order: int
    template: str
    context: Callable[[HttpRequest, object], dict | None]


_panels: dict[str, list[Panel]] = defaultdict(list)
_values: dict[str, dict[str, Callable[[], object]]] = defaultdict(dict)


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


def register_value(page: str, name: str) -> Callable:
    """``fn()`` returns a query expression over the page object's row (e.g. a subquery sum). The page's
    query is built once per process and reused (``clinic.rows.built_once``), so the expression must not depend on the
    time or the request: compare with today in the panel, on the values read."""

    def decorator(fn: Callable[[], object]) -> Callable:
        _values[page][name] = fn
        forget_built()
        forget_compiled()
        _json_values.clear()
        return fn

    return decorator


_json_values: dict[str, set[str]] = {}  # per page, the names of the values that are lists of rows


def _expressions(page: str) -> dict:
    return {name: fn() for name, fn in _values[page].items()}


def load_values(page: str, obj) -> None:
    """Every value registered for the page, about ``obj``, in one query (kept on the object)."""
    values = {}
    if _values[page]:
        model = type(obj)
        rows = compiled_rows(("values", page, model), partial(_values_row, page, model), pk=obj.pk)
        values = rows[0] if rows else {}
    obj._panel_values = _decoded(page, values)


def _values_row(page: str, model, *, pk: int):
    """The query of ``load_values`` (built once, then compiled once per process: only the key changes)."""
    rows = built_once(("values", page, model), lambda: model._default_manager.values(**_expressions(page)))
    return rows.filter(pk=pk)


def with_values(page: str, base: Callable[[], QuerySet]):
    """The page's own lookup of its object with every registered value annotated: the object and its
    values in one query (then ``take_values`` on the object found). ``base()`` gives the page's queryset
    (the same every time: it is built once with the values and copied for each request)."""
    expressions = {f"_pv_{name}": fn for name, fn in _values[page].items()}
    return built_once(("with", page, base), lambda: base().annotate(**{k: fn() for k, fn in expressions.items()}))


def take_values(page: str, obj):
    obj._panel_values = _decoded(page, {name: obj.__dict__.pop(f"_pv_{name}") for name in _values[page]})
    return obj


def _decoded(page: str, values: dict) -> dict:
    if page not in _json_values:
        _json_values[page] = {name for name, e in _expressions(page).items() if isinstance(e, JSONRows)}
    for name in _json_values[page]:
        if name in values:
            values[name] = decode_rows(values[name])
    return values


def panel_values(obj) -> dict | None:
    """What ``load_values`` loaded for this object, or None when the page did not load them."""
    return getattr(obj, "_panel_values", None)
