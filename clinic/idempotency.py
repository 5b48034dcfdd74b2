"""Idempotency keys: a resubmitted form returns the first result instead of writing a second row.

A form that records something staff may send twice (vitals at the chair, booking a slot) carries a hidden
``idempotency_key`` made when the form was shown. ``once`` claims the key for the user in the same
transaction as the write: the first submission writes and remembers where it sent the user; a resubmission
with the same key (a retry after a dropped connection, a double tap) writes nothing and goes to the same
place. Two copies racing meet at the unique (user, key) row: the second waits, then finds the first's
result. A form without a key (an old page) is simply written.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone

from .security.models import FormSubmission

FIELD = "idempotency_key"
KEPT = dt.timedelta(days=1)
_VALID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def new_key() -> str:
    return uuid.uuid4().hex


def key_field() -> forms.CharField:
    """The hidden field to add to a form (and to its crispy layout, if it lists fields)."""
    return forms.CharField(widget=forms.HiddenInput, required=False, max_length=64, initial=new_key)


def once(*, key: str | None, user, run: Callable[[], str]) -> tuple[str, bool]:
    """Run ``run`` (which writes and returns the URL to go to) once per key; -> (url, first time?)."""
    if not key or not _VALID.match(key):
        return run(), True
    earlier = FormSubmission.objects.filter(user=user, key=key).first()
    if earlier is not None:
        return earlier.result_url, False
    try:
        with transaction.atomic():
            claim = FormSubmission.objects.create(user=user, key=key)
            url = run()
            FormSubmission.objects.filter(pk=claim.pk).update(result_url=url)
    except IntegrityError:
        earlier = FormSubmission.objects.filter(user=user, key=key).first()
        if earlier is None:
            raise  # the write itself was refused, not a duplicate
        return earlier.result_url, False
    FormSubmission.objects.filter(at__lt=timezone.now() - KEPT).delete()
    return url, True
