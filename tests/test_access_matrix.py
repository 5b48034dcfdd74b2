"""Every URL the project resolves, tried by every role, against an explicit table.

A URL pattern missing from the tables in tests/access_tables fails this test, so every new
page must state who may open it. Django's own admin is excluded (it has its own permissions).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import access_tables
from tests.access_tables import LOGIN, ROLES

from .conftest import client_for

EXCLUDED_NAMESPACES = {"admin"}


def _table() -> tuple[dict, list]:
    table, builders = {}, []
    for info in pkgutil.iter_modules(access_tables.__path__):
        module = importlib.import_module(f"tests.access_tables.{info.name}")
        overlap = table.keys() & module.TABLE.keys()
        assert not overlap, f"URL names listed twice in the access tables: {overlap}"
        table.update(module.TABLE)
        if hasattr(module, "build"):
            builders.append(module.build)
    return table, builders


def _url_name_list(resolver=None, namespace=None) -> list[str]:
    """Every URL pattern's name, once per pattern (so a name two patterns share appears twice)."""
    names = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            names += _url_name_list(entry, ns)
        elif isinstance(entry, URLPattern):
            if entry.name is None:
                if entry.pattern.regex.pattern.startswith("^static") or "static" in str(entry.pattern):
                    continue
                names.append(f"<unnamed {entry.pattern}>")
            else:
                names.append(f"{namespace}:{entry.name}" if namespace else entry.name)
    return names


def _url_names() -> set[str]:
    return set(_url_name_list())


def shared_names(names: list[str]) -> list[str]:
    return sorted(name for name, n in Counter(names).items() if n > 1)


TABLE, BUILDERS = _table()


def test_every_url_is_in_the_access_table():
    missing = sorted(_url_names() - TABLE.keys())
    assert not missing, f"Add these URLs to tests/access_tables: {missing}"


def test_no_two_url_patterns_share_a_name():
    # reverse() would silently pick one of them, and the table would try only that one.
    shared = shared_names(_url_name_list())
    assert not shared, f"URL names used by more than one pattern: {shared}"


def test_a_name_two_patterns_share_is_caught():
    assert shared_names(["home", "patient_list", "home", "billing:report"]) == ["home"]


def test_the_access_table_names_no_url_that_does_not_exist():
    stale = sorted(TABLE.keys() - _url_names())
    assert not stale, f"Remove these from tests/access_tables: {stale}"


@pytest.fixture
def world(cast):
    w = SimpleNamespace(
        patient_a=cast.patient_a,
        patient_b=cast.patient_b,
        staff=cast.staff,
        prescriber=cast.prescriber,
        admin=cast.admin,
    )
    for build in BUILDERS:
        build(w)
    return w


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says_from_every_url(world, cast, role):
    user = None if role == "anon" else cast.users[role]
    client = client_for(user)
    wrong = []
    for name, case in sorted(TABLE.items()):
        url = reverse(name, kwargs=case.kwargs(world)) + (f"?{case.query}" if case.query else "")
        response = client.get(url)
        expected = case.expect[role]
        if expected == LOGIN:
            ok = response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        else:
            ok = response.status_code == expected
        if not ok:
            wrong.append(f"{name} {url}: expected {expected}, got {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
