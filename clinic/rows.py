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

from django.contrib.auth import get_user_model
from django.db.models import F, Model, QuerySet, StringAgg, Subquery, TextField, Value
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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


def _typed(field, value):
    if value is None:
        return None
    if field.get_internal_type() == "DateTimeField" and isinstance(value, str):
        when = parse_datetime(value)
        return when.replace(tzinfo=dt.UTC) if timezone.is_naive(when) else when  # SQLite: UTC, no offset
    if field.get_internal_type() == "DecimalField":  # a JSON number: back to the column's places
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
    if field.get_internal_type() == "JSONField":
        return json.loads(value) if isinstance(value, str) else value
    return field.to_python(value)


def instances(model: type[Model], rows: list[dict]) -> list[Model]:
    """Model objects from ``json_rows`` rows: each key an attname, or a path (``payer__name``) through
    foreign keys whose related objects are built too; values typed by their fields."""
    out = []
    for row in rows:
        obj = model()
        for key, value in row.items():
            target, names = obj, key.split("__")
            if value is None and len(names) > 1:
                continue  # no related row (a null foreign key)
            for name in names[:-1]:
                rel = type(target)._meta.get_field(name)
                cached = rel.get_cached_value(target, default=None)
                if cached is None:
                    cached = rel.related_model()
                    rel.set_cached_value(target, cached)
                target = cached
            meta = type(target)._meta
            field = meta.pk if names[-1] == "pk" else meta.get_field(names[-1])
            setattr(target, field.attname, _typed(field, value))
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
