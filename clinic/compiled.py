"""Querysets whose SQL is compiled once per process (``compiled_rows``).

A busy page's selector (the day's live sessions with every related row as JSON, the session record) is
a large query: Django builds its SQL again on every request, and building it costs more than running
it. ``compiled_rows`` builds and compiles the queryset the first time with stand-in values for its
parameters, keeps the SQL, and afterwards runs that SQL with the request's values in their places.

It proves the stand-ins are the only thing that varies before trusting the SQL: the queryset is
compiled twice with two different sets of stand-ins, the two SQL texts must be identical and the two
parameter lists must differ exactly where a stand-in sits (each place belonging to one named value).
A builder whose SQL depends on a value (``pk__in=range(n)``), that reads the clock, or that uses a value
in a way that changes it (``name__icontains``) is refused with ``ImproperlyConfigured`` the first time.

Values may be dates, datetimes, integers and strings, compared as the lookups ``exact``, ``gt``/``gte``/
``lt``/``lte`` and ``in`` pass them (unchanged, after the column's adaptation). Lists and flags that
shape the query (which statuses, which related rows) belong in the key, not in the values.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class _Compiled:
    template: QuerySet  # built with the first stand-ins; never evaluated, copied for each run
    compiler: object  # its compiler after ``as_sql``: what the iterables read (select, klass_info…)
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (position in params, name of the value)


# The most recently used compiled queries (a search compiles one per shape: how many patients it names…).
MAX_KEPT = 256
_compiled: OrderedDict[tuple, _Compiled] = OrderedDict()
_lock = threading.Lock()


def compiled_rows(key: Hashable, build: Callable[..., QuerySet], **values) -> list:
    """The rows of ``build(**values)`` (model objects, or what its ``values()`` gives), its SQL compiled the
    first time ``key`` is used on this kind of database and reused after. ``build`` must give the same
    query for any values (put what shapes it in ``key``), and its expressions must not depend on the time."""
    names = tuple(sorted(values))
    cache_key = (key, connections[DEFAULT_DB_ALIAS].vendor, names, tuple(type(values[n]) for n in names))
    with _lock:
        compiled = _compiled.get(cache_key)
        if compiled is not None:
            _compiled.move_to_end(cache_key)
    if compiled is None:
        compiled = _compile(key, build, values)
        with _lock:
            _compiled[cache_key] = compiled
            while len(_compiled) > MAX_KEPT:
                _compiled.popitem(last=False)
    connection = connections[compiled.template.db]
    queryset = compiled.template.all()
    params = list(compiled.params)
    for position, name in compiled.slots:
        params[position] = _adapted(values[name], connection)
    runner = copy.copy(compiled.compiler)
    runner.connection, runner.query = connection, queryset.query
    runner.as_sql = lambda *args, **kwargs: (compiled.sql, tuple(params))
    queryset.query.get_compiler = lambda *args, **kwargs: runner
    return list(queryset)


def forget_compiled() -> None:
    _compiled.clear()


def _stand_ins(values: dict, which: int) -> dict:
    """Values of the same types as ``values`` that no page would ask for, two different sets (0 and 1)."""
    out = {}
    for i, (name, value) in enumerate(sorted(values.items())):
        n = i + 1 + 500 * which
        if isinstance(value, dt.datetime):
            out[name] = dt.datetime(1901, 2, 3, 4, 5, 6, n, tzinfo=value.tzinfo)
        elif isinstance(value, dt.date):
            out[name] = dt.date(1901, 1, 1) + dt.timedelta(days=n)
        elif isinstance(value, int) and not isinstance(value, bool):
            out[name] = -7_770_000 - n
        elif isinstance(value, str):
            out[name] = f"stand-in-{n}"
        else:
            raise TypeError(f"compiled_rows: {name} must be a date, datetime, int or str, not {type(value).__name__}.")
    return out


def _adapted(value, connection):
    """A value as the lookups put it among the parameters of the compiled SQL."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _compile(key: Hashable, build: Callable[..., QuerySet], values: dict) -> _Compiled:
    first, second = _stand_ins(values, 0), _stand_ins(values, 1)
    template = build(**first)
    alias = template.db
    connection = connections[alias]
    compiler = template.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    other_sql, other_params = build(**second).query.get_compiler(using=alias).as_sql()
    if sql != other_sql or len(params) != len(other_params):
        raise ImproperlyConfigured(f"compiled_rows {key!r}: the SQL depends on the values; put what shapes it in the key.")
    slots = []
    for position, (a, b) in enumerate(zip(params, other_params, strict=True)):
        if a == b:
            continue
        owners = [
            name
            for name in values
            if _adapted(first[name], connection) == a and _adapted(second[name], connection) == b
        ]
        if len(owners) != 1:
            raise ImproperlyConfigured(
                f"compiled_rows {key!r}: parameter {position} changes between two compiles but is not one of "
                "the values (does the query read the clock, or transform a value?)."
            )
        slots.append((position, owners[0]))
    missing = set(values) - {name for _, name in slots}
    if missing:
        raise ImproperlyConfigured(f"compiled_rows {key!r}: {sorted(missing)} never reach the SQL as parameters.")
    return _Compiled(template, compiler, sql, tuple(params), tuple(slots))
