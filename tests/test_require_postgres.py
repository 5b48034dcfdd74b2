"""REQUIRE_POSTGRES=1 turns the skip of a PostgreSQL test into a failure (tests/conftest.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import fail_if_postgres_test_skipped


def skipped_report():
    return SimpleNamespace(
        outcome="skipped", longrepr=("tests/x.py", 3, "Skipped: needs PostgreSQL"), skipped=True, when="setup"
    )


def test_a_skipped_postgres_test_fails_when_postgres_is_required():
    report = skipped_report()
    fail_if_postgres_test_skipped(report, marked_postgres=True, required=True)
    assert report.outcome == "failed"
    assert "REQUIRE_POSTGRES=1" in report.longrepr and "needs PostgreSQL" in report.longrepr


@pytest.mark.parametrize(("marked", "required"), [(True, False), (False, True)])
def test_a_skip_stays_a_skip_for_other_tests_or_when_postgres_is_optional(marked, required):
    report = skipped_report()
    fail_if_postgres_test_skipped(report, marked_postgres=marked, required=required)
    assert report.outcome == "skipped"


def test_a_postgres_test_that_ran_is_left_alone():
    report = SimpleNamespace(outcome="passed", longrepr=None, skipped=False, when="call")
    fail_if_postgres_test_skipped(report, marked_postgres=True, required=True)
    assert report.outcome == "passed"
