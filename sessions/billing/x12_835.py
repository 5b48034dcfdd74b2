"""X12 5010 835 (health care claim payment / advice, 005010X221A1): read a payer's file into claim
and line payments, with its balancing checked; and write one (the demo's file, tests).

Reading refuses, naming the problem: a file pyx12 does not accept (truncated, wrong segment counts),
lines whose charge less payment is not their adjustments, claims whose totals do not add up, a
payment total that is not the claims' payments, reversals and provider-level adjustments (PLB),
which are posted by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sessions.billing.pricing import ZERO
from sessions.billing.x12 import Writer, _amount, _text, validate_x12


class X835Error(ValueError):
    pass


@dataclass
class ServicePayment:
    code: str
    modifiers: str
    charge: Decimal
    paid: Decimal
    units: int = 1
    control_number: str = ""
    allowed: Decimal | None = None
    adjustments: list[tuple[str, str, Decimal]] = field(default_factory=list)

    @property
    def patient_responsibility(self) -> Decimal:
        return sum((a for g, _, a in self.adjustments if g == "PR"), ZERO)


@dataclass
class ClaimPayment:
    claim_id: str
    status_code: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    payer_claim_number: str = ""
    services: list[ServicePayment] = field(default_factory=list)
    patient_last: str = "PATIENT"
    patient_first: str = ""
    member_id: str = ""


@dataclass
class Remit:
    payer_name: str
    payer_id: str
    check_number: str
    paid_on: dt.date | None
    total_paid: Decimal
    claims: list[ClaimPayment] = field(default_factory=list)


def _money(value: str, where: str) -> Decimal:
    try:
        return Decimal(value or "0")
    except InvalidOperation as exc:
        raise X835Error(f"{where}: “{value}” is not an amount.") from exc


def _segments(text: str) -> list[list[str]]:
    return [s.strip().split("*") for s in text.replace("\n", "").replace("\r", "").split("~") if s.strip()]


def _get(elements: list[str], index: int) -> str:
    return elements[index] if len(elements) > index else ""


def provider_adjustments(segments: list[list[str]]) -> list[str]:
    """Each PLB adjustment as "reason (reference) amount", e.g. "WO (ref 12345) 50.00"."""
    found = []
    for el in segments:
        if el[0] != "PLB":
            continue
        for index in range(3, len(el) - 1, 2):
            reason, _, reference = el[index].partition(":")
            ref = f" (ref {reference})" if reference else ""
            found.append(f"{reason}{ref} {_money(el[index + 1], 'PLB amount'):.2f}")
    return found


def parse_835(text: str) -> Remit:
    errors = validate_x12(text)
    if errors:
        raise X835Error("The file does not pass the 835 rules: " + "; ".join(errors[:5]))
    segments = _segments(text)
    adjustments = provider_adjustments(segments)
    if adjustments:
        raise X835Error(
            "The file has provider-level adjustments (PLB), which are not posted automatically; nothing was "
            f"imported. Post the remittance by hand with these adjustments: {'; '.join(adjustments)} "
            "(a positive amount reduces the payment, a negative one adds to it)."
        )
    remit = Remit("", "", "", None, ZERO)
    claim: ClaimPayment | None = None
    service: ServicePayment | None = None
    for el in segments:
        tag = el[0]
        if tag == "BPR":
            remit.total_paid = _money(_get(el, 2), "BPR02")
            day = _get(el, 16)
            remit.paid_on = dt.datetime.strptime(day, "%Y%m%d").date() if day else None
        elif tag == "TRN":
            remit.check_number = _get(el, 2)
        elif tag == "N1" and _get(el, 1) == "PR":
            remit.payer_name = _get(el, 2)
        elif tag == "REF" and _get(el, 1) == "2U" and claim is None:
            remit.payer_id = _get(el, 2)
        elif tag == "CLP":
            if _get(el, 2) in ("21", "22"):
                raise X835Error(
                    f"Claim {_get(el, 1)} is a reversal or correction (status {_get(el, 2)}): post it by hand."
                )
            claim = ClaimPayment(
                _get(el, 1),
                _get(el, 2),
                _money(_get(el, 3), "CLP03"),
                _money(_get(el, 4), "CLP04"),
                _money(_get(el, 5), "CLP05"),
                _get(el, 7),
            )
            remit.claims.append(claim)
            service = None
        elif tag == "SVC" and claim is not None:
            procedure = _get(el, 1).split(":")
            service = ServicePayment(
                procedure[1] if len(procedure) > 1 else "",
                ":".join(procedure[2:]),
                _money(_get(el, 2), "SVC02"),
                _money(_get(el, 3), "SVC03"),
                int(_get(el, 5) or 1),
            )
            claim.services.append(service)
        elif tag == "CAS" and claim is not None:
            target = service.adjustments if service is not None else None
            if target is None:
                raise X835Error(f"Claim {claim.claim_id}: claim-level adjustments (CAS before SVC) are posted by hand.")
            for i in range(2, len(el), 3):
                if _get(el, i):
                    target.append((_get(el, 1), _get(el, i), _money(_get(el, i + 1), "CAS")))
        elif tag == "REF" and _get(el, 1) == "6R" and service is not None:
            service.control_number = _get(el, 2)
        elif tag == "AMT" and _get(el, 1) == "B6" and service is not None:
            service.allowed = _money(_get(el, 2), "AMT02")
    _balance(remit)
    return remit


def _balance(remit: Remit) -> None:
    for claim in remit.claims:
        for s in claim.services:
            adjusted = sum((a for _, _, a in s.adjustments), ZERO)
            if s.charge - s.paid != adjusted:
                raise X835Error(
                    f"Claim {claim.claim_id}, line {s.control_number or s.code}: charge {s.charge} less paid {s.paid} "
                    f"is not its adjustments ({adjusted}): the amounts do not add up."
                )
        if claim.services and sum((s.paid for s in claim.services), ZERO) != claim.paid:
            raise X835Error(f"Claim {claim.claim_id}: its lines' payments do not add up to the claim's {claim.paid}.")
        if (
            claim.services
            and sum((s.patient_responsibility for s in claim.services), ZERO) != claim.patient_responsibility
        ):
            raise X835Error(
                f"Claim {claim.claim_id}: the patient responsibility does not add up to {claim.patient_responsibility}."
            )
    if sum((c.paid for c in remit.claims), ZERO) != remit.total_paid:
        raise X835Error(f"The payment total {remit.total_paid} is not the sum of the claims' payments.")


def write_835(remit: Remit, *, control: int, payee_name: str, payee_npi: str, now: dt.datetime) -> str:
    w = Writer()
    w.seg(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        _text(remit.payer_id, 15).ljust(15),
        "ZZ",
        _text(payee_npi, 15).ljust(15),
        f"{now:%y%m%d}",
        f"{now:%H%M}",
        "^",
        "00501",
        f"{control:09d}",
        "0",
        "P",
        ":",
    )
    w.seg(
        "GS",
        "HP",
        _text(remit.payer_id),
        _text(payee_npi),
        f"{now:%Y%m%d}",
        f"{now:%H%M}",
        control,
        "X",
        "005010X221A1",
    )
    start = len(w.segments)
    w.seg("ST", "835", "0001")
    paid_on = remit.paid_on or now.date()
    w.seg("BPR", "I", _amount(remit.total_paid), "C", "CHK", *[""] * 11, f"{paid_on:%Y%m%d}")
    w.seg("TRN", "1", _text(remit.check_number), "1999999999")
    w.seg("N1", "PR", _text(remit.payer_name, 60))
    w.seg("N3", "PO BOX 1")
    w.seg("N4", "ALBANY", "NY", "122070001")
    w.seg("REF", "2U", _text(remit.payer_id))
    w.seg("PER", "BL", "PROVIDER SERVICES", "TE", "8005550100")
    w.seg("N1", "PE", _text(payee_name, 60), "XX", payee_npi)
    w.seg("LX", 1)
    for claim in remit.claims:
        w.seg(
            "CLP",
            claim.claim_id,
            claim.status_code,
            _amount(claim.charge),
            _amount(claim.paid),
            _amount(claim.patient_responsibility) if claim.patient_responsibility else "",
            "12",
            claim.payer_claim_number,
        )
        w.seg(
            "NM1",
            "QC",
            1,
            _text(claim.patient_last, 60),
            _text(claim.patient_first, 35),
            "",
            "",
            "",
            "MI",
            _text(claim.member_id, 80),
        )
        for s in claim.services:
            procedure = ":".join(["HC", s.code, *[m for m in s.modifiers.split(":") if m]])
            w.seg("SVC", procedure, _amount(s.charge), _amount(s.paid), "", s.units)
            groups: dict[str, list] = {}
            for g, reason, amount in s.adjustments:
                groups.setdefault(g, []).extend([reason, _amount(amount), ""])
            for g, parts in groups.items():
                w.seg("CAS", g, *parts)
            w.seg("REF", "6R", s.control_number)
            if s.allowed is not None:
                w.seg("AMT", "B6", _amount(s.allowed))
    w.seg("SE", len(w.segments) - start + 1, "0001")
    w.seg("GE", 1, control)
    w.seg("IEA", 1, f"{control:09d}")
    return "\n".join(w.segments) + "\n"
