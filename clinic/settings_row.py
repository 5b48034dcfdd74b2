"""The clinic settings row is seeded by migration clinic 0005 and never deleted (admin and a database trigger).

If it is missing anyway, production refuses to go on with defaults — that would silently reset every
threshold and fee — and says how to recover. Development, the tests (whose transactional runs empty the
database) and ``CLINIC_SETTINGS_CREATE_MISSING=1`` create a fresh row, with a warning in the log.
"""

from __future__ import annotations

import logging

from django.conf import settings

logger = logging.getLogger("clinic")


class ClinicSettingsMissing(RuntimeError):
    """The clinic settings row is gone in production."""


def create_missing_row(model):
    if not (settings.DEBUG or settings.TESTING or settings.CLINIC_SETTINGS_CREATE_MISSING):
        logger.error("Clinic settings row missing: refusing to start again from the defaults.")
        raise ClinicSettingsMissing(
            "The clinic settings row is missing. Restore it from the last backup, or set "
            "CLINIC_SETTINGS_CREATE_MISSING=1 once to start again from the default thresholds and fees."
        )
    logger.warning("Clinic settings row missing: created with the default thresholds and fees.")
    return model.objects.create()
