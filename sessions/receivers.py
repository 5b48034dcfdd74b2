"""Registrations of the treatment domain (imported by TreatmentConfig.ready): the panels each area adds
to shared pages and the treatment audit trail on the patient page. Consequences of a step (a charge at
discharge, a fee at cancellation, the course awaiting review) are called directly by the services."""

from sessions import history  # noqa: F401
from sessions.billing import panels as billing_panels  # noqa: F401
from sessions.monitoring import panels as monitoring_panels  # noqa: F401
from sessions.outcomes import panels as outcomes_panels  # noqa: F401
from sessions.scheduling import panels as scheduling_panels  # noqa: F401
