"""Signal receivers of the security package (connected from ClinicConfig.ready)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver
from django_otp import user_has_device

from . import otp
from .user_sessions import end_all_sessions, remember_session


@receiver(user_logged_in, dispatch_uid="security_remember_session")
def _remember_session(sender, request, user, **kwargs) -> None:
    # Django has already rotated the session key; remember the new one for this user.
    if request is not None:
        remember_session(request, user)
        if hasattr(request, "session"):
            # Known from the start, so pages never pay for the device lookup.
            request.session[otp.HAS_DEVICE] = user_has_device(user, confirmed=True)


@receiver(user_logged_out, dispatch_uid="security_end_sessions_at_logout")
def _end_sessions_at_logout(sender, request, user, **kwargs) -> None:
    # Logging out anywhere ends the user's sessions everywhere (tablet, desk, phone).
    if user is not None and user.pk is not None:
        end_all_sessions(user_id=user.pk)


@receiver(post_save, sender=get_user_model(), dispatch_uid="security_end_sessions_on_deactivation")
def _end_sessions_on_deactivation(sender, instance, **kwargs) -> None:
    if not instance.is_active and instance.pk is not None:
        end_all_sessions(user_id=instance.pk)
