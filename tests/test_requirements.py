"""Dependencies: production's file holds what production runs, every package (transitive ones too) is locked.

``requirements.txt`` is what production installs; ``requirements-dev.txt`` adds tests and tooling on top;
``constraints.txt`` (``./dev lock``) pins every package either of them pulls in.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
# Tests and tooling: never in production's file.
DEV_ONLY = {
    "pytest",
    "pytest-django",
    "factory-boy",
    "faker",
    "time-machine",
    "hypothesis",
    "playwright",
    "ruff",
    "bandit",
    "pip-audit",
    "locust",
}
# The installer's own packages: a fresh venv brings them, and pip freeze leaves them out.
INSTALLER = {"pip", "setuptools", "wheel"}


def requirement_lines(name: str) -> list[str]:
    lines = []
    for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def requirements(name: str) -> dict[str, Requirement]:
    found = {}
    for line in requirement_lines(name):
        if line.startswith("-"):
            continue
        req = Requirement(line)
        found[canonicalize_name(req.name)] = req
    return found


def locked() -> dict[str, str]:
    pins = {}
    for line in requirement_lines("constraints.txt"):
        name, _, version = line.partition("==")
        assert version, f"constraints.txt: {line!r} is not pinned with =="
        pins[canonicalize_name(name)] = version
    return pins


def closure(roots: dict[str, Requirement]) -> dict[str, set[str]]:
    """Every distribution the roots pull in (as installed here), with the extras asked of each."""
    wanted: dict[str, set[str]] = {name: set(req.extras) for name, req in roots.items()}
    queue = list(wanted)
    while queue:
        name = queue.pop()
        for spec in metadata.requires(name) or []:
            dep = Requirement(spec)
            extras = wanted[name] or {""}
            if dep.marker and not any(dep.marker.evaluate({"extra": extra}) for extra in extras):
                continue
            dep_name = canonicalize_name(dep.name)
            before = set(wanted.get(dep_name, set()))
            wanted.setdefault(dep_name, set()).update(dep.extras)
            if dep_name not in before or wanted[dep_name] != before:
                queue.append(dep_name)
    return wanted


def test_every_requirement_is_pinned_exactly():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for req in requirements(name).values():
            assert re.fullmatch(r"==[\w.]+", str(req.specifier)), f"{name}: pin {req} with =="


def test_production_requirements_hold_no_test_or_tooling_package():
    assert not DEV_ONLY & requirements("requirements.txt").keys()


def test_the_development_file_adds_the_tools_to_what_production_runs():
    assert requirement_lines("requirements-dev.txt")[0] == "-r requirements.txt"
    assert DEV_ONLY <= requirements("requirements-dev.txt").keys()


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_the_lock_pins_each_requirement_at_its_own_version(name):
    pins = locked()
    stale = [
        f"{req.name} {req.specifier} but constraints.txt has {pins.get(key)}"
        for key, req in requirements(name).items()
        if pins.get(key) != str(req.specifier).removeprefix("==")
    ]
    assert not stale, "Run ./dev lock: " + "; ".join(stale)


def test_the_lock_pins_every_transitive_package():
    roots = {**requirements("requirements.txt"), **requirements("requirements-dev.txt")}
    missing = sorted(set(closure(roots)) - locked().keys() - INSTALLER)
    assert not missing, f"Run ./dev lock; not pinned in constraints.txt: {missing}"


def test_the_closure_follows_extras_and_dependencies_of_dependencies():
    wanted = closure({"psycopg": Requirement("psycopg[binary,pool]==3.3.9")})
    assert {"psycopg-binary", "psycopg-pool", "typing-extensions"} <= wanted.keys()
