"""The idle lock for staff: after the idle limit the session is locked, not ended.

``clinic.middleware.SessionTimeoutMiddleware`` locks a staff session when the idle limit passes
(patients are still signed out) and sends every request to the locked page, keeping a form posted
meanwhile exactly as after a full time-out (``idle.keep_unsaved_post``). The locked page shows
no patient data, only the user's first name, and asks that same user for the password alone: the
session already passed the second step, so no username and no 2FA code are asked again. A wrong
password goes through ``authenticate`` with the request, so django-axes counts it like a failed
login and locks the username out at its limit. "Not you?" logs out fully. The 12-hour absolute
limit is untouched (the middleware ends a locked session at it like any other).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from clinic.security.session_keys import LAST_SEEN, LOCKED

from . import idle

# What a locked session may still reach: the locked page itself (and its unlock POST), logging out
# (the "Not you?" button), the status the idle script asks, and the load balancer's health check.
LOCK_EXEMPT = ("locked", "logout", "session_status", "healthz")


def is_locked(request: HttpRequest) -> bool:
    return bool(getattr(request, "session", None) and request.session.get(LOCKED))


def exempt_paths() -> set[str]:
    return {reverse(name) for name in LOCK_EXEMPT}


def locked_url(page: str) -> str:
    return reverse("locked") + "?" + urlencode({"next": page})


def _unlock(request: HttpRequest, user) -> None:
    """Same user, same session: the idle clock starts again, the absolute clock does not."""
    request.session.pop(LOCKED, None)
    request.session[LAST_SEEN] = time.time()
    request.session.cycle_key()  # a fresh key after re-authentication
    _reset_failed_attempts(request, user)


def _reset_failed_attempts(request: HttpRequest, user) -> None:
    # As a successful login does (AXES_RESET_ON_SUCCESS): earlier wrong passwords are forgiven.
    if not (settings.AXES_ENABLED and settings.AXES_RESET_ON_SUCCESS):
        return
    from axes.handlers.proxy import AxesProxyHandler

    handler = AxesProxyHandler.get_implementation()
    if hasattr(handler, "reset_user_attempts"):
        handler.reset_user_attempts(request, {"username": user.get_username()})


@never_cache
def locked(request: HttpRequest) -> HttpResponse:
    """The locked screen: one password field for the same user, or "Not you?" to log out."""
    page = idle._local_path(request, request.POST.get("next") or request.GET.get("next")) or "/"
    user = request.user
    if not user.is_authenticated:
        return redirect(idle.signed_out_url(page))
    if not is_locked(request):
        return redirect(page)
    error = ""
    if request.method == "POST":
        password = request.POST.get("password", "")
        # Through the backends with the request, so that django-axes counts a wrong password.
        same = authenticate(request, username=user.get_username(), password=password) if password else None
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return render(request, "registration/locked_out.html", status=settings.AXES_HTTP_RESPONSE_CODE)
        if same is not None and same.pk == user.pk:
            _unlock(request, user)
            return redirect(page)
        error = "That is not the password of this account. Try again, or sign in as someone else."
    context = {
        "first_name": user.first_name or user.get_username(),
        "next": page,
        "error": error,
        "kept": idle.UNSAVED in request.session,
        "staff_minutes": settings.STAFF_IDLE_MINUTES,
    }
    return render(request, "registration/locked.html", context, status=400 if error else 200)
