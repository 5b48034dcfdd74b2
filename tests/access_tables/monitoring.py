from . import CLINICAL, CLINICAL_POST, PATIENT_ONLY, Case, roles

S = {"kwargs": lambda w: {"pk": w.mon_session.pk}}
POST = Case(CLINICAL_POST, **S)

TABLE = {
    "session_detail": Case(CLINICAL, **S),
    "session_live": Case(CLINICAL, **S),
    "session_check_in": POST,
    "session_vitals": POST,
    "session_decision": POST,
    "session_defer": POST,
    "session_start_dosing": POST,
    "session_device": POST,
    "session_infusion_start": POST,
    "session_infusion_end": POST,
    "session_observe": POST,
    "session_check_round": POST,
    "session_moaas": POST,
    "session_cadss": POST,
    "session_adverse_event": POST,
    "session_ride_arrived": POST,
    "session_discharge": POST,
    "session_amend": POST,
    "session_dose_change": POST,
    "session_missed_check": POST,
    "course_dose_change": Case(CLINICAL, kwargs=lambda w: {"pk": w.mon_session.course_id}),
    "rems_form": Case(CLINICAL, **S),
    "rems_submit": POST,
    "alert_acknowledge": Case(CLINICAL_POST, kwargs=lambda w: {"pk": w.mon_alert.pk}),
    "monitor_board": Case(CLINICAL),
    "monitor_board_live": Case(CLINICAL),
    "rems_list": Case(CLINICAL),
    "lot_list": Case(CLINICAL),
    "lot_create": Case(CLINICAL_POST),
    "lot_detail": Case(CLINICAL, kwargs=lambda w: {"pk": w.mon_lot.pk}),
    "receipt_create": Case(CLINICAL_POST),
    "outcome_create": Case(CLINICAL, kwargs=lambda w: {"pk": w.patient_a.pk, "instrument": "phq9"}),
    "portal_questionnaires": Case(PATIENT_ONLY),
    "portal_questionnaire": Case(roles(patient_a=200, patient_b=200), kwargs=lambda w: {"instrument": "gad7"}),
}


def build(world) -> None:
    from sessions.monitoring.alerts import raise_alert
    from tests import factories as f
    from tests.factories_monitoring import DrugLotFactory

    course = f.CourseFactory(patient=world.patient_a)
    world.mon_session = f.TreatmentSessionFactory(course=course, number=2)
    world.mon_alert = raise_alert(
        patient=world.patient_a, session=world.mon_session, kind="spo2", message="SpO2 90% is below 92%.", by=None
    )
    world.mon_lot = DrugLotFactory(received_by=world.staff)
