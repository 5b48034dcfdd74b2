"""What a claim sends and the payer rules it must pass before it is sent (README, "Claims").

``claim_lines`` works out a claim's service lines from its charges (the codes of ``codes.py``, the
payer's drug code, the NDC of the devices, the E/M code the prescriber chose). ``line_problems`` checks
a list of lines against every payer rule, whoever wrote them, so each rule is tested on its own with
the case that breaks it; ``claim_problems`` adds what the claim needs around its lines. Each problem
names the field and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sessions.billing import codes as billing_codes
from sessions.billing.pricing import to_cents
from sessions.models import Charge, Payer, PayerKind
from sessions.models.billing import EM_CODES

G_CODES = ("G2082", "G2083")
DRUG_CODES = ("J0013", "S0013", "J3490")
PROLONGED_CODES = ("99415", "99416", "99417", "G2212")
ESKETAMINE_PACKS = {56: "50458002802", 84: "50458002803"}  # SPRAVATO 56 mg (2 devices), 84 mg (3 devices)
UNLISTED_DRUG = "J3490"


@dataclass
class ProposedLine:
    charge: Charge | None
    code: str
    description: str
    units: int = 1
    modifiers: str = ""
    amount: Decimal = Decimal("0.00")
    ndc: str = ""
    ndc_quantity: int | None = None
    ndc_unit: str = ""
    treatment: str = ""
    dose_mg: Decimal | None = None
    infusion_minutes: int | None = None
    clinician_minutes: int | None = None


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Context:
    """What the line rules need to know about the claim."""

    payer: Payer
    rems_enrolled: bool = True
    lines: list[ProposedLine] = field(default_factory=list)


def _spread(total: Decimal, lines: list[ProposedLine]) -> None:
    """The charge's total over its lines, evenly to the cent; the first line takes the odd cents."""
    if not lines:
        return
    each = to_cents(total / len(lines))
    for line in lines:
        line.amount = each
    lines[0].amount = to_cents(total - each * (len(lines) - 1))


def charge_lines(
    *,
    charge: Charge,
    payer: Payer,
    treatment: str,
    em_code: str | None,
    ketamine_ndc: str,
    clinician_minutes: int | None = None,
) -> list[ProposedLine]:
    """The lines one session's charge is billed with to ``payer``."""
    session = charge.session
    dose = charge.dose_mg
    common = dict(
        charge=charge,
        treatment=treatment,
        dose_mg=dose,
        infusion_minutes=session.infusion_minutes,
        clinician_minutes=clinician_minutes,
    )
    lines: list[ProposedLine] = []
    if treatment == "esketamine" and payer.kind == PayerKind.MEDICARE:
        for line in billing_codes.esketamine_lines(payer_kind=PayerKind.MEDICARE, dose_mg=dose or 0):
            lines.append(ProposedLine(code=line.code, description=line.description, modifiers=line.modifier, **common))
    elif treatment == "esketamine":
        mg = int(Decimal(dose or 0).to_integral_value(rounding="ROUND_HALF_UP"))
        code = payer.esketamine_code if charge.service_date.year >= billing_codes.J0013_START_YEAR else "S0013"
        ndc = ESKETAMINE_PACKS.get(mg, "")
        lines.append(
            ProposedLine(
                code=code,
                description="Esketamine nasal spray, 1 mg",
                units=mg,
                ndc=ndc,
                ndc_quantity=1 if ndc else None,
                ndc_unit="UN" if ndc else "",
                **common,
            )
        )
        if em_code:
            lines.append(ProposedLine(code=em_code, description="Office visit, established patient", **common))
        prolonged = billing_codes.prolonged_units(em_code=em_code, minutes=clinician_minutes)
        if payer.allows_prolonged_service and prolonged:
            lines.append(
                ProposedLine(
                    code=billing_codes.PROLONGED_CODE,
                    description="Prolonged office visit, each 15 minutes",
                    units=prolonged,
                    **common,
                )
            )
    elif treatment == "ketamine_iv":
        for line in billing_codes.infusion_lines(minutes=session.infusion_minutes):
            lines.append(ProposedLine(code=line.code, description=line.description, units=line.units, **common))
        lines.append(
            ProposedLine(
                code=UNLISTED_DRUG,
                description="Ketamine hydrochloride injection (unlisted drug)",
                ndc=ketamine_ndc,
                ndc_quantity=1 if ketamine_ndc else None,
                ndc_unit="UN" if ketamine_ndc else "",
                **common,
            )
        )
    else:
        lines.append(ProposedLine(code=em_code or "", description="Office visit, established patient", **common))
    _spread(charge.total, lines)
    return lines


def _medicare_esketamine(ctx: Context, lines: list[ProposedLine]) -> list[Problem]:
    problems = []
    codes = {line.code for line in lines}
    for line in lines:
        if line.code not in G_CODES:
            continue
        dose = Decimal(line.dose_mg or 0)
        if line.code == "G2082" and dose > billing_codes.MEDICARE_LOW_DOSE_MAX_MG:
            problems.append(Problem("code", f"G2082 covers up to 56 mg; this visit gave {dose:g} mg: bill G2083."))
        if line.code == "G2083" and dose <= billing_codes.MEDICARE_LOW_DOSE_MAX_MG:
            problems.append(Problem("code", f"G2083 is for more than 56 mg; this visit gave {dose:g} mg: bill G2082."))
        if "KX" not in line.modifiers.split(":"):
            problems.append(Problem("modifiers", f"{line.code} needs modifier KX (REMS enrolment on file): add it."))
        if line.units != 1:
            problems.append(Problem("units", f"{line.code} is one visit: units must be 1, not {line.units}."))
        if not ctx.rems_enrolled:
            problems.append(
                Problem(
                    "rems", "KX attests REMS enrolment, but the patient is not enrolled: record the enrolment first."
                )
            )
    bundled = sorted(codes & {*EM_CODES, *PROLONGED_CODES, *DRUG_CODES})
    if codes & set(G_CODES) and bundled:
        problems.append(
            Problem(
                "code",
                f"G2082/G2083 include the E/M visit, observation and the drug: remove {', '.join(bundled)} "
                "from this date of service.",
            )
        )
    return problems


