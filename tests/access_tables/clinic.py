from . import ADMIN, ADMIN_POST, CLINICAL, CLINICAL_POST, LOGIN, PUBLIC, Case, roles

TABLE = {
    "home": Case(roles(LOGIN, 302, 302, 302, 302, 302)),
    "healthz": Case(PUBLIC),
    "login": Case(roles(200, 302, 302, 302, 302, 302)),
    "logout": Case(roles(405, 405, 405, 405, 405, 405)),
    # After the idle time-out; someone still signed in is sent on to the page (home by default).
    "signed_out": Case(roles(200, 302, 302, 302, 302, 302)),
    "session_status": Case(PUBLIC),
    # The idle lock: only a locked staff session sees it; others are sent on (signed-out page or the page).
    "locked": Case(roles(302, 302, 302, 302, 302, 302)),
    "password_change": Case(roles(LOGIN, 200, 200, 200, 200, 200)),
    "password_change_done": Case(roles(LOGIN, 200, 200, 200, 200, 200)),
    "password_reset": Case(PUBLIC),
    "password_reset_done": Case(PUBLIC),
    "password_reset_confirm": Case(PUBLIC, kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}),
    "password_reset_complete": Case(PUBLIC),
    "patient_list": Case(CLINICAL),
    "patient_create": Case(CLINICAL),
    "patient_detail": Case(CLINICAL, kwargs=lambda w: {"pk": w.patient_a.pk}),
    "patient_history": Case(CLINICAL, kwargs=lambda w: {"pk": w.patient_a.pk}),
    "patient_edit": Case(CLINICAL, kwargs=lambda w: {"pk": w.patient_a.pk}),
    "patient_archive": Case(CLINICAL, kwargs=lambda w: {"pk": w.patient_a.pk}),
    "patient_restore": Case(CLINICAL_POST, kwargs=lambda w: {"pk": w.patient_a.pk}),
    "patient_invite": Case(CLINICAL, kwargs=lambda w: {"pk": w.patient_a.pk}),
    "staff_list": Case(ADMIN),
    "staff_create": Case(ADMIN),
    "staff_edit": Case(ADMIN, kwargs=lambda w: {"pk": w.staff.pk}),
    "chair_list": Case(ADMIN),
    "chair_create": Case(ADMIN),
    "chair_edit": Case(ADMIN, kwargs=lambda w: {"pk": w.chair.pk}),
    "clinic_settings": Case(ADMIN),
    "opening_hours": Case(ADMIN),
    "closure_list": Case(ADMIN),
    "closure_delete": Case(ADMIN_POST, kwargs=lambda w: {"pk": w.closure.pk}),
    "rota": Case(ADMIN),
    "shift_delete": Case(ADMIN_POST, kwargs=lambda w: {"pk": w.shift.pk}),
}


def build(world) -> None:
    from tests import factories as f

    world.chair = f.ChairFactory()
    world.shift = f.StaffShiftFactory(staff=world.staff)
    world.closure = f.ClosureFactory()
