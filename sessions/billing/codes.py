"""Which billing codes a session carries, by treatment, payer and what was actually given.

Plain rules, no database (README, "Billing"):

- Medicare, esketamine: one visit code that includes the drug and 2 hours' observation —
  G2082 up to 56 mg, G2083 over 56 mg — with modifier KX (REMS enrolment on file).
- Other payers (and self-pay statements), esketamine: J0013 esketamine nasal spray per 1 mg
  (units = mg given; it replaced S0013 from 1 January 2026) plus an E/M visit code 99212–99215.
- Prolonged service (payers that allow it): +99417 beside 99215, one unit per full 15 minutes of
  active clinician time beyond the 99215 visit's 40 minutes (55 minutes → 1, 70 → 2).
- IV ketamine infusion: 96365 for the first hour, and +96366 for each additional hour, counted
  only when the infusion runs more than 30 minutes into that hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from sessions.models.billing import DEFAULT_EM_CODE, EM_CODES

MEDICARE = "medicare"
MEDICARE_LOW_DOSE_MAX_MG = 56
J0013_START_YEAR = 2026  # S0013 before 1 January 2026
PROLONGED_CODE = "99417"
PROLONGED_BASE_CODE = "99215"
PROLONGED_BASE_MINUTES = 40  # 99215's total time; 99417 counts each full 15 minutes beyond it
PROLONGED_STEP_MINUTES = 15


def prolonged_units(*, em_code: str | None, minutes: int | None) -> int:
    """Units of +99417 the visit's active clinician time earns: only beside 99215, 0 below 55 minutes."""
    if em_code != PROLONGED_BASE_CODE or not minutes:
        return 0
    return max(0, (minutes - PROLONGED_BASE_MINUTES) // PROLONGED_STEP_MINUTES)


@dataclass(frozen=True)
class Line:
    code: str
    description: str
    units: int = 1
    modifier: str = ""


def esketamine_lines(
    *, payer_kind: str, dose_mg: Decimal | int, em_code: str = DEFAULT_EM_CODE, year: int = J0013_START_YEAR
) -> list[Line]:
    if em_code not in EM_CODES:
        raise ValueError(f"E/M code must be one of {', '.join(EM_CODES)}.")
    dose = Decimal(dose_mg)
    if dose <= 0:
        raise ValueError("An esketamine charge needs the dose given in mg.")
    if payer_kind == MEDICARE:
        if dose <= MEDICARE_LOW_DOSE_MAX_MG:
            return [Line("G2082", "Esketamine visit, up to 56 mg, with 2 hours' observation", 1, "KX")]
        return [Line("G2083", "Esketamine visit, over 56 mg, with 2 hours' observation", 1, "KX")]
    drug_code = "J0013" if year >= J0013_START_YEAR else "S0013"
    units = int(dose.to_integral_value(rounding="ROUND_HALF_UP"))
    return [
        Line(drug_code, "Esketamine nasal spray, per 1 mg", units),
        Line(em_code, "Office visit, established patient (E/M)", 1),
    ]


def infusion_additional_hours(minutes: int | None) -> int:
    """Units of +96366: each hour after the first, counted when more than 30 minutes into it."""
    if not minutes or minutes <= 60:
        return 0
    extra = minutes - 60
    if extra <= 30:
        return 0
    return math.ceil((extra - 30) / 60)


def infusion_lines(*, minutes: int | None) -> list[Line]:
    lines = [Line("96365", "IV infusion, initial, up to 1 hour", 1)]
    additional = infusion_additional_hours(minutes)
    if additional:
        lines.append(Line("96366", "IV infusion, each additional hour", additional))
    return lines


def lines_for(
    *,
    treatment: str,
    payer_kind: str,
    dose_mg: Decimal | int | None,
    infusion_minutes: int | None = None,
    em_code: str = DEFAULT_EM_CODE,
    year: int = J0013_START_YEAR,
) -> list[Line]:
    if treatment == "esketamine":
        return esketamine_lines(payer_kind=payer_kind, dose_mg=dose_mg or 0, em_code=em_code, year=year)
    if treatment == "ketamine_iv":
        return infusion_lines(minutes=infusion_minutes)
    return [Line(em_code, "Office visit, established patient (E/M)", 1)]
