"""The billing area's public services, for pages and other areas (one import, one name per rule).

The code lives in one module per job:

- ``pricing``: prices, coverage, who pays which part, estimates before a session;
- ``charges``: the charge of a discharged session and the fee of a no-show or late cancellation;
- ``ledger``: balances and the oldest-first allocation of payments (computed, never stored);
- ``payments``: payments, refunds and adjustments;
- ``plans``: payment plans; ``authorisations``: prior authorisations; ``codes``: billing codes.

Every write runs in ``transaction.atomic()`` with the patient row locked, checks the current state,
names the actor in the audit trail and raises ``ValidationError`` with a message for the user.
"""

from sessions.billing.charges import charge_release_fee, charge_session, lock_patient
from sessions.billing.ledger import (
    ChargeRow,
    Ledger,
    allocate_oldest_first,
    balances_by_patient,
    patient_balance,
    patient_ledger,
)
from sessions.billing.payments import adjustment_record, payment_record, positive_amount, refund_record
from sessions.billing.pricing import (
    CENT,
    MONEY,
    ZERO,
    Estimate,
    Pricing,
    Split,
    clinic_currency,
    coverage_in_force,
    estimate_for_session,
    estimates_for_sessions,
    local_day,
    pick_coverage,
    pick_price,
    split_cost,
    to_cents,
)

__all__ = [
    "CENT",
    "MONEY",
    "ZERO",
    "ChargeRow",
    "Estimate",
    "Ledger",
    "Pricing",
    "Split",
    "adjustment_record",
    "allocate_oldest_first",
    "balances_by_patient",
    "charge_release_fee",
    "charge_session",
    "clinic_currency",
    "coverage_in_force",
    "estimate_for_session",
    "estimates_for_sessions",
    "local_day",
    "lock_patient",
    "patient_balance",
    "patient_ledger",
    "payment_record",
    "pick_coverage",
    "pick_price",
    "positive_amount",
    "refund_record",
    "split_cost",
    "to_cents",
]
