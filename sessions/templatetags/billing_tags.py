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
def get_item(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
