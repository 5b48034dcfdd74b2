"""Patient-reported outcome questionnaires: PHQ-9 (depression) and GAD-7 (anxiety)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models import Patient
from sessions.models.scheduling import TreatmentSession


class Instrument(models.TextChoices):
    PHQ9 = "phq9", "PHQ-9 (depression)"
    GAD7 = "gad7", "GAD-7 (anxiety)"


PHQ9_ITEMS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
    "or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
GAD7_ITEMS = (
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
)
ITEMS = {Instrument.PHQ9: PHQ9_ITEMS, Instrument.GAD7: GAD7_ITEMS}
ANSWERS = ((0, "Not at all"), (1, "Several days"), (2, "More than half the days"), (3, "Nearly every day"))
# (upper bound inclusive, band)
BANDS = {
    Instrument.PHQ9: ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately severe"), (27, "severe")),
    Instrument.GAD7: ((4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe")),
}


def band_for(instrument: str, total: int) -> str:
    for upper, name in BANDS[instrument]:
        if total <= upper:
            return name
    raise ValueError(f"{total} is out of range for {instrument}")


class Source(models.TextChoices):
    PORTAL = "portal", "Patient (portal)"
    STAFF = "staff", "Staff"


class OutcomeScore(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="outcome_scores")
    session = models.ForeignKey(
        TreatmentSession, null=True, blank=True, on_delete=models.PROTECT, related_name="outcome_scores"
    )
    instrument = models.CharField(max_length=5, choices=Instrument.choices)
    items = models.JSONField(help_text="Answers 0–3 in item order.")
    total = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=20)
    completed_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["completed_at", "pk"]
        indexes = [models.Index(fields=["patient", "instrument", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.total} ({self.band})"
