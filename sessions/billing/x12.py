"""A small writer for ANSI X12 5010 837P (professional claims, 005010X222A1), and the check of every
file against the implementation rules with pyx12 before it leaves the clinic.

Separators: ``~`` ends a segment, ``*`` an element, ``:`` a component, ``^`` repeats. Text is upper
case with the separators taken out. One file holds one interchange (ISA), one group (GS) and one
transaction (ST) per payer; each claim a subscriber loop (the patient is the subscriber).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from decimal import Decimal

from django.utils import timezone

from sessions.models import BillingProvider, Claim, Frequency, PayerKind

FILING = {PayerKind.MEDICARE: "MB", PayerKind.MEDICAID: "MC", PayerKind.COMMERCIAL: "CI"}
SEX = {"F": "F", "M": "M"}


class X12Error(ValueError):
    """The file does not pass the 5010 implementation rules; the message lists what pyx12 found."""


def _text(value, limit: int | None = None) -> str:
    text = re.sub(r"[~*:^]", " ", str(value or "")).upper().strip()
    text = re.sub(r"\s+", " ", text)
    return text[:limit] if limit else text


def _amount(value: Decimal) -> str:
    text = f"{Decimal(value):.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


class Writer:
    def __init__(self):
        self.segments: list[str] = []

    def seg(self, *elements) -> None:
        parts = [str(e) for e in elements]
        while parts and parts[-1] == "":
            parts.pop()
        self.segments.append("*".join(parts) + "~")


def _claim_segments(w: Writer, claim: Claim, hl: int, provider: BillingProvider) -> int:
    patient, payer = claim.patient, claim.payer
    w.seg("HL", hl, 1, 22, 0)
    w.seg("SBR", "P", 18, "", "", "", "", "", "", FILING.get(payer.kind, "CI"))
    w.seg(
        "NM1",
        "IL",
        1,
        _text(patient.last_name, 60),
        _text(patient.first_name, 35),
        "",
        "",
        "",
        "MI",
        _text(claim.member_id, 80),
    )
    w.seg("DMG", "D8", f"{patient.date_of_birth:%Y%m%d}", SEX.get(patient.sex, "U"))
    w.seg("NM1", "PR", 2, _text(payer.name, 60), "", "", "", "", "PI", _text(payer.payer_id, 80))
    place = provider.place_of_service or "11"
    w.seg(
        "CLM",
        _text(claim.control_number),
        _amount(claim.total),
        "",
        "",
        f"{place}:B:{claim.frequency}",
        "Y",
        "A",
        "Y",
        "Y",
    )
    if claim.frequency != Frequency.ORIGINAL and claim.payer_claim_number:
        w.seg("REF", "F8", _text(claim.payer_claim_number, 50))
    if claim.authorisation_id:
        w.seg("REF", "G1", _text(claim.authorisation.number, 50))
    if claim.note:
        w.seg("NTE", "ADD", _text(claim.note, 80))
    codes = [c.replace(".", "") for c in claim.code_list][:12]
    w.seg("HI", *[("ABK" if i == 0 else "ABF") + ":" + code for i, code in enumerate(codes)])
    prescriber = claim.lines.first().charge.session.course.prescriber
    w.seg(
        "NM1",
        "82",
        1,
        _text(prescriber.last_name or prescriber.username, 60),
        _text(prescriber.first_name, 35),
        "",
        "",
        "",
        "XX",
        claim.rendering_npi,
    )
    pointers = ":".join(str(i) for i in range(1, min(len(codes), 4) + 1))
    for line in claim.lines.all():
        procedure = ":".join(["HC", line.code, *[m for m in line.modifiers.split(":") if m]])
        w.seg("LX", line.position)
        w.seg("SV1", procedure, _amount(line.amount), "UN", line.units, "", "", pointers)
        w.seg("DTP", "472", "D8", f"{claim.service_date:%Y%m%d}")
        w.seg("REF", "6R", _text(line.control_number, 50))
        if line.ndc:
            w.seg("LIN", "", "N4", line.ndc)
            w.seg("CTP", "", "", "", line.ndc_quantity or 1, line.ndc_unit or "UN")
    return hl + 1


def write_837p(claims: list[Claim], *, control: int, now: dt.datetime | None = None, test: bool = False) -> str:
    """An 837P file of submitted claims (their lines as sent), one transaction per payer."""
    provider = BillingProvider.load()
    now = timezone.localtime(now or timezone.now())
    sender = _text(provider.npi or "CLINIC", 15).ljust(15)
    receiver = _text(provider.clearinghouse_id or "CLEARINGHOUSE", 15).ljust(15)
    w = Writer()
    w.seg(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        sender,
        "ZZ",
        receiver,
        f"{now:%y%m%d}",
        f"{now:%H%M}",
        "^",
        "00501",
        f"{control:09d}",
        "0",
        "T" if test else "P",
        ":",
    )
    w.seg("GS", "HC", sender.strip(), receiver.strip(), f"{now:%Y%m%d}", f"{now:%H%M}", control, "X", "005010X222A1")
    by_payer: dict[int, list[Claim]] = {}
    for claim in claims:
        by_payer.setdefault(claim.payer_id, []).append(claim)
    for st, payer_claims in enumerate(by_payer.values(), start=1):
        start = len(w.segments)
        payer = payer_claims[0].payer
        w.seg("ST", "837", f"{st:04d}", "005010X222A1")
        w.seg("BHT", "0019", "00", f"{control}-{st}", f"{now:%Y%m%d}", f"{now:%H%M}", "CH")
        w.seg("NM1", "41", 2, _text(provider.name, 60), "", "", "", "", "46", _text(provider.npi, 80))
        w.seg("PER", "IC", "BILLING OFFICE", "TE", _digits(provider.phone)[-10:] or "0000000000")
        w.seg("NM1", "40", 2, _text(payer.name, 60), "", "", "", "", "46", _text(payer.payer_id, 80))
        w.seg("HL", 1, "", 20, 1)
        w.seg("NM1", "85", 2, _text(provider.name, 60), "", "", "", "", "XX", provider.npi)
        w.seg("N3", _text(provider.address_line, 55))
        w.seg("N4", _text(provider.city, 30), _text(provider.state, 2), _digits(provider.zip_code))
        w.seg("REF", "EI", _digits(provider.tax_id))
        hl = 2
        for claim in payer_claims:
            hl = _claim_segments(w, claim, hl, provider)
        w.seg("SE", len(w.segments) - start + 1, f"{st:04d}")
    w.seg("GE", len(by_payer), control)
    w.seg("IEA", 1, f"{control:09d}")
    return "\n".join(w.segments) + "\n"


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def validate_837p(text: str) -> list[str]:
    """What pyx12 finds wrong in the file against the 5010 837P implementation guide ([] when valid)."""
    return validate_x12(text)


def validate_x12(text: str) -> list[str]:
    """What pyx12 finds wrong in an X12 file against its 5010 implementation guide (837P, 835, …)."""
    import pyx12.params
    import pyx12.x12n_document

    collect = _Collect()
    logger = logging.getLogger("pyx12")
    logger.addHandler(collect)
    try:
        ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), None, None)
    finally:
        logger.removeHandler(collect)
    if not ok and not collect.messages:
        return ["pyx12 refused the file: it is not a well-formed X12 interchange."]
    return collect.messages
