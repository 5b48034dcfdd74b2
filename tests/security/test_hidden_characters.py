"""Name fields refuse control and bidirectional-override characters (one validator, clinic/validators.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinic.models import Patient, User
from clinic.validators import no_hidden_characters
from sessions.models import Payer
from tests.clinic.test_patients import VALID

HIDDEN = ["Ada\u202eecnalab", "Ada\u2066x\u2069", "Ada\x00", "Ada\x1b[31m", "Ada\u200f", "Ada\r\nX"]


@pytest.mark.parametrize("value", HIDDEN)
def test_the_validator_refuses_control_and_direction_characters(value):
    with pytest.raises(ValidationError, match="hidden control or text-direction"):
        no_hidden_characters(value)


@pytest.mark.parametrize("value", ["Zoë O'Neil-Nguyễn", "محمد", "José María", "Ærøskøbing Hospital"])
def test_ordinary_names_in_any_script_pass(value):
    no_hidden_characters(value)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["first_name", "last_name", "emergency_contact_name", "usual_ride_name"])
def test_a_patient_name_with_a_bidi_override_is_a_form_error_and_nothing_is_saved(staff_client, field):
    response = staff_client.post(reverse("patient_create"), {**VALID, field: "Ada\u202eecnalab"})
    assert response.status_code == 200
    assert "hidden control" in " ".join(response.context["form"].errors[field])
    assert not Patient.objects.filter(last_name__startswith="Example").exists()


@pytest.mark.django_db
def test_a_staff_name_and_a_payer_name_refuse_them_too():
    from clinic.forms import StaffForm
    from sessions.billing.forms import PayerForm

    staff = StaffForm(
        data={
            "username": "x1",
            "first_name": "A\u202eb",
            "last_name": "B",
            "email": "x@example.org",
            "role": "staff",
            "is_active": True,
        }
    )
    assert "first_name" in staff.errors
    payer = PayerForm(data={"name": "=Acme\u202e", "kind": "commercial", "is_active": True})
    assert "name" in payer.errors
    assert not User.objects.filter(username="x1").exists() and not Payer.objects.exists()
