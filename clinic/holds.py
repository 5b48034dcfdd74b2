"""What other apps hold on a clinic record: the upcoming bookings of a patient or a chair.

``clinic`` never imports the treatment app nor knows its statuses. The treatment app registers how
many upcoming bookings a patient or a chair still holds; clinic's services ask here before archiving
a patient or when a chair is taken out of use.

    @register_hold("patient")
    def upcoming_bookings(patient) -> int: ...
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db.models import Model

_holds: dict[str, list[Callable[[Model], int]]] = defaultdict(list)


def register_hold(kind: str) -> Callable:
    def decorator(fn: Callable[[Model], int]) -> Callable[[Model], int]:
        _holds[kind].append(fn)
        return fn

    return decorator


def upcoming_holds(kind: str, obj: Model) -> int:
    """How many upcoming bookings (of every registered app) hold ``obj`` (a patient or a chair)."""
    return sum(fn(obj) for fn in _holds[kind])
