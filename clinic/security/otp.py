"""Two-factor authentication with django-otp: TOTP apps plus single-use backup codes.

Staff and admins must use it when ``settings.REQUIRE_2FA`` is on (production default); anyone,
patients included, may turn it on. Wrong codes count as failed logins for django-axes (under the
key ``<username>:otp`` so a correct password cannot reset them) on top of django-otp's own
per-device back-off.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .user_sessions import remember_session

HAS_DEVICE = "_otp_has_device"
FRESH_CODES = "_otp_fresh_backup_codes"
BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def is_required_for(user) -> bool:
    return bool(settings.REQUIRE_2FA) and user.is_authenticated and user.is_clinical


def has_device(request: HttpRequest) -> bool:
    """Whether the logged-in user has a confirmed device; cached in the session (setup/disable refresh it)."""
    cached = request.session.get(HAS_DEVICE)
    if cached is None:
        cached = user_has_device(request.user, confirmed=True)
        request.session[HAS_DEVICE] = cached
    return cached


def refresh_has_device(request: HttpRequest) -> bool:
    request.session.pop(HAS_DEVICE, None)
    return has_device(request)


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed authenticator device being set up (the same one on every visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def qr_data_uri(text: str) -> str:
    """A QR code as a data: URI (CSP allows img-src data:; no inline SVG or style needed)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def secret_for_manual_entry(device: TOTPDevice) -> str:
    raw = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with fresh ones; returns them (shown once, stored as tokens)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def confirm_app_device(*, request: HttpRequest, token: str) -> list[str] | None:
    """Check the first code from the app; on success turn 2FA on and return new backup codes."""
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None or not device.verify_token(_clean(token)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = new_backup_codes(user)
    mark_verified(request, device)
    return codes


def backing_off(user, *, confirmed: bool = True) -> bool:
    """True while django-otp refuses codes after recent wrong ones (its delay doubles each time)."""
    return any(not d.verify_is_allowed()[0] for d in devices_for_user(user, confirmed=confirmed))


def turn_off(user) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def mark_verified(request: HttpRequest, device) -> None:
    """Persist the verified device in the session, with a new session key (no fixation across the step)."""
    otp_login(request, device)
    request.session.cycle_key()
    request.session[HAS_DEVICE] = True
    remember_session(request)


@dataclass
class VerifyResult:
    ok: bool
    locked: bool = False


def _axes_credentials(user) -> dict:
    return {"username": f"{user.get_username()}:otp"}


def _clean(token: str) -> str:
    return "".join(str(token).split()).lower()[:32]


def verify(*, request: HttpRequest, token: str) -> VerifyResult:
    """The second step after the password: a code from the app or a backup code."""
    user = request.user
    credentials = _axes_credentials(user)
    if settings.AXES_ENABLED and AxesProxyHandler.is_locked(request, credentials):
        return VerifyResult(ok=False, locked=True)
    token = _clean(token)
    matched = None
    if token:
        with transaction.atomic():
            for device in devices_for_user(user, confirmed=True, for_verify=True):
                if device.verify_token(token):
                    matched = device
                    break
    if matched is None:
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        locked = bool(getattr(request, "axes_locked_out", False)) or (
            settings.AXES_ENABLED and AxesProxyHandler.is_locked(request, credentials)
        )
        return VerifyResult(ok=False, locked=locked)
    if settings.AXES_ENABLED:
        AxesProxyHandler.reset_attempts(username=credentials["username"])
    mark_verified(request, matched)
    return VerifyResult(ok=True)
