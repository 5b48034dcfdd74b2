"""Money in templates: ``{{ amount|money:currency }}`` → "$1,234.50" (or "1,234.50 EUR")."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()

SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "GBP": "£", "EUR": "€"}


@register.filter
def money(value, currency: str = "USD") -> str:
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign = "−" if amount < 0 else ""
    text = f"{abs(amount):,.2f}"
    symbol = SYMBOLS.get(currency or "USD")
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


@register.filter
def report_cell(value, currency: str = "USD") -> str:
    """A report's cell: amounts (Decimals) as money, counts and text as they are, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return money(value, currency)
    return str(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


VISIT_WORDS = {
    "esketamine": "Esketamine visit",
    "ketamine_iv": "Ketamine infusion",
    "ketamine_im": "Ketamine injection",
}


@register.simple_tag
def visit_words(protocol, dose_mg=None) -> str:
    """What a patient reads for a session: "Esketamine visit, 84 mg" (codes only on receipts)."""
    words = VISIT_WORDS.get(getattr(protocol, "treatment", ""), "Treatment visit")
    try:
        dose = int(dose_mg) if dose_mg else None
    except (TypeError, ValueError):
        dose = None
    return f"{words}, {dose} mg" if dose else words
