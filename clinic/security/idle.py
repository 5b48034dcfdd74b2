"""The idle time-out as the user meets it: how long is left, the plain "signed out" page, and a
form posted after the time-out kept until the same user logs in again.

The rule itself (staff 15 idle minutes, patients 60, 12 hours at most) is applied by
``clinic.middleware.SessionTimeoutMiddleware``; this module holds what the screens need:

- ``seconds_left`` for the warning a minute before (``static/js/session.js`` asks
  ``session_status`` without it counting as activity, since another tab may have kept the
  session alive);
- ``keep_unsaved_post`` / ``take_unsaved_post``: the values of a POST that arrived after the
  time-out, kept server-side in the (new, anonymous) session for ``UNSAVED_KEEP_SECONDS``, handed
  back once on the page the form was on, and only to the user who typed them. Passwords and
  tokens are never kept.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic.security.session_keys import LAST_SEEN, LOCKED, LOGGED_IN_AT

UNSAVED = "_unsaved_post"
UNSAVED_KEEP_SECONDS = 30 * 60
NEVER_KEPT = {"csrfmiddlewaretoken", "password", "old_password", "new_password1", "new_password2", "token", "otp_token"}
MAX_KEPT_CHARS = 20_000


def idle_limit_seconds(user) -> int:
    minutes = settings.PATIENT_IDLE_MINUTES if user.is_patient else settings.STAFF_IDLE_MINUTES
    return int(minutes * 60)


def seconds_left(request: HttpRequest, now: float | None = None) -> int:
    """Seconds before the session ends without further activity (0 when it has ended)."""
    user = request.user
    if not user.is_authenticated or request.session.get(LOCKED):
        return 0
    now = now or time.time()
    last_seen = request.session.get(LAST_SEEN, now)
    logged_in_at = request.session.get(LOGGED_IN_AT, now)
    idle_left = idle_limit_seconds(user) - (now - last_seen)
    absolute_left = settings.SESSION_ABSOLUTE_HOURS * 3600 - (now - logged_in_at)
    return max(0, int(min(idle_left, absolute_left)))


def _local_path(request: HttpRequest, url: str | None) -> str | None:
    if not url:
        return None
    if not url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return None
    parts = urlsplit(url)
    if not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def came_from(request: HttpRequest) -> str:
    """The page the user was on: the page itself for a plain GET, else the page that sent the request."""
    if request.method == "GET" and not request.htmx:
        return request.get_full_path()
    return _local_path(request, request.htmx.current_url) or _local_path(request, request.headers.get("Referer")) or "/"


def safe_next(request: HttpRequest) -> str:
    return _local_path(request, request.GET.get("next")) or "/"


def signed_out_url(page: str) -> str:
    return reverse("signed_out") + "?" + urlencode({"next": page})


def keep_unsaved_post(request: HttpRequest, *, user_id: int, page: str) -> None:
    """Keep what a POST carried (after the session ended) for the same user on the same page."""
    values: dict[str, list[str]] = {}
    size = 0
    for key in request.POST:
        if key in NEVER_KEPT or "password" in key:
            continue
        kept = [v[:2000] for v in request.POST.getlist(key)][:50]
        size += sum(len(v) for v in kept) + len(key)
        if size > MAX_KEPT_CHARS:
            break
        values[key[:200]] = kept
    if not values:
        return
    request.session[UNSAVED] = {
        "user": user_id,
        "page": urlsplit(page).path,
        "action": request.path,
        "values": values,
        "at": time.time(),
    }


def take_unsaved_post(request: HttpRequest) -> dict | None:
    """The kept POST for this page and this user, once; stale or someone else's is dropped unseen."""
    if UNSAVED not in request.session or request.htmx:
        return None
    kept = request.session.get(UNSAVED) or {}
    user = request.user
    stale = time.time() - kept.get("at", 0) > UNSAVED_KEEP_SECONDS
    if stale or (user.is_authenticated and kept.get("user") != user.pk):
        del request.session[UNSAVED]
        return None
    if not user.is_authenticated or kept.get("page") != request.path:
        return None  # kept until the same user is back on that page
    del request.session[UNSAVED]
    return {
        "action": kept["action"],
        "values": kept["values"],
        "rows": [(k, ", ".join(v)) for k, v in kept["values"].items()],
    }


def context(request: HttpRequest) -> dict:
    """For the layout: the idle clock's settings, and a kept POST to put back into its form."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        if UNSAVED in getattr(request, "session", {}):
            take_unsaved_post(request)  # drops it when stale
        return {}
    if request.session.get(LOCKED):
        return {"screen_locked": True}  # the locked page: no menus, no idle clock, nothing handed back
    return {"idle_seconds": idle_limit_seconds(user), "unsaved_post": take_unsaved_post(request)}


@never_cache
def signed_out(request: HttpRequest) -> HttpResponse:
    """A plain page without patient data; the session has ended (an active user is sent on)."""
    page = safe_next(request)
    if request.user.is_authenticated:
        return redirect(page)
    context = {
        "next": page,
        "staff_minutes": settings.STAFF_IDLE_MINUTES,
        "patient_minutes": settings.PATIENT_IDLE_MINUTES,
        "kept": UNSAVED in request.session,
    }
    return render(request, "registration/signed_out.html", context)


@never_cache
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """How long the session has left. With ``X-Auto-Refresh: 1`` asking does not count as activity."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_out": True, "seconds_left": 0})
    if request.session.get(LOCKED):  # a staff session past its idle limit: the screen locks
        return JsonResponse({"signed_out": True, "locked": True, "seconds_left": 0})
    return JsonResponse({"signed_out": False, "seconds_left": seconds_left(request)})


def hx_redirect(target: str) -> HttpResponse:
    """For an htmx request: replace the whole screen (never swap a login page into a panel)."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = target
    response["HX-Trigger"] = "clinic:signed-out"
    return response
