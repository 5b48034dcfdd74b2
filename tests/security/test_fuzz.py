"""Property-based fuzzing of every form and POST endpoint, as every role that can reach it.

Forms are found by walking the pages of the access table and parsing their HTML, and POST-only
URLs come from the table itself, so pages added later are fuzzed without a change here. Each case
sends hostile values (huge, empty, unicode, NUL, HTML, SQL-looking, out-of-range numbers and
dates) mixed with the form's own valid values. Properties: never a 500; and when the answer is not
a success (a redirect, or a page without form errors), no row of any table changed.

``FUZZ_EXAMPLES`` (default 4) bounds the cases per form and role; the terminal summary reports
how many ran. ``FUZZ_SHRINK=1`` shrinks a failing case to a minimal one; ``FUZZ_RANDOM=1`` draws new cases each run instead of the fixed, reproducible ones.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.access_tables import ROLES
from tests.conftest import client_for

from .conftest import FUZZ_STATS
from .walk import FormSpec, build_world, changed_tables, db_state, discover_forms, table_urls

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
# Shrinking re-runs a failing form many times; CI wants a bounded run, the report shows the case.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + (
    [Phase.shrink] if os.environ.get("FUZZ_SHRINK") == "1" else []
)

HOSTILE = [
    "",
    " ",
    "\t\n ",
    "A" * 100_000,
    "9" * 400,
    "-1",
    "0",
    "-99999999999999999999",
    "1e309",
    "NaN",
    "Infinity",
    "0.0000000001",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "1900-01-01T25:61",
    "24:60",
    "\x00",
    "abc\x00def",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1",
    "1; DROP TABLE clinic_patient;--",
    "%s%s%n%x",
    "{{ settings.SECRET_KEY }}",
    "../../../etc/passwd",
    "😀" * 60,
    "\u202eevil",
    "１２３",
    "null",
    "[]",
    "on",
]
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_hostile = st.one_of(st.sampled_from(HOSTILE), _text, st.integers(-(10**12), 10**12).map(str))
# POST-only endpoints show no form: send the field names such endpoints commonly read.
GUESSED_FIELDS = ["reason", "note", "notes", "kind", "confirm", "start", "date", "time", "chair", "value", "status"]
ERROR_MARKERS = re.compile(r'is-invalid|invalid-feedback|class="errorlist|alert-danger|alert alert-danger')


def _value_strategy(field) -> st.SearchStrategy:
    own = [v for v in ([field.value] + field.options) if v is not None]
    if own:
        return st.one_of(st.sampled_from(own), _hostile)
    return _hostile


def _payload(form: FormSpec, draw) -> dict:
    names = [n for n in form.fields if n != "csrfmiddlewaretoken"] or GUESSED_FIELDS
    data = {}
    for name in names:
        field = form.fields.get(name)
        if draw(st.integers(0, 9)) == 0:
            continue  # a missing field
        data[name] = draw(_value_strategy(field) if field else _hostile)
    return data


def _looks_successful(response) -> bool:
    if response.status_code in (301, 302, 303):
        return "/accounts/login/" not in response.get("Location", "")
    if response.status_code in (200, 201, 204):
        body = response.content.decode(errors="replace") if response.get("Content-Type", "").startswith("text") else ""
        return not ERROR_MARKERS.search(body)
    return False


def _targets(world, role, user) -> list[FormSpec]:
    forms = [f for (_r, _k), f in sorted(discover_forms(world, {role: user}).items())]
    seen = {urlsplit(f.action).path for f in forms if f.method == "post"}
    # POST-only URLs this role may use (GET answers 405) that no page showed a form for.
    for _name, url, case in table_urls(world):
        if case.expect[role] == 405 and urlsplit(url).path not in seen and not url.startswith("/accounts/logout"):
            forms.append(FormSpec(page=url, action=url, method="post"))
    return forms


def _fuzz(form: FormSpec, client, counter: list[int]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=os.environ.get("FUZZ_RANDOM") != "1",
        suppress_health_check=list(HealthCheck),
        phases=PHASES,
    )
    @given(data=st.data())
    def case(data):
        counter[0] += 1
        payload = _payload(form, data.draw)
        before = db_state()
        if form.method == "post":
            response = client.post(form.action, payload)
        else:
            response = client.get(form.action, payload)
        assert response.status_code < 500, f"{response.status_code} for {payload!r}"[:2000]
        if not _looks_successful(response):
            changed = changed_tables(before, db_state())
            assert not changed, f"refused ({response.status_code}) but changed {changed} with {payload!r}"[:2000]

    case()


@pytest.mark.parametrize("role", ROLES)
def test_hostile_input_never_breaks_a_form_or_changes_data_when_refused(cast, role):
    world = build_world(cast)
    user = None if role == "anon" else cast.users[role]
    targets = _targets(world, role, user)
    cases = 0
    failures: list[str] = []
    for form in targets:
        counter = [0]
        try:
            _fuzz(form, client_for(user), counter)
        except Exception as exc:  # noqa: BLE001 - collect every failing form, then fail once
            failures.append(f"{form.method.upper()} {form.action} (from {form.page}): {str(exc)[:1500]}")
        cases += counter[0]
    FUZZ_STATS[role] = {"cases": cases, "forms": len(targets)}
    print(f"fuzzing as {role}: {cases} cases over {len(targets)} forms/endpoints")
    assert targets, "the walker found nothing to fuzz"
    assert not failures, f"{len(failures)} of {len(targets)} forms failed as {role}:\n\n" + "\n\n".join(failures)
