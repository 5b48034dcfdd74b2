"""URLs of live monitoring: the session page and its steps, the board, REMS, lots."""

from django.urls import path

from sessions.monitoring import views as v
from sessions.monitoring import views_actions as actions
from sessions.monitoring import views_records as records
from sessions.monitoring import views_titration as titration_views

urlpatterns = [
    path("sessions/<int:pk>/", v.session_detail, name="session_detail"),
    path("sessions/<int:pk>/live/", v.session_live, name="session_live"),
    path("sessions/<int:pk>/check-in/", actions.session_check_in, name="session_check_in"),
    path("sessions/<int:pk>/vitals/", actions.session_vitals, name="session_vitals"),
    path("sessions/<int:pk>/decision/", actions.session_decision, name="session_decision"),
    path("sessions/<int:pk>/defer/", actions.session_defer, name="session_defer"),
    path("sessions/<int:pk>/start-dosing/", actions.session_start_dosing, name="session_start_dosing"),
    path("sessions/<int:pk>/device/", actions.session_device, name="session_device"),
    path("sessions/<int:pk>/infusion/start/", actions.session_infusion_start, name="session_infusion_start"),
    path("sessions/<int:pk>/infusion/end/", actions.session_infusion_end, name="session_infusion_end"),
    path("sessions/<int:pk>/observe/", actions.session_observe, name="session_observe"),
    path("sessions/<int:pk>/round/", actions.session_check_round, name="session_check_round"),
    path("sessions/<int:pk>/moaas/", actions.session_moaas, name="session_moaas"),
    path("sessions/<int:pk>/cadss/", actions.session_cadss, name="session_cadss"),
    path("sessions/<int:pk>/adverse-event/", actions.session_adverse_event, name="session_adverse_event"),
    path("sessions/<int:pk>/ride-arrived/", actions.session_ride_arrived, name="session_ride_arrived"),
    path("sessions/<int:pk>/discharge/", actions.session_discharge, name="session_discharge"),
    path("sessions/<int:pk>/amend/", actions.session_amend, name="session_amend"),
    path("sessions/<int:pk>/dose/", titration_views.session_dose_change, name="session_dose_change"),
    path("sessions/<int:pk>/missed-check/", actions.session_missed_check, name="session_missed_check"),
    path("courses/<int:pk>/dose/", titration_views.course_dose_change, name="course_dose_change"),
    path("sessions/<int:pk>/rems/", records.rems_form, name="rems_form"),
    path("sessions/<int:pk>/rems/submit/", records.rems_submit, name="rems_submit"),
    path("alerts/<int:pk>/acknowledge/", actions.alert_acknowledge, name="alert_acknowledge"),
    path("monitor/", v.monitor_board, name="monitor_board"),
    path("monitor/live/", v.monitor_board_live, name="monitor_board_live"),
    path("rems/", records.rems_list, name="rems_list"),
    path("lots/", records.lot_list, name="lot_list"),
    path("lots/new/", records.lot_create, name="lot_create"),
    path("lots/<int:pk>/", records.lot_detail, name="lot_detail"),
    path("lots/receipts/new/", records.receipt_create, name="receipt_create"),
]
