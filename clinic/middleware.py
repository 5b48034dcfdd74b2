"""Session time-outs per role, 2FA enforcement, and the headers every response carries.

Reads of patient data are logged by the pages themselves (``clinic.access.note_patient_access``).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from clinic.security.session_keys import LAST_SEEN, LOCKED, LOGGED_IN_AT

LAST_SEEN_STEP = 60


def last_seen_step(idle_minutes: float) -> float:
    """How stale the recorded activity may get before it is written again (a 15th of short limits)."""
    return min(LAST_SEEN_STEP, idle_minutes * 60 / 15)


class ReadLogMiddleware:
    """Collects the read-log entries a page notes (``clinic.access.note_patient_access``) and writes
    them in one insert once the response is ready, whatever the view answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .access import write_pending_reads

        request._pending_reads = []
        try:
            return self.get_response(request)
        finally:
            write_pending_reads(request)


class SessionTimeoutMiddleware:
    """After the idle time lock a staff session (15 min by default) and log a patient out (longer);
    log anyone out after the absolute lifetime, locked or not."""

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
            if too_old or (too_idle and user.is_patient):
                return self._timed_out(request, user)
            if too_idle or request.session.get(LOCKED):
                # Staff are locked, not signed out (clinic/security/idle_lock.py).
                if not request.session.get(LOCKED):
                    request.session[LOCKED] = True
                return self._locked(request, user) or self._respond(request)
            # Polling requests (the board's auto-refresh) do not count as activity. The clock is kept
            # to LAST_SEEN_STEP seconds so that the session row is written at most that often, not
            # on every request.
            stale = LAST_SEEN not in request.session or now - last_seen >= last_seen_step(idle_minutes)
            if stale and request.headers.get("X-Auto-Refresh") != "1":
                request.session[LAST_SEEN] = now
        return self._respond(request)

    def _respond(self, request):
        response = self.get_response(request)
        if request.htmx and _is_login_redirect(response):
            # Never swap a login page into a panel: the whole screen goes to the signed-out page.
            from .security import idle

            response = idle.hx_redirect(idle.signed_out_url(idle.came_from(request)))
        # The key may have rotated during the view (login, 2FA step, password change): record it
        # for this user so that logout or deactivation can end this session too.
        from .security.user_sessions import remember_session

        remember_session(request)
        return response

    @staticmethod
    def _locked(request, user):
        """A locked session reaches only the locked page (and logout); a form posted now is kept."""
        from .security import idle, idle_lock

        if request.path in idle_lock.exempt_paths():
            return None
        page = idle.came_from(request)
        if request.method == "POST":
            idle.keep_unsaved_post(request, user_id=user.pk, page=page)
        target = idle_lock.locked_url(page)
        if request.htmx:
            return idle.hx_redirect(target)
        return HttpResponseRedirect(target)

    def _timed_out(self, request, user):
        """The session ended: nothing with patient data is shown, and a form posted now is kept."""
        from .security import idle

        page = idle.came_from(request)
        logout(request)
        if request.method == "POST":
            idle.keep_unsaved_post(request, user_id=user.pk, page=page)
        if request.htmx:
            return idle.hx_redirect(idle.signed_out_url(page))
        if request.path == reverse("session_status"):
            return self.get_response(request)  # it answers "signed out" itself
        if request.method == "POST":
            return HttpResponseRedirect(idle.signed_out_url(page))
        messages.info(request, "You were signed out after a time without activity. Please log in again.")
        return redirect_to_login(page)


def _is_login_redirect(response) -> bool:
    location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    return bool(location) and location.startswith(resolve_url(settings.LOGIN_URL))


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


class TwoFactorMiddleware:
    """Send a logged-in user who still owes the second step to verify it, or to set it up.

    A user with a confirmed device (anyone who turned 2FA on) must verify it after the password;
    when ``REQUIRE_2FA`` is on, staff and admins without a device are sent to set one up first.
    Nothing else is reachable until then, Django's admin included.
    """

    # The idle lock's page too: a locked session reaches nothing else (no redirect loop).
    VERIFY_EXEMPT = frozenset({"two_factor_verify", "logout", "healthz", "locked"})
    SETUP_EXEMPT = frozenset({"two_factor_setup", "two_factor_backup_codes", "logout", "healthz", "locked"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from .security import otp

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if otp.has_device(request):
            if name in self.VERIFY_EXEMPT:
                return None
            return self._send(request, "two_factor_verify")
        if otp.is_required_for(user):
            if name in self.SETUP_EXEMPT:
                return None
            return self._send(request, "two_factor_setup")
        return None

    @staticmethod
    def _send(request, url_name: str):
        target = reverse(url_name)
        if request.htmx:  # a partial refresh: send the whole page there instead
            return HttpResponseClientRedirect(target)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
