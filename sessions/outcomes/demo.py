"""Demo outcomes: a patient who answered the PHQ-9 in the portal this morning with item 9 above 0, so the
staff see the same-day alert. (Past scores come with the monitoring history.)"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic.demo import DemoContext, register_demo_step
from sessions.models import Instrument, Source
from sessions.outcomes.services import outcome_record


@register_demo_step(35, "outcomes: a PHQ-9 from the portal with item 9 above 0")
def seed_outcomes(ctx: DemoContext) -> None:
    if ctx.patients and ctx.patients[0].user:
        outcome_record(
            patient=ctx.patients[0],
            by=ctx.patients[0].user,
            instrument=Instrument.PHQ9,
            items=[2, 2, 1, 2, 1, 1, 1, 0, 1],
            source=Source.PORTAL,
            completed_at=timezone.now() - dt.timedelta(hours=2),
        )
