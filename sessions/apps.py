from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    """The treatment domain: protocols, courses, sessions, readings, charges.

    Its label is ``treatment`` because ``sessions`` belongs to django.contrib.sessions.
    """

    name = "sessions"
    label = "treatment"
    verbose_name = "Treatment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects signal receivers)
