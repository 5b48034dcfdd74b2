"""Password-reset requests are rate-limited per address and per client (a mail bomb, a probe of addresses).

At most ``PASSWORD_RESET_PER_ADDRESS`` requests for one address and ``PASSWORD_RESET_PER_CLIENT`` from one
client address in ``PASSWORD_RESET_WINDOW_MINUTES``; beyond that the page answers 429 with a message and
sends nothing. Counted in the database, so the limit holds across gunicorn servers. The same answer is
given whether the address belongs to someone or not.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils import timezone

from .client_ip import client_ip
from .models import PasswordResetRequest


def _address_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def too_many(*, email: str, client: str | None) -> bool:
    since = timezone.now() - dt.timedelta(minutes=settings.PASSWORD_RESET_WINDOW_MINUTES)
    recent = PasswordResetRequest.objects.filter(at__gte=since)
    if recent.filter(address_hash=_address_hash(email)).count() >= settings.PASSWORD_RESET_PER_ADDRESS:
        return True
    return client is not None and recent.filter(client=client).count() >= settings.PASSWORD_RESET_PER_CLIENT


def note(*, email: str, client: str | None) -> None:
    PasswordResetRequest.objects.filter(at__lt=timezone.now() - dt.timedelta(days=1)).delete()
    PasswordResetRequest.objects.create(address_hash=_address_hash(email), client=client)


class LimitedPasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        email, client = form.cleaned_data["email"], client_ip(self.request)
        if too_many(email=email, client=client):
            return render(self.request, "registration/password_reset_limited.html", status=429)
        note(email=email, client=client)
        return super().form_valid(form)
