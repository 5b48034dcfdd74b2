from django.contrib import admin
from django.urls import include, path

from . import views, views_places

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("clinic.urls_accounts")),
    path("patients/", views.patient_list, name="patient_list"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/<int:pk>/", views.patient_detail, name="patient_detail"),
    path("patients/<int:pk>/history/", views.patient_history_page, name="patient_history"),
    path("patients/<int:pk>/edit/", views.patient_edit, name="patient_edit"),
    path("patients/<int:pk>/archive/", views.patient_archive, name="patient_archive"),
    path("patients/<int:pk>/restore/", views.patient_restore, name="patient_restore"),
    path("patients/<int:pk>/invite/", views.patient_invite, name="patient_invite"),
    path("manage/staff/", views.staff_list, name="staff_list"),
    path("manage/staff/new/", views.staff_edit, name="staff_create"),
    path("manage/staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("manage/chairs/", views.chair_list, name="chair_list"),
    path("manage/chairs/new/", views.chair_edit, name="chair_create"),
    path("manage/chairs/<int:pk>/", views.chair_edit, name="chair_edit"),
    path("manage/settings/", views.clinic_settings, name="clinic_settings"),
    path("manage/hours/", views.opening_hours, name="opening_hours"),
    path("manage/closures/", views_places.closure_list, name="closure_list"),
    path("manage/closures/<int:pk>/delete/", views_places.closure_delete, name="closure_delete"),
    path("manage/rota/", views.rota, name="rota"),
    path("manage/rota/<int:pk>/delete/", views.shift_delete, name="shift_delete"),
    path("django-admin/", admin.site.urls),
    path("", include("clinic.security.urls")),
    path("", include("sessions.urls")),
]

handler403 = "clinic.errors.permission_denied"
handler404 = "clinic.errors.page_not_found"
handler500 = "clinic.errors.server_error"
