"""The client's address as the trusted reverse proxy reports it (django-axes, password-reset limits).

Behind nginx (deploy/nginx.conf) every request comes from 127.0.0.1, so lockouts keyed on REMOTE_ADDR
would lock a user out for everyone after five wrong passwords from one client. With
``TRUSTED_PROXY_COUNT=N`` (N proxies in front of gunicorn, each appending to ``X-Forwarded-For``), the
client is the N-th address from the right of that header: the one the outermost trusted proxy saw.
Addresses further left were written by the client and are ignored. 0 (the default, no proxy) uses
REMOTE_ADDR only, so a client cannot choose its address by sending the header itself.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
