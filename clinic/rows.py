"""Rows of several kinds in one query: a related list as one JSON value of its owner's row (``json_rows``),
turned back into model objects (``instances``), and unrelated small tables read together
(``rows_at_once``: a page's chairs and rota, a calendar's opening hours, closures and rota).

Objects built from JSON are unsaved, read-only copies for display: their related rows are the ones the
JSON brought (``row_fields(Model, "by")``), anything else read from them would query.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import F, Model, QuerySet, StringAgg, Subquery, TextField, Value
from django.db.models.base import ModelState
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinic.compiled import compiled_rows

# What pages show of a person who recorded, acknowledged or works a shift (never the password or 2FA state).
PERSON_FIELDS = ("pk", "username", "first_name", "last_name", "title", "role", "is_prescriber", "is_active")


class JSONRows(Subquery):
    """The rows of a correlated queryset as one text of JSON objects (decoded by ``load_values``)."""

    output_field = TextField()


def json_rows(queryset, **fields) -> JSONRows:
    """Each row of ``queryset`` (filtered on ``OuterRef("pk")``, the page object) as a JSON object of
    ``fields`` (name → lookup or expression), all in one value of the page's query. Order is not kept:
    sort the decoded rows."""
    row = Cast(JSONObject(**{k: F(v) if isinstance(v, str) else v for k, v in fields.items()}), TextField())
    rows = queryset.order_by().annotate(_one=Value(1)).values("_one")
    return JSONRows(rows.annotate(_rows=StringAgg(row, Value(","))).values("_rows"))


def decode_rows(text: str | None) -> list[dict]:
    """The rows of a ``json_rows`` value read outside ``load_values`` (e.g. annotated on a list's rows)."""
    return json.loads(f"[{text or ''}]")


def _converter(field) -> Callable:
    """How a JSON value of ``field`` becomes the Python value the ORM would have read."""
    kind = field.get_internal_type()
    if kind == "DateTimeField":

        def when(value):
            if not isinstance(value, str):
                return value
            try:
                parsed = dt.datetime.fromisoformat(value)  # what both databases write (C, fast)
            except ValueError:
                parsed = parse_datetime(value)
            return parsed.replace(tzinfo=dt.UTC) if timezone.is_naive(parsed) else parsed  # SQLite: UTC, no offset

        return when
    if kind == "DecimalField":  # a JSON number: back to the column's places
        places = Decimal(1).scaleb(-field.decimal_places)
        return lambda value: Decimal(str(value)).quantize(places)
    if kind == "JSONField":
        return lambda value: json.loads(value) if isinstance(value, str) else value
    return field.to_python


@cache
def _plan(model: type[Model], keys: tuple[str, ...]) -> tuple:
    """For each key of a row: the foreign keys to follow, the attname to set and its converter."""
    steps = []
    for key in keys:
        names, rels, target = key.split("__"), [], model
        for name in names[:-1]:
            rel = target._meta.get_field(name)
            rels.append(rel)
            target = rel.related_model
        field = target._meta.pk if names[-1] == "pk" else target._meta.get_field(names[-1])
        steps.append((key, tuple(rels), field.attname, _converter(field)))
    return tuple(steps)


def _loaded(model: type[Model]) -> Model:
    """An empty object of ``model`` as ``from_db`` makes one (no ``__init__``: the row sets every column read;
    a column not read is deferred, so reading it queries rather than showing a default)."""
    obj = model.__new__(model)
    obj._state = ModelState()
    obj._state.adding = False
    return obj


def instances(model: type[Model], rows: list[dict]) -> list[Model]:
    """Model objects from ``json_rows`` rows: each key an attname, or a path (``payer__name``) through
    foreign keys whose related objects are built too; values typed by their fields."""
    out = []
    for row in rows:
        obj = _loaded(model)
        for key, rels, attname, convert in _plan(model, tuple(row)):
            value = row[key]
            target = obj
            if rels:
                if value is None:
                    continue  # no related row (a null foreign key)
                for rel in rels:
                    cached = rel.get_cached_value(target, default=None)
                    if cached is None:
                        cached = _loaded(rel.related_model)
                        rel.set_cached_value(target, cached)
                    target = cached
            target.__dict__[attname] = None if value is None else convert(value)
        out.append(obj)
    return out


# Querysets built once, never evaluated themselves: each use takes a copy (``.all()``) and filters that.
# Resolving the JSON and subquery expressions of a page's selector can cost more than running its query.
_built: dict[tuple, QuerySet] = {}


def built_once(key: tuple, build: Callable[[], QuerySet]) -> QuerySet:
    """A copy of the queryset ``build()`` made the first time ``key`` was asked for. ``build`` must not
    depend on the time or the request (filter the copy for those)."""
    if key not in _built:
        _built[key] = build()
    return _built[key].all()


def forget_built() -> None:
    _built.clear()


def row_fields(model: type[Model], *related: str) -> dict[str, str]:
    """``json_rows`` fields for every column of ``model`` and, for each foreign key named in ``related``,
    the columns of the row it points to (of a user, only ``PERSON_FIELDS``)."""
    fields = {f.attname: f.attname for f in model._meta.concrete_fields}
    for name in related:
        target = model._meta.get_field(name).related_model
        if target is get_user_model():
            columns = PERSON_FIELDS
        else:
            columns = tuple(f.attname for f in target._meta.concrete_fields)
        fields.update({f"{name}__{column}": f"{name}__{column}" for column in columns})
    return fields


def in_model_order(model: type[Model], objects: list[Model]) -> list[Model]:
    """``objects`` sorted as ``Meta.ordering`` sorts them in the database (JSON rows come unordered)."""
    for key in reversed(model._meta.ordering):
        name = key.lstrip("-")
        objects.sort(key=lambda o: getattr(o, name), reverse=key.startswith("-"))
    return objects


def related_instances(model: type[Model], text: str | None) -> list[Model]:
    """The objects of one ``json_rows`` value, in the model's order."""
    return in_model_order(model, instances(model, decode_rows(text)))


def rows_at_once(anchor: QuerySet, **lists: tuple[QuerySet, dict[str, str]]) -> dict[str, list[Model]]:
    """The rows of several unrelated querysets in one query: ``lists`` maps a name to a queryset and its
    ``json_rows`` fields; each list is one JSON value of ``anchor``'s single row (the clinic settings row),
    turned back into objects in their model's order."""
    expressions = {name: json_rows(queryset, **fields) for name, (queryset, fields) in lists.items()}
    row = anchor.values(**expressions).first() or {}
    return {name: related_instances(queryset.model, row.get(name)) for name, (queryset, _) in lists.items()}


_list_models: dict = {}  # per key of ``rows_at_once_compiled``: each list's model (to turn its JSON into objects)


def rows_at_once_compiled(key, build: Callable[..., tuple[QuerySet, dict]], **values) -> dict[str, list[Model]]:
    """``rows_at_once(anchor, **lists)`` for ``anchor, lists = build(**values)``, its SQL compiled once per
    process (``clinic.compiled``): ``build`` gives the same query for any values (dates, keys)."""

    def query(**given):
        anchor, lists = build(**given)
        _list_models[key] = {name: queryset.model for name, (queryset, _) in lists.items()}
        return anchor.values(**{name: json_rows(qs, **fields) for name, (qs, fields) in lists.items()})[:1]

    rows = compiled_rows(("rows_at_once", key), query, **values)
    row = rows[0] if rows else {}
    return {name: related_instances(model, row.get(name)) for name, model in _list_models[key].items()}
