"""``{% idempotency_input %}``: the hidden idempotency-key field for a hand-written form (clinic/idempotency.py)."""

from django import template
from django.utils.html import format_html

from clinic.idempotency import FIELD, new_key

register = template.Library()


@register.simple_tag
def idempotency_input():
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())
