"""Shared fixtures: the cast of users (anonymous, two patients, staff, prescriber, admin)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from . import factories as f


@dataclass
class Cast:
    patient_a: object
    patient_b: object
    staff: object
    prescriber: object
    admin: object

    @property
    def users(self) -> dict:
        return {
            "patient_a": self.patient_a.user,
            "patient_b": self.patient_b.user,
            "staff": self.staff,
            "prescriber": self.prescriber,
            "admin": self.admin,
        }


@pytest.fixture
def cast(db) -> Cast:
    return Cast(
        patient_a=f.PortalPatientFactory(first_name="Ada", last_name="Alpha"),
        patient_b=f.PortalPatientFactory(first_name="Ben", last_name="Beta"),
        staff=f.StaffFactory(username="nurse_t"),
        prescriber=f.PrescriberFactory(username="prescriber_t"),
        admin=f.AdminFactory(username="admin_t"),
    )


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def staff_client(cast) -> Client:
    return client_for(cast.staff)


@pytest.fixture
def prescriber_client(cast) -> Client:
    return client_for(cast.prescriber)


@pytest.fixture
def admin_client_(cast) -> Client:
    return client_for(cast.admin)


@pytest.fixture
def patient_a_client(cast) -> Client:
    return client_for(cast.patient_a.user)


@pytest.fixture
def patient_b_client(cast) -> Client:
    return client_for(cast.patient_b.user)
