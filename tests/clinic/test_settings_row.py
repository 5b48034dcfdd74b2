"""The clinic settings row cannot be deleted, and production never silently starts again from defaults."""

from __future__ import annotations

import logging

import pytest
from django.contrib import admin

from clinic.models import ClinicSettings
from clinic.settings_row import ClinicSettingsMissing
from sessions.datasafety import maintenance
from tests import factories as f
from tests.conftest import client_for


def remove_the_row() -> None:
    with maintenance():  # on PostgreSQL the trigger refuses it otherwise (tests/datasafety/test_roles.py)
        ClinicSettings.objects.all().delete()


def test_the_admin_offers_no_way_to_delete_the_settings_row(db):
    row = ClinicSettings.load()
    superuser = f.AdminFactory(is_staff=True, is_superuser=True)
    assert admin.site._registry[ClinicSettings].has_delete_permission(None, row) is False
    response = client_for(superuser).post(f"/django-admin/clinic/clinicsettings/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code in (302, 403)
    assert ClinicSettings.objects.filter(pk=row.pk).exists()


def test_production_refuses_to_recreate_a_missing_settings_row_with_defaults(db, settings, caplog):
    remove_the_row()
    settings.DEBUG = settings.TESTING = settings.CLINIC_SETTINGS_CREATE_MISSING = False
    with caplog.at_level(logging.ERROR, logger="clinic"), pytest.raises(ClinicSettingsMissing, match="backup"):
        ClinicSettings.load()
    assert not ClinicSettings.objects.exists()
    assert "refusing" in caplog.text


def test_an_operator_may_deliberately_start_again_from_the_defaults(db, settings, caplog):
    remove_the_row()
    settings.DEBUG = settings.TESTING = False
    settings.CLINIC_SETTINGS_CREATE_MISSING = True
    with caplog.at_level(logging.WARNING, logger="clinic"):
        row = ClinicSettings.load()
    assert ClinicSettings.objects.get() == row
    assert "created with the default" in caplog.text
