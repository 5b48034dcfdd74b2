"""Signal receivers and registrations of the treatment domain (imported by TreatmentConfig.ready)."""

from . import history  # noqa: F401  (registers the treatment audit trail on the patient page)