def _prolonged(ctx: Context, lines: list[ProposedLine]) -> list[Problem]:
    """+99417 only for payers that allow it, beside 99215, with the units the active clinician time earns."""
    problems = []
    codes = {line.code for line in lines}
    for line in lines:
        if line.code not in PROLONGED_CODES:
            continue
        if not ctx.payer.allows_prolonged_service:
            problems.append(
                Problem(
                    "code",
                    f"{ctx.payer} does not allow prolonged-service codes: remove {line.code}, or tick "
                    '"allows prolonged-service codes" on the payer if its contract does.',
                )
            )
            continue
        if line.code != billing_codes.PROLONGED_CODE:
            problems.append(Problem("code", f"Bill prolonged office time as +99417 beside 99215, not {line.code}."))
            continue
        if billing_codes.PROLONGED_BASE_CODE not in codes:
            problems.append(
                Problem("em_code", "+99417 adds to a 99215 visit only: choose 99215 or remove the prolonged line.")
            )
            continue
        expected = billing_codes.prolonged_units(em_code="99215", minutes=line.clinician_minutes)
        if line.units != expected:
            problems.append(
                Problem(
                    "clinician_minutes",
                    f"+99417 counts each full 15 minutes of active clinician time beyond 40: "
                    f"{line.clinician_minutes or 0} minutes give {expected}, not {line.units}; "
                    "correct the visit's active clinician minutes on the booking page.",
                )
            )
    return problems


def line_problems(ctx: Context, lines: list[ProposedLine]) -> list[Problem]:
    """Every payer rule of the codes on the claim."""
    payer, problems = ctx.payer, []
    medicare = payer.kind == PayerKind.MEDICARE
    codes = [line.code for line in lines]
    if not lines:
        problems.append(Problem("lines", "The claim has no service line: it needs a discharged session's charge."))
    if medicare:
        problems += _medicare_esketamine(ctx, lines)
        for line in lines:
            if line.code in ("J0013", "S0013"):
                problems.append(Problem("code", f"Medicare bills esketamine with G2082/G2083, not {line.code}."))
            if line.code in ("96365", "96366"):
                problems.append(
                    Problem(
                        "payer", "Medicare does not cover IV ketamine (off-label): transfer the charge to the patient."
                    )
                )
            if line.code in PROLONGED_CODES:
                problems.append(
                    Problem("code", f"Medicare takes no prolonged-service code ({line.code}) with these visits.")
                )
    for line in lines:
        if line.code in G_CODES and not medicare:
            problems.append(
                Problem(
                    "code", f"{line.code} is a Medicare code: bill {payer.esketamine_code} per mg with an E/M code."
                )
            )
        if line.treatment == "esketamine" and line.code in ("J0013", "S0013", "J3490") and not medicare:
            expected = (
                payer.esketamine_code if line.charge is None or line.charge.service_date.year >= 2026 else "S0013"
            )
            if line.code != expected:
                problems.append(Problem("code", f"{payer} takes {expected} for esketamine, not {line.code}."))
            mg = int(Decimal(line.dose_mg or 0).to_integral_value(rounding="ROUND_HALF_UP"))
            if line.units != mg:
                problems.append(
                    Problem("units", f"{line.code} is per 1 mg: units must be the {mg} mg given, not {line.units}.")
                )
        if line.code in DRUG_CODES and not line.ndc:
            problems.append(
                Problem("ndc", f"{line.code} needs the NDC of the drug used (11 digits, qualifier N4): add it.")
            )
        elif line.ndc and (len(line.ndc) != 11 or not line.ndc.isdigit()):
            problems.append(Problem("ndc", f"NDC {line.ndc} must be 11 digits (5-4-2)."))
        if line.ndc and not line.ndc_quantity:
            problems.append(Problem("ndc", f"The NDC of {line.code} needs its quantity and unit (e.g. UN1)."))
        if line.code.startswith("992") and line.code not in EM_CODES:
            problems.append(
                Problem("code", f"E/M {line.code} is not an established-patient office visit (99212–99215).")
            )
    esketamine_lines = [line for line in lines if line.treatment == "esketamine"]
    if esketamine_lines and not medicare and not set(codes) & set(EM_CODES):
        problems.append(
            Problem("em_code", "The prescriber has not chosen the visit's E/M code: choose it on the booking page.")
        )
    if not medicare:
        problems += _prolonged(ctx, lines)
    if "96366" in codes and "96365" not in codes:
        problems.append(Problem("code", "+96366 is an add-on: it needs 96365 for the first hour."))
    for line in lines:
        if line.code == "96365" and line.units != 1:
            problems.append(Problem("units", "96365 is the first hour: units must be 1."))
        if line.code == "96366":
            expected = billing_codes.infusion_additional_hours(line.infusion_minutes)
            if line.units != expected:
                problems.append(
                    Problem(
                        "units",
                        f"+96366 counts each hour beyond 30 minutes past the first: {line.infusion_minutes} minutes "
                        f"give {expected}, not {line.units}.",
                    )
                )
    if "96365" in codes and UNLISTED_DRUG not in codes:
        problems.append(Problem("code", "An infusion claim needs the drug line (J3490 with the ketamine NDC)."))
    return problems
