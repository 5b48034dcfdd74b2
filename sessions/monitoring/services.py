"""The monitoring area's public services for the live session, for pages and other areas.

One service function per state change or recorded reading; the code lives in one module per step:

- ``state``: lock, state checks and the audited save every step shares;
- ``checkin``: the check-in checklist and the ride's arrival;
- ``vitals``: readings, the pre-dose decision, deferral and the start of dosing;
- ``dosing``: devices and infusions, dosing → observing;
- ``observation``: MOAA/S and CADSS, adverse events, amendments;
- ``discharge`` (the gate and the signed record), ``alerts``, ``timeline``, ``rems`` and ``lots``
  have their own modules.

Readings are appended rows, so two nurses recording on the same session at once never overwrite each
other. A signed (discharged) record is read-only: corrections are amendments (``amendment_add``).
"""

from sessions.monitoring.checkin import (
    CHECKLIST_FIELDS,
    checkin_chair_choices,
    checkin_time_blocker,
    ride_arrived,
    session_check_in,
)
from sessions.monitoring.dosing import (
    administer_device,
    infusion_end,
    infusion_start,
    max_devices,
    session_start_observing,
)
from sessions.monitoring.observation import adverse_event_record, amendment_add, assessment_record
from sessions.monitoring.state import RECORDING_STATUSES, ensure_status, ensure_writable, lock
from sessions.monitoring.vitals import (
    decision_for,
    dosing_blockers,
    dosing_decision_record,
    latest_predose,
    predose_above_threshold,
    session_defer,
    session_start_dosing,
    vitals_record,
)

__all__ = [
    "CHECKLIST_FIELDS",
    "RECORDING_STATUSES",
    "administer_device",
    "adverse_event_record",
    "amendment_add",
    "assessment_record",
    "checkin_chair_choices",
    "checkin_time_blocker",
    "decision_for",
    "dosing_blockers",
    "dosing_decision_record",
    "ensure_status",
    "ensure_writable",
    "infusion_end",
    "infusion_start",
    "latest_predose",
    "lock",
    "max_devices",
    "predose_above_threshold",
    "ride_arrived",
    "session_check_in",
    "session_defer",
    "session_start_dosing",
    "session_start_observing",
    "vitals_record",
]
