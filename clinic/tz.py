"""Show every time in the clinic's own time zone (a clinic setting, not the server's)."""

from django.db import DatabaseError
from django.utils import timezone

from .memo import request_scope
from .models import ClinicSettings


class ClinicTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":  # must answer 503 itself when the database is down
            return self.get_response(request)
        with request_scope():  # ClinicSettings.load() reads the row once for the whole request
            try:
                # The layout's context processor reuses it.
                request._clinic_settings = ClinicSettings.load()
            except DatabaseError:
                return self.get_response(request)
            with timezone.override(request._clinic_settings.tz):
                return self.get_response(request)
