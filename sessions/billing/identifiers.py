"""The identifiers a claim carries, checked before they are stored (README, "Claims").

- NPI: 10 digits whose last is a Luhn check digit computed over the prefix 80840 and the first
  nine digits (CMS, "Requirements for the NPI check digit").
- Tax id (EIN): 9 digits, written 12-3456789.
- ICD-10-CM: a letter, a digit, a digit or letter, then optionally a dot and 1–4 digits or letters
  (F33.2, F32.A, R45.851); stored upper-case with the dot.
- ZIP+4: the billing provider's address needs all 9 digits on an 837P.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

NPI_PREFIX = "80840"
ICD10CM = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
MAX_DIAGNOSES = 12  # an 837P / CMS-1500 carries 12 diagnosis pointers A–L


def luhn_check_digit(digits: str) -> int:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:  # every second digit from the right, starting with the rightmost
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def npi_is_valid(npi: str) -> bool:
    return bool(re.fullmatch(r"\d{10}", npi or "")) and luhn_check_digit(NPI_PREFIX + npi[:9]) == int(npi[9])


def clean_npi(value: str) -> str:
    npi = re.sub(r"\s", "", value or "")
    if not re.fullmatch(r"\d{10}", npi):
        raise ValidationError("An NPI is 10 digits.")
    if not npi_is_valid(npi):
        raise ValidationError(f"NPI {npi} has a wrong check digit; check it against the NPPES registry.")
    return npi


def clean_tax_id(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value or "")
    if not re.fullmatch(r"\d{9}", digits):
        raise ValidationError("A tax id (EIN) is 9 digits, e.g. 12-3456789.")
    return f"{digits[:2]}-{digits[2:]}"


def clean_zip_plus4(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value or "")
    if not re.fullmatch(r"\d{9}", digits):
        raise ValidationError("Give the ZIP+4 (9 digits, e.g. 10001-2345): claims need all nine.")
    return f"{digits[:5]}-{digits[5:]}"


def clean_ndc(value: str) -> str:
    """An NDC in its 11-digit billing form (5-4-2); a 10-digit 4-4-2, 5-3-2 or 5-4-1 one is padded."""
    raw = re.sub(r"\s", "", value or "")
    parts = raw.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        widths = tuple(len(p) for p in parts)
        if widths in ((5, 4, 2), (4, 4, 2), (5, 3, 2), (5, 4, 1)):
            return parts[0].zfill(5) + parts[1].zfill(4) + parts[2].zfill(2)
    if re.fullmatch(r"\d{11}", raw):
        return raw
    raise ValidationError("An NDC is 11 digits in 5-4-2 form (e.g. 50458-0028-02).")


def clean_icd10cm(value: str) -> str:
    code = re.sub(r"\s", "", value or "").upper()
    if len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    if not ICD10CM.fullmatch(code):
        raise ValidationError(
            f"“{value.strip()}” is not an ICD-10-CM code: a letter, two characters, then a dot and up to "
            "four more (e.g. F33.2, F32.A, R45.851)."
        )
    return code


def clean_diagnoses(value: str | list[str]) -> list[str]:
    """Comma- or space-separated codes, each checked; duplicates dropped, order kept (first is primary)."""
    parts = value if isinstance(value, list) else re.split(r"[,;\s]+", value or "")
    codes: list[str] = []
    errors: list[str] = []
    for part in parts:
        if not part.strip():
            continue
        try:
            code = clean_icd10cm(part)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if code not in codes:
            codes.append(code)
    if errors:
        raise ValidationError(errors)
    if not codes:
        raise ValidationError("Give at least one ICD-10-CM code (e.g. F33.2 for recurrent severe depression).")
    if len(codes) > MAX_DIAGNOSES:
        raise ValidationError(f"A claim carries at most {MAX_DIAGNOSES} diagnosis codes.")
    return codes
