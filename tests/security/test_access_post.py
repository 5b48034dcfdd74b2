"""The access matrix for writes: every URL POSTed by every role, object ownership (patient B on
patient A's objects is 404 and changes nothing), and field tampering (extra fields a user may not
set are ignored) on every form the pages show."""

from __future__ import annotations

import pytest
from django.test import Client

from clinic.models import Patient, User
from tests.access_tables import LOGIN, ROLES
from tests.conftest import client_for

from .walk import build_world, changed_tables, db_state, discover_forms, table_urls

SKIP_POST = {"logout"}  # ends the session by design; tested in test_sessions


def _refused(expected, response) -> str | None:
    """Why a POST answer is wrong for a role refused on GET (None when it is right)."""
    status = response.status_code
    if expected == LOGIN:
        ok = status == 405 or (status == 302 and response["Location"].startswith("/accounts/login/"))
    elif expected == 403:
        ok = status in (403, 405)
    elif expected == 404:
        ok = status in (404, 405)
    else:
        return None
    return None if ok else f"expected {expected}, got {status}"


def _post_all(targets, user, data) -> tuple[list[str], list[str]]:
    """POST to each URL; one database snapshot around the whole run, per URL only when it changed."""
    clients = {url: client_for(user) for _name, url, _check in targets}  # logins write last_login first
    before = db_state()
    wrong = []
    for name, url, check in targets:
        problem = check(clients[url].post(url, data))
        if problem:
            wrong.append(f"{name} {url}: {problem}")
    changed = changed_tables(before, db_state())
    if changed:  # find the culprit(s)
        for name, url, _check in targets:
            client = client_for(user)
            snap = db_state()
            client.post(url, data)
            if culprits := changed_tables(snap, db_state()):
                wrong.append(f"{name} {url}: changed {', '.join(culprits)}")
    return wrong, changed


@pytest.mark.parametrize("role", ROLES)
def test_a_role_refused_a_page_is_refused_a_post_to_it_and_nothing_changes(cast, role):
    world = build_world(cast)
    user = None if role == "anon" else cast.users[role]
    targets = [
        (name, url, lambda r, e=case.expect[role]: _refused(e, r))
        for name, url, case in table_urls(world)
        if name not in SKIP_POST and case.expect[role] in (LOGIN, 403, 404)
    ]
    wrong, changed = _post_all(targets, user, {"role": "admin", "is_prescriber": "on", "status": "cancelled"})
    assert not wrong and not changed, f"{role}: changed {changed}\n" + "\n".join(wrong)


def test_patient_b_gets_404_for_every_post_on_patient_as_objects_and_nothing_changes(cast):
    """Object ownership for POST-only portal endpoints (GET answers 405 to both patients there)."""
    world = build_world(cast)
    targets = [
        (name, url, lambda r: None if r.status_code in (404, 405) else f"got {r.status_code}")
        for name, url, case in table_urls(world)
        if name not in SKIP_POST
        and any(isinstance(v, int) for v in case.kwargs(world).values())
        and case.expect["patient_a"] in (200, 405)
    ]
    assert targets
    wrong, changed = _post_all(targets, cast.patient_b.user, {"kind": "family", "confirm": "on"})
    assert not wrong and not changed, f"changed {changed}\n" + "\n".join(wrong)


def test_every_patient_facing_object_url_is_404_for_the_other_patient_on_get(cast):
    """The table itself must say so: patient A's objects are 404 (or 405) for patient B."""
    world = build_world(cast)
    wrong = [
        name
        for name, _url, case in table_urls(world)
        if any(isinstance(v, int) for v in case.kwargs(world).values())
        and case.expect["patient_a"] == 200
        and case.expect["patient_b"] not in (404, 405)
    ]
    assert not wrong, f"patient B must get 404 for patient A's objects: {wrong}"


TAMPER_USER = {"role": "admin", "is_prescriber": "on", "is_staff": "on", "is_superuser": "on", "is_active": "on"}


def _tamper_fields(form, world) -> dict:
    extra = dict(TAMPER_USER)
    for name in ("patient", "patient_id", "patient_pk"):
        extra[name] = str(world.patient_b.pk)
    for name in ("user", "user_id", "owner", "created_by", "by"):
        extra[name] = str(world.admin.pk)
    return {k: v for k, v in extra.items() if k not in form.fields}


