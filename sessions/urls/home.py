from django.urls import path

from ..views import home

urlpatterns = [
    path("today/", home.staff_home, name="staff_home"),
    path("clinic/", home.admin_home, name="admin_home"),
    path("portal/", home.portal_home, name="portal_home"),
]
