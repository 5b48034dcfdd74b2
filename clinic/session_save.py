"""A saved write is always reported as saved, even when the login session cannot be saved afterwards.

Django's ``SessionMiddleware`` saves the session after the view returned, so after the view's own
transaction committed. When the database connection drops in between, that save fails and Django answers
"Bad Request (400)" (``SessionInterrupted``) or a 500 — although the reading or the booking was stored, and
staff retry and duplicate it. ``ResilientSessionMiddleware`` keeps the view's answer when it is not an
error, logs the failure, and leaves the session as it was (its last-activity time is not refreshed this
once; the session itself is still valid). A resubmitted form is recognised by its idempotency key
(clinic/idempotency.py).
"""

from __future__ import annotations

import logging

from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import DatabaseError

logger = logging.getLogger("clinic")


class ResilientSessionMiddleware(SessionMiddleware):
    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except (SessionInterrupted, DatabaseError) as exc:
            if response.status_code >= 400:
                raise
            logger.warning(
                "The session could not be saved after %s %s (%s); the view's answer stands.",
                request.method,
                request.path,
                type(exc).__name__,
            )
            return response