def _user_flags(user) -> tuple:
    u = User.objects.get(pk=user.pk)
    return (u.role, u.is_prescriber, u.is_staff, u.is_superuser, u.is_active)


def _owners() -> dict[tuple[str, object], object]:
    """(model, pk) -> patient id for every row that belongs to a patient."""
    from django.apps import apps

    owners = {}
    for model in apps.get_models():
        if model._meta.label_lower in ("clinic.accesslog",) or "historical" in model._meta.model_name:
            continue
        names = {f.attname for f in model._meta.concrete_fields}
        if "patient_id" in names:
            for pk, pid in model.objects.values_list("pk", "patient_id"):
                owners[(model._meta.label, pk)] = pid
        if model is Patient:
            for pk, uid in Patient.objects.values_list("pk", "user_id"):
                owners[("user-of-patient", pk)] = uid
    return owners


@pytest.mark.parametrize("role", ["patient_a", "staff", "prescriber"])
def test_tampered_fields_on_every_form_change_nothing_they_name(cast, role):
    world = build_world(cast)
    user = cast.users[role]
    forms = discover_forms(world, {role: user})
    assert forms, "no forms found: the walker is broken"
    wrong = []
    for (_role, key), form in sorted(forms.items()):
        if form.method != "post":
            continue
        client = client_for(user)
        flags = _user_flags(user)
        owners = _owners()
        data = {**form.valid_looking_data(), **_tamper_fields(form, world)}
        response = client.post(form.action, data)
        if response.status_code >= 500:
            wrong.append(f"{key}: {response.status_code}")
        if _user_flags(user) != flags:
            wrong.append(f"{key}: the user's own role or flags changed")
        after = _owners()
        moved = [k for k, pid in owners.items() if k in after and after[k] != pid]
        new_for_b = [
            k for k, pid in after.items() if k not in owners and pid == world.patient_b.pk and role == "patient_a"
        ]
        if moved or new_for_b:
            wrong.append(f"{key}: ownership changed {moved} {new_for_b}")
    assert not wrong, f"{role} ({len(forms)} forms):\n" + "\n".join(wrong)


def test_a_patient_cannot_confirm_a_ride_on_another_patients_appointment(cast):
    world = build_world(cast)
    ride = world.booking.ride
    before = (ride.driver_name, ride.status)
    response = client_for(cast.patient_b.user).post(
        f"/portal/appointments/{world.booking.pk}/ride/",
        {"kind": "family", "driver_name": "Mallory", "driver_phone": "+1 555 0100 999", "confirm": "on"},
    )
    ride.refresh_from_db()
    assert response.status_code == 404
    assert (ride.driver_name, ride.status) == before


def test_a_patient_posting_a_ride_cannot_move_it_to_another_session_or_patient(cast):
    world = build_world(cast)
    session = world.booking
    client_for(cast.patient_a.user).post(
        f"/portal/appointments/{session.pk}/ride/",
        {
            "kind": "family",
            "driver_name": "Sam Driver",
            "driver_phone": "+1 555 0100 222",
            "session": "999999",
            "patient": str(cast.patient_b.pk),
            "status": "confirmed",
        },
    )
    session.refresh_from_db()
    assert session.patient_id == cast.patient_a.pk
    assert session.ride.session_id == session.pk


def test_staff_posting_role_and_prescriber_to_the_patient_form_change_no_user(cast, staff_client):
    before = _user_flags(cast.staff)
    page = staff_client.get(f"/patients/{cast.patient_a.pk}/edit/")
    form = page.context["form"]
    data = {n: form[n].value() for n in form.fields if form[n].value() not in (None, False)}
    data.update(TAMPER_USER, user=str(cast.admin.pk), calendar_token="stolen")
    staff_client.post(f"/patients/{cast.patient_a.pk}/edit/", data)
    cast.patient_a.refresh_from_db()
    assert _user_flags(cast.staff) == before
    assert cast.patient_a.user_id != cast.admin.pk
    assert cast.patient_a.calendar_token != "stolen"


def test_a_post_without_the_csrf_token_is_refused(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin)
    build_world(cast)
    before = db_state()
    response = client.post("/manage/chairs/new/", {"name": "Sneaky chair"})
    assert response.status_code == 403
    assert changed_tables(before, db_state()) == []
