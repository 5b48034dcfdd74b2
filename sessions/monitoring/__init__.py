"""Live monitoring: the session state machine (``state``), check-in (``checkin``), vitals and the pre-dose
decision (``vitals``), dosing (``dosing``), the observation clock (``timeline``), assessments, adverse
events and amendments (``observation``), alerts (``alerts``), the discharge gate (``discharge``), the
REMS Patient Monitoring Form (``rems``), lots and the controlled-substance log (``lots``)."""
