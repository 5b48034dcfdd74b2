"""Per-request memo of rows that nearly every page reads (the clinic settings).

``ClinicTimezoneMiddleware`` opens one scope per request; inside it ``remembered`` loads a row once and
hands every caller its own copy (a caller may change its copy, e.g. a bound form, without the others
seeing it). Saving the row forgets it, so a page that saves settings reads the new values afterwards.
Outside a request (commands, services called from tests) nothing is remembered.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_memo: ContextVar[dict | None] = ContextVar("clinic_request_memo", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered[T](key: str, load: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return copy.copy(memo[key])


def forget(key: str) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)
