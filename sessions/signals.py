"""Domain events other parts of the treatment domain listen to."""

from django.dispatch import Signal

# Sent inside the discharge transaction, after the session is saved as discharged.
# Arguments: session, by (the user who discharged). Billing creates the charge from it.
session_discharged = Signal()

# Sent inside the transaction when a session is cancelled or marked no-show.
# Arguments: session, by, late (bool: cancellation inside the late-cancel window).
session_released = Signal()
