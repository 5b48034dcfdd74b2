"""The admin's audit search; the two-factor pages live under /accounts/ (clinic.urls_accounts)."""

from django.urls import path

from . import views

urlpatterns = [
    path("manage/audit/", views.audit_log, name="audit_log"),
]
