"""URL patterns of the treatment domain: each role's home page, then one module per area."""

from django.urls import include, path

from sessions import home

urlpatterns = [
    path("today/", home.staff_home, name="staff_home"),
    path("clinic/", home.admin_home, name="admin_home"),
    path("portal/", home.portal_home, name="portal_home"),
    path("", include("sessions.scheduling.urls")),
    path("", include("sessions.monitoring.urls")),
    path("", include("sessions.outcomes.urls")),
    path("", include("sessions.billing.urls")),
]
