"""The layout rules, read from the source with ``ast`` (nothing is imported):

* ``clinic`` never imports ``sessions``: dependencies run one way.
* An area (``sessions/scheduling``, ``monitoring``, ``outcomes``, ``billing``) may use another area's public
  services and selectors, never its views, forms, urls or demo modules, nor a private ``_name`` of it.
* Migrations import no application code, so editing the app never rewrites history.
* No application module (migrations aside) passes 400 lines.

Each rule is a function of the imports, tried on made-up code at the end of this file as well.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("clinic", "sessions")
AREAS = ("scheduling", "monitoring", "outcomes", "billing")
# An area's own pages: views*.py, forms*.py, urls*.py, demo*.py (or packages so named).
PAGE_MODULES = ("views", "forms", "urls", "demo")
MAX_LINES = 400


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    line: int
    target: str  # the imported module, dotted and absolute
    names: tuple[str, ...] = ()  # the names taken by ``from target import ...``

    def __str__(self) -> str:
        what = f"from {self.target} import {', '.join(self.names)}" if self.names else f"import {self.target}"
        return f"{self.module}:{self.line}: {what}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_migration(module: str) -> bool:
    return "migrations" in module.split(".")


def imports_in(source: str, module: str, *, is_package: bool = False) -> list[Import]:
    """Every import of the code, nested ones included, relative ones made absolute; also
    ``import_module("...")`` with a literal name."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append(Import(module, node.lineno, base, tuple(alias.name for alias in node.names)))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(Import(module, node.lineno, node.args[0].value))
    return found


