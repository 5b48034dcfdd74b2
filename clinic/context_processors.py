from django.http import HttpRequest

from .models import ClinicSettings


def clinic(request: HttpRequest) -> dict:
    """Clinic name for the layout; cached on the request so a page loads it once."""
    if not hasattr(request, "_clinic_settings"):
        request._clinic_settings = ClinicSettings.load()
    return {"clinic": request._clinic_settings}
