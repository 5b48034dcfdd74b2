"""Patients: create, validate, search, archive, invite to the portal, history."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.models import AccessLog, Patient, User
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Robin",
    "last_name": "Example",
    "date_of_birth": "1980-04-02",
    "sex": "F",
    "phone": "+1 555 0100 123",
    "email": "robin@example.org",
    "rems_status": "not_enrolled",
}


def test_staff_can_add_a_patient(staff_client):
    response = staff_client.post(reverse("patient_create"), VALID)
    patient = Patient.objects.get(last_name="Example")
    assert response.status_code == 302
    assert response["Location"] == patient.get_absolute_url()


def test_a_date_of_birth_in_the_future_is_refused_and_nothing_is_saved(staff_client):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = staff_client.post(reverse("patient_create"), {**VALID, "date_of_birth": tomorrow.isoformat()})
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not Patient.objects.filter(last_name="Example").exists()


@pytest.mark.parametrize(("field", "value"), [("phone", "call me"), ("email", "not-an-email"), ("phone", "12")])
def test_malformed_contact_details_are_refused(staff_client, field, value):
    response = staff_client.post(reverse("patient_create"), {**VALID, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Patient.objects.filter(last_name="Example").exists()


def test_an_enrolled_patient_needs_an_enrolment_date(staff_client):
    response = staff_client.post(reverse("patient_create"), {**VALID, "rems_status": "enrolled"})
    assert "Give the enrolment date" in response.content.decode()


def test_staff_find_a_patient_by_name(staff_client, cast):
    response = staff_client.get(reverse("patient_list"), {"q": "alpha"})
    names = [p.last_name for p in response.context["page"]]
    assert names == ["Alpha"]


def test_staff_find_a_patient_by_date_of_birth(staff_client, cast):
    dob = cast.patient_b.date_of_birth.isoformat()
    response = staff_client.get(reverse("patient_list"), {"q": dob})
    assert cast.patient_b in list(response.context["page"])


def test_the_patient_list_runs_the_same_queries_for_few_and_many_patients(staff_client, cast):
    staff_client.get(reverse("patient_list"))  # warm the session
    with CaptureQueriesContext(connection) as few:
        staff_client.get(reverse("patient_list"))
    f.PortalPatientFactory.create_batch(20)
    with CaptureQueriesContext(connection) as many:
        staff_client.get(reverse("patient_list"))
    assert len(many) == len(few)


def test_archiving_keeps_the_record_and_disables_the_portal_login(staff_client, cast):
    patient = cast.patient_a
    response = staff_client.post(reverse("patient_archive", args=[patient.pk]), {"reason": "Moved away"})
    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert response.status_code == 302
    assert patient.is_archived and patient.archived_reason == "Moved away"
    assert not patient.user.is_active


def test_archiving_needs_a_reason(staff_client, cast):
    staff_client.post(reverse("patient_archive", args=[cast.patient_a.pk]), {"reason": ""})
    cast.patient_a.refresh_from_db()
    assert not cast.patient_a.is_archived


def test_a_patient_with_upcoming_bookings_is_not_archived_and_is_told_why(cast):
    f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a), planned_start=timezone.now() + dt.timedelta(days=3)
    )
    response = client_for(cast.admin).post(
        f"/patients/{cast.patient_a.pk}/archive/", {"reason": "Moved away"}, follow=True
    )
    assert "upcoming booking" in response.content.decode()
    cast.patient_a.refresh_from_db()
    assert not cast.patient_a.is_archived


def test_a_patient_whose_bookings_are_all_past_can_be_archived(cast):
    f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a),
        planned_start=timezone.now() - dt.timedelta(days=3),
        status="discharged",
    )
    client_for(cast.admin).post(f"/patients/{cast.patient_a.pk}/archive/", {"reason": "Moved away"})
    cast.patient_a.refresh_from_db()
    assert cast.patient_a.is_archived


def test_a_patient_can_never_be_deleted(cast):
    with pytest.raises(ValidationError):
        cast.patient_a.delete()
    assert Patient.objects.filter(pk=cast.patient_a.pk).exists()


def test_an_archived_patient_is_hidden_from_the_list_unless_asked_for(staff_client, cast):
    staff_client.post(reverse("patient_archive", args=[cast.patient_a.pk]), {"reason": "Moved away"})
    default = staff_client.get(reverse("patient_list"))
    with_archived = staff_client.get(reverse("patient_list"), {"archived": "on"})
    assert cast.patient_a not in list(default.context["page"])
    assert cast.patient_a in list(with_archived.context["page"])


def test_the_patient_page_shows_who_changed_what(staff_client, cast):
    staff_client.post(
        reverse("patient_edit", args=[cast.patient_a.pk]),
        {**VALID, "first_name": "Ada", "last_name": "Alpha", "phone": "+1 555 0199 999"},
    )
    page = staff_client.get(reverse("patient_detail", args=[cast.patient_a.pk])).content.decode()
    assert "+1 555 0199 999" in page
    assert cast.staff.get_full_name() in page


def test_the_patient_page_shows_each_change_as_the_old_value_and_the_new(staff_client, cast):
    patient = cast.patient_a
    for phone in ("+1 555 0199 001", "+1 555 0199 002"):
        patient.phone = phone
        patient._history_user = cast.staff
        patient.save()
    page = staff_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert re.search(r"Phone: <del[^>]*>\+1 555 0199 001</del> → \+1 555 0199 002", page)


def _changes(patient, by, n):
    for i in range(n):
        patient.phone = f"+1 555 01{i:05d}"
        patient._history_user = by
        patient.save()


def test_the_patient_page_shows_the_latest_50_changes_and_links_to_the_older_ones(cast, staff_client):
    _changes(cast.patient_a, cast.staff, 60)
    response = staff_client.get(reverse("patient_detail", args=[cast.patient_a.pk]))
    assert response.status_code == 200
    assert len(response.context["history"]) == 50 and response.context["history_more"]
    page = response.content.decode()
    assert "the latest are shown here" in page
    assert f'href="/patients/{cast.patient_a.pk}/history/?page=2"' in page
    assert "/manage/audit/" not in page  # the audit log is for administrators


def test_an_admin_is_also_sent_to_the_patients_changes_in_the_audit_log(cast):
    _changes(cast.patient_a, cast.staff, 60)
    page = client_for(cast.admin).get(reverse("patient_detail", args=[cast.patient_a.pk])).content.decode()
    assert f'href="/manage/audit/?kind=changes&amp;patient=%23{cast.patient_a.pk}"' in page


def test_the_history_page_shows_the_older_changes_without_repeating_the_latest(cast, staff_client):
    _changes(cast.patient_a, cast.staff, 60)
    url = reverse("patient_history", args=[cast.patient_a.pk])
    first, second = staff_client.get(url), staff_client.get(url, {"page": 2})
    assert first.status_code == second.status_code == 200
    assert first.context["has_next"] and not second.context["has_next"]
    entries = [e for page in (first, second) for e in page.context["entries"]]
    phones = [c.new for e in entries for c in e.changes if c.field == "phone"]
    assert phones == [f"+1 555 01{i:05d}" for i in reversed(range(60))]
    assert entries[-1].action == "created"


def test_a_short_audit_trail_is_shown_whole_without_a_link(staff_client, cast):
    _changes(cast.patient_a, cast.staff, 3)
    response = staff_client.get(reverse("patient_detail", args=[cast.patient_a.pk]))
    assert response.status_code == 200
    assert not response.context["history_more"] and 'data-testid="history-more"' not in response.content.decode()


def test_opening_a_patient_record_is_logged_as_a_read(staff_client, cast):
    staff_client.get(reverse("patient_detail", args=[cast.patient_a.pk]))
    log = AccessLog.objects.get(patient=cast.patient_a)
    assert log.user == cast.staff and log.method == "GET"


def test_inviting_a_patient_creates_a_login_and_emails_a_link_that_sets_the_password(
    staff_client, django_capture_on_commit_callbacks
):
    patient = f.PatientFactory(email="new.patient@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("patient_invite", args=[patient.pk]),
            {"username": "new.patient", "email": "new.patient@example.org"},
        )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.user.username == "new.patient" and not patient.user.has_usable_password()
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    browser = Client()
    form_page = browser.get(link, follow=True)
    browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-long-Passphrase-42", "new_password2": "a-long-Passphrase-42"},
    )
    assert User.objects.get(pk=patient.user.pk).check_password("a-long-Passphrase-42")


def test_an_invitation_with_a_taken_username_is_refused_whatever_its_case(staff_client, cast):
    patient = f.PatientFactory()
    response = staff_client.post(
        reverse("patient_invite", args=[patient.pk]),
        {"username": cast.staff.username.upper(), "email": "x@example.org"},
    )
    assert "username is taken" in response.content.decode()
    patient.refresh_from_db()
    assert patient.user is None


def test_two_patients_read_one_after_the_other_each_see_only_their_own_changes(cast):
    """The trail's SQL is compiled once for every patient: the second read must not show the first's rows."""
    from clinic.audit import patient_history

    _changes(cast.patient_a, cast.staff, 3)
    cast.patient_b.phone = "+1 555 0177 777"
    cast.patient_b._history_user = cast.staff
    cast.patient_b.save()
    first, second = patient_history(cast.patient_a), patient_history(cast.patient_b)
    phones = [[c.new for e in trail for c in e.changes if c.field == "phone"] for trail in (first, second)]
    assert phones == [[f"+1 555 01{i:05d}" for i in reversed(range(3))], ["+1 555 0177 777"]]


def test_a_history_source_that_does_not_filter_on_the_patient_is_refused(cast):
    from django.core.exceptions import ImproperlyConfigured

    from clinic import audit
    from clinic.models import Chair

    audit._sources.append(lambda patient: [("Chair", Chair.history.all())])
    try:
        with pytest.raises(ImproperlyConfigured):
            audit.patient_history(cast.patient_a)
    finally:
        audit._sources.pop()