def source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def all_imports() -> list[Import]:
    return [
        i
        for path in source_files()
        for i in imports_in(path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py")
    ]


def _area(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "sessions" and parts[1] in AREAS else None


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def modules_reached(i: Import) -> list[str]:
    """The module an import statement names, and the modules it takes by name (``from pkg import mod``)."""
    return [i.target, *(f"{i.target}.{n}" for n in i.names if _is_module(f"{i.target}.{n}"))]


# ---- the rules --------------------------------------------------------------------------------------


def clinic_importing_sessions(imports: list[Import]) -> list[str]:
    return [str(i) for i in imports if i.module.split(".")[0] == "clinic" and i.target.split(".")[0] == "sessions"]


def area_crossings(imports: list[Import]) -> list[str]:
    wrong = []
    for i in imports:
        source, target = _area(i.module), _area(i.target)
        if source is None or target is None or source == target:
            continue
        inner = {part for reached in modules_reached(i) for part in reached.split(".")[2:]}
        if pages := sorted(part for part in inner if part.startswith(PAGE_MODULES)):
            wrong.append(f"{i}  ({source} uses {', '.join(pages)} of {target})")
        elif private := sorted({p for p in inner if _private(p)} | {n for n in i.names if _private(n)}):
            wrong.append(f"{i}  ({source} uses {', '.join(private)}, private to {target})")
    return wrong


def _serialised_reference(i: Import) -> bool:
    """``import clinic.models``: how Django writes a model's custom manager or callable default into a
    migration. Those must stay importable (Django's rule); they are not data or SQL the migration runs."""
    return not i.names and i.target in {f"{package}.models" for package in PACKAGES}


def migrations_importing_the_app(imports: list[Import]) -> list[str]:
    return [
        str(i)
        for i in imports
        if is_migration(i.module)
        and i.target.split(".")[0] in PACKAGES
        and not is_migration(i.target)
        and not _serialised_reference(i)
    ]


def long_modules(lengths: dict[str, int]) -> list[str]:
    over = sorted(((n, m) for m, n in lengths.items() if n > MAX_LINES and not is_migration(m)), reverse=True)
    return [f"{m}: {n} lines" for n, m in over]


def module_lengths() -> dict[str, int]:
    return {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in source_files()
        if not is_migration(module_name(p))
    }


# ---- the code as it is ------------------------------------------------------------------------------


def test_the_walk_reads_every_package_and_area():
    modules = {i.module for i in all_imports()}
    assert "clinic.settings" in modules and "sessions.migrations.0002_standard_protocols" in modules
    for area in AREAS:
        assert any(m.startswith(f"sessions.{area}.") for m in modules), area


def test_clinic_never_imports_sessions():
    wrong = clinic_importing_sessions(all_imports())
    assert not wrong, "clinic must not import sessions (sessions uses clinic, never the reverse):\n" + "\n".join(wrong)


def test_an_area_uses_only_the_public_services_and_selectors_of_another():
    wrong = area_crossings(all_imports())
    assert not wrong, "An area reaches into another area's pages or private names:\n" + "\n".join(wrong)


def test_migrations_import_no_application_code():
    wrong = migrations_importing_the_app(all_imports())
    assert not wrong, "Freeze what these migrations use beside them (sessions/migrations/_frozen/):\n" + "\n".join(
        wrong
    )


def test_no_application_module_passes_400_lines():
    wrong = long_modules(module_lengths())
    assert not wrong, f"Split these modules (over {MAX_LINES} lines):\n" + "\n".join(wrong)


# ---- the rules catch what they are meant to --------------------------------------------------------


def test_an_import_of_sessions_from_clinic_is_caught_even_inside_a_function():
    code = "import os\n\ndef f():\n    from sessions.models import Protocol\n"
    imports = imports_in(code, "clinic.management.commands.x")
    assert clinic_importing_sessions(imports) == [
        "clinic.management.commands.x:4: from sessions.models import Protocol"
    ]
    assert not clinic_importing_sessions(imports_in("from django.contrib.sessions.models import Session", "clinic.y"))


def test_an_area_importing_another_areas_views_forms_urls_or_demo_is_caught():
    code = (
        "from sessions.billing import views\n"
        "from sessions.billing.forms import PaymentForm\n"
        "import sessions.scheduling.views_calendar\n"
        "from ..billing.demo import seed_billing\n"
        "from sessions.billing import charges\n"  # a public service: allowed
        "from sessions.monitoring.forms import VitalsForm\n"  # its own area: allowed
        "from sessions.models import Charge\n"  # the shared models: allowed
        "from sessions.scheduling import booking, courses\n"  # public services: allowed
    )
    wrong = area_crossings(imports_in(code, "sessions.monitoring.discharge"))
    assert [w.split(":")[1] for w in wrong] == ["1", "2", "3", "4"]
    assert "views of billing" in wrong[0] and "demo of billing" in wrong[3]


def test_an_area_importing_a_private_name_of_another_is_caught():
    code = "from sessions.billing.charges import _line_for, charge_session\nfrom sessions.scheduling._x import y\n"
    wrong = area_crossings(imports_in(code, "sessions.monitoring.discharge"))
    assert len(wrong) == 2 and "_line_for" in wrong[0] and "_x" in wrong[1]
    assert not area_crossings(imports_in("from sessions.monitoring.state import _lock", "sessions.monitoring.vitals"))


def test_a_migration_importing_live_code_is_caught_and_a_frozen_module_is_not():
    code = (
        "from sessions.datasafety import Guards\n"
        "from sessions.migrations._frozen.protocols_0002 import install\n"
        "import clinic.models\n"  # how Django refers to a custom manager: allowed
        "from sessions.models import Protocol\n"
    )
    wrong = migrations_importing_the_app(imports_in(code, "sessions.migrations.0009_x"))
    assert [w.split(":")[1] for w in wrong] == ["1", "4"]


def test_long_modules_are_listed_longest_first_and_migrations_are_exempt():
    lengths = {"sessions/a.py": 401, "sessions/b.py": 900, "sessions/c.py": 400, "sessions/migrations/0001_x.py": 5000}
    assert long_modules({module_name(ROOT / k): v for k, v in lengths.items()}) == [
        "sessions.b: 900 lines",
        "sessions.a: 401 lines",
    ]
