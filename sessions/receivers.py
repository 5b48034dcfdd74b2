"""Signal receivers and registrations of the treatment domain (imported by TreatmentConfig.ready)."""

from . import (  # noqa: F401  (imported for their registrations)
    billing,  # billing: charges at discharge and fees at release (signal receivers)
    billing_panels,  # billing: estimates, charges and authorisation warnings on shared pages
    history,  # registers the treatment audit trail on the patient page
    monitoring_panels,  # monitoring: outcome and BP charts, portal questionnaires, monitoring audit trail
    scheduling_panels,  # scheduling: courses and appointments on the patient page
    scheduling_receivers,  # scheduling: a completed phase awaits the prescriber's review
)
