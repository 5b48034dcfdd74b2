"""The access matrix: what every role gets from every URL, one module per area.

Each module exports ``TABLE`` (url name -> Case) and may export ``build(world)`` to add the
objects its URLs need to the shared world (objects belong to patient A unless said otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anon", "patient_a", "patient_b", "staff", "prescriber", "admin")
LOGIN = "login"  # a redirect to the login page


@dataclass(frozen=True)
class Case:
    expect: dict[str, int | str]
    kwargs: Callable[[object], dict] = field(default=lambda w: {})
    query: str = ""


def roles(anon=LOGIN, patient_a=403, patient_b=403, staff=403, prescriber=403, admin=403) -> dict:
    return {
        "anon": anon,
        "patient_a": patient_a,
        "patient_b": patient_b,
        "staff": staff,
        "prescriber": prescriber,
        "admin": admin,
    }


PUBLIC = roles(200, 200, 200, 200, 200, 200)
CLINICAL = roles(staff=200, prescriber=200, admin=200)
CLINICAL_POST = roles(staff=405, prescriber=405, admin=405)
PRESCRIBER = roles(staff=403, prescriber=200, admin=403)
ADMIN = roles(admin=200)
ADMIN_POST = roles(admin=405)
# A patient's own object: the owner sees it, another patient gets 404, clinical roles 403.
PATIENT_OWN = roles(patient_a=200, patient_b=404)
PATIENT_ONLY = roles(patient_a=200, patient_b=200)


def _modules():
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        yield importlib.import_module(f"{__name__}.{info.name}")


def table() -> dict[str, Case]:
    """Every area's table merged (url name -> Case)."""
    merged: dict[str, Case] = {}
    for module in _modules():
        merged.update(module.TABLE)
    return merged


def builders() -> list[Callable]:
    """Every area's ``build(world)``, which adds the objects its URLs need."""
    return [module.build for module in _modules() if hasattr(module, "build")]
