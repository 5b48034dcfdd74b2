"""Authentication helpers: case-insensitive usernames and the axes throttling key."""

from django.contrib.auth.backends import ModelBackend


class CaseInsensitiveModelBackend(ModelBackend):
    """ModelBackend whose username lookup ignores case (the manager does the lookup)."""


def axes_username(request, credentials) -> str:
    """Throttle per username regardless of the case it was typed in."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(raw).strip().lower()
