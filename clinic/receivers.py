"""Signal receivers of the clinic app (imported by ClinicConfig.ready)."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .security.session_keys import LAST_SEEN, LOGGED_IN_AT


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs) -> None:
    # Django has already rotated the session key; start the idle and absolute clocks afresh.
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGGED_IN_AT] = now
        request.session[LAST_SEEN] = now
