from django.apps import AppConfig
from django.db.models.signals import post_migrate


def install_standard_protocols(sender, using="default", **kwargs) -> None:
    """Recreate any missing standard protocol after migrate or flush (never overwrites edits).

    The data migration installs them once; a flush (tests, ``seed_demo --reset``) removes them,
    and Django sends post_migrate after a flush, so they come back here.
    """
    from sessions.models import Protocol, ProtocolPhase
    from sessions.scheduling.protocols import install_protocols

    if Protocol.objects.using(using).count() < 3:
        install_protocols(Protocol, ProtocolPhase)


class TreatmentConfig(AppConfig):
    """The treatment domain: protocols, courses, sessions, readings, charges.

    Its label is ``treatment`` because ``sessions`` belongs to django.contrib.sessions.
    """

    name = "sessions"
    label = "treatment"
    verbose_name = "Treatment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sessions import receivers  # noqa: F401  (connects signal receivers)

        post_migrate.connect(install_standard_protocols, sender=self, dispatch_uid="install_standard_protocols")
