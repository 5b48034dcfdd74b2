"""Track the session keys of each user and end every one of them at logout or deactivation."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest

from .models import UserSession

RECORDED_KEY = "_recorded_session_key"


def remember_session(request: HttpRequest, user=None) -> None:
    """Record the current session key for the logged-in user (once per key)."""
    session = getattr(request, "session", None)
    user = user or getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated:
        return
    if session.session_key is None:
        session.save()
    key = session.session_key
    if session.get(RECORDED_KEY) == key:
        return
    UserSession.objects.get_or_create(session_key=key, defaults={"user_id": user.pk})
    # Forget this user's records of sessions that have expired or been flushed meanwhile.
    UserSession.objects.filter(user_id=user.pk).exclude(session_key__in=Session.objects.values("session_key")).delete()
    session[RECORDED_KEY] = key


def end_all_sessions(*, user_id: int) -> int:
    """Delete every stored session of this user; returns how many session rows were removed."""
    with transaction.atomic():
        keys = list(UserSession.objects.filter(user_id=user_id).values_list("session_key", flat=True))
        deleted, _ = Session.objects.filter(session_key__in=keys).delete()
        UserSession.objects.filter(user_id=user_id).delete()
    return deleted
