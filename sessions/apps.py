from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models.signals import post_migrate


def install_standard_protocols(sender, using=DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    """Recreate any missing standard protocol after a flush, or a migrate that leaves the app complete.

    The data migration installs them once; a flush (tests, ``seed_demo --reset``) removes them, and
    Django sends post_migrate after a flush, so they come back here. After ``migrate`` (which passes
    ``plan``) the tables may be gone or older than the models (``migrate treatment zero``, or to any
    earlier migration): then there is nothing to restore, and the live models would not fit.
    """
    if plan is not None and not treatment_fully_migrated(sender.label, using):
        return
    from sessions.models import Protocol, ProtocolPhase
    from sessions.scheduling.protocols import install_protocols

    if router.allow_migrate_model(using, Protocol) and Protocol.objects.using(using).count() < 3:
        install_protocols(Protocol, ProtocolPhase, using=using)


def treatment_fully_migrated(label: str, using: str) -> bool:
    """Whether every migration of the app ``label`` is applied on the database ``using``."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    leaves = loader.graph.leaf_nodes(label)
    return bool(leaves) and all(leaf in loader.applied_migrations for leaf in leaves)


class TreatmentConfig(AppConfig):
    """The treatment domain: protocols, courses, sessions, readings, charges.

    Its label is ``treatment`` because ``sessions`` belongs to django.contrib.sessions.
    """

    name = "sessions"
    label = "treatment"
    verbose_name = "Treatment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sessions import receivers  # noqa: F401  (registers the panels each area adds to shared pages)

        post_migrate.connect(install_standard_protocols, sender=self, dispatch_uid="install_standard_protocols")
