"""Session time-outs per role and the headers every response carries."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

LAST_SEEN = "_last_seen"
LOGGED_IN_AT = "_logged_in_at"


class SessionTimeoutMiddleware:
    """Log out after idle time (staff 15 min by default, patients longer) or an absolute lifetime."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            idle_minutes = settings.PATIENT_IDLE_MINUTES if user.is_patient else settings.STAFF_IDLE_MINUTES
            last_seen = request.session.get(LAST_SEEN, now)
            logged_in_at = request.session.setdefault(LOGGED_IN_AT, now)
            too_idle = now - last_seen > idle_minutes * 60
            too_old = now - logged_in_at > settings.SESSION_ABSOLUTE_HOURS * 3600
            if too_idle or too_old:
                logout(request)
                messages.info(request, "You were logged out after a period of inactivity. Please log in again.")
                return redirect_to_login(request.get_full_path())
            # Polling requests (the board's auto-refresh) do not count as activity.
            if request.headers.get("X-Auto-Refresh") != "1":
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Pages with health data must never be cached by a browser or proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"):
            response["Cache-Control"] = "no-store, private"
            response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
