"""URLs of the outcome questionnaires."""

from django.urls import path

from sessions.outcomes import views as v

urlpatterns = [
    path("patients/<int:pk>/outcomes/<str:instrument>/", v.outcome_create, name="outcome_create"),
    path("portal/questionnaires/", v.portal_questionnaires, name="portal_questionnaires"),
    path("portal/questionnaires/<str:instrument>/", v.portal_questionnaire, name="portal_questionnaire"),
]
