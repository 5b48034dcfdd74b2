"""Registrations of the treatment domain (imported by TreatmentConfig.ready)."""

from sessions import history  # noqa: F401  (the treatment audit trail on the patient page)
from sessions.billing import panels as billing_panels  # noqa: F401  (estimates, charges, authorisations)
from sessions.billing import services as billing  # noqa: F401  (charges at discharge and fees at release)
from sessions.monitoring import panels as monitoring_panels  # noqa: F401  (outcome and BP charts, questionnaires)
from sessions.scheduling import panels as scheduling_panels  # noqa: F401  (courses and appointments)
from sessions.scheduling import receivers as scheduling_receivers  # noqa: F401  (a finished phase awaits review)
