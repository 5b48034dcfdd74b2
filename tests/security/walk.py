"""Walk the app the way an attacker would: every URL of the access table, every role, every
form those pages show (found by parsing the HTML, so new pages are covered without a change here),
plus a snapshot of the database to prove that a refused or invalid submission changed nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

from django.apps import apps
from django.db import connection
from django.urls import reverse

from tests.conftest import client_for
from tests.test_access_matrix import BUILDERS, TABLE

# Tables that legitimately change on any request (sessions, the read log, login throttling,
# django-otp's per-device back-off counters) and are left out of the comparison.
NOISE_PREFIXES = ("django_session", "clinic_accesslog", "clinic_usersession", "axes_", "otp_")
# Forms never submitted by the walkers: logging out would end the walker's own session.
SKIP_ACTIONS = ("/accounts/logout/",)


def build_world(cast) -> SimpleNamespace:
    from clinic.models import ClinicSettings

    ClinicSettings.load()  # created lazily on first use: before any snapshot
    world = SimpleNamespace(
        patient_a=cast.patient_a,
        patient_b=cast.patient_b,
        staff=cast.staff,
        prescriber=cast.prescriber,
        admin=cast.admin,
    )
    for build in BUILDERS:
        build(world)
    return world


def table_urls(world) -> list[tuple[str, str, object]]:
    rows = []
    for name, case in sorted(TABLE.items()):
        url = reverse(name, kwargs=case.kwargs(world)) + (f"?{case.query}" if case.query else "")
        rows.append((name, url, case))
    return rows


@dataclass
class Field:
    name: str
    kind: str  # text, select, checkbox, radio, hidden, textarea, number, date, ...
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False


@dataclass
class FormSpec:
    page: str
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)

    def valid_looking_data(self) -> dict[str, str | list[str]]:
        """What a browser would send without touching anything."""
        data: dict[str, str] = {}
        for f in self.fields.values():
            if f.kind in ("checkbox", "radio"):
                if f.checked:
                    data[f.name] = f.value or "on"
            elif f.kind == "select":
                data[f.name] = f.value if f.value else (f.options[0] if f.options else "")
            elif f.kind not in ("submit", "button", "file", "image", "reset"):
                data[f.name] = f.value
        data.pop("csrfmiddlewaretoken", None)
        return data

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {urlsplit(self.action).path} [{','.join(sorted(self.fields))}]"


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[FormSpec] = []
        self._form: FormSpec | None = None
        self._select: Field | None = None
        self._option_value: str | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._form = FormSpec(page=self.page, action=action, method=(a.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            existing = self._form.fields.get(name)
            if kind in ("checkbox", "radio") and existing is not None:
                existing.options.append(a.get("value", "on"))
                if "checked" in a:
                    existing.checked, existing.value = True, a.get("value", "on")
                return
            f = Field(name=name, kind=kind, value=a.get("value", ""), checked="checked" in a)
            if kind in ("checkbox", "radio"):
                f.options.append(a.get("value", "on"))
                f.value = a.get("value", "on")
            self._form.fields.setdefault(name, f)
        elif tag == "select":
            self._select = Field(name=name, kind="select")
            self._form.fields.setdefault(name, self._select)
        elif tag == "textarea":
            self._textarea = Field(name=name, kind="textarea")
            self._form.fields.setdefault(name, self._textarea)
        elif tag == "option" and self._select is not None:
            self._option(a)

    def _option(self, a):
        value = a.get("value", "")
        self._select.options.append(value)
        if "selected" in a or not self._select.value:
            if "selected" in a or len(self._select.options) == 1:
                self._select.value = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data


def forms_on(html: str, page: str) -> list[FormSpec]:
    parser = _FormParser(page)
    parser.feed(html)
    return [f for f in parser.forms if not any(urlsplit(f.action).path == s for s in SKIP_ACTIONS)]


def discover_forms(world, users: dict) -> dict[tuple[str, str], FormSpec]:
    """(role, form key) -> form, for every form every role can see on every page of the table."""
    found: dict[tuple[str, str], FormSpec] = {}
    for role, user in users.items():
        client = client_for(user)
        for _name, url, _case in table_urls(world):
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in forms_on(response.content.decode(), url):
                if urlsplit(form.action).netloc not in ("", "testserver"):
                    continue
                found.setdefault((role, form.key), form)
    return found


def _tables() -> list[str]:
    names = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    existing = set(connection.introspection.table_names())
    return sorted(n for n in names & existing if not n.startswith(NOISE_PREFIXES))


def db_state() -> dict[str, tuple[int, str]]:
    """Per table: row count and a checksum of every row."""
    state = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own table names
            rows = sorted(repr(row) for row in cursor.fetchall())
            state[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def is_success_redirect(response) -> bool:
    return response.status_code in (301, 302, 303) and "/accounts/login/" not in response.get("Location", "")
