"""Treatment models, one module per aggregate.

Later areas add modules here (monitoring, billing) and re-export them below.
"""

from .protocols import PhaseKind, Protocol, ProtocolPhase, Treatment
from .scheduling import (
    IN_CLINIC_STATUSES,
    RELEASED_STATUSES,
    TRANSITIONS,
    Course,
    CourseReview,
    CourseStatus,
    InvalidTransition,
    ReminderKind,
    ReviewDecision,
    Ride,
    RideKind,
    RideStatus,
    SentReminder,
    SessionStatus,
    TreatmentSession,
)

__all__ = [
    "IN_CLINIC_STATUSES",
    "TRANSITIONS",
    "InvalidTransition",
    "RELEASED_STATUSES",
    "Course",
    "CourseReview",
    "CourseStatus",
    "PhaseKind",
    "Protocol",
    "ProtocolPhase",
    "ReminderKind",
    "ReviewDecision",
    "Ride",
    "RideKind",
    "RideStatus",
    "SentReminder",
    "SessionStatus",
    "Treatment",
    "TreatmentSession",
]
