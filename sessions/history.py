"""What the treatment domain adds to a patient's audit trail."""

from clinic.audit import register_patient_history
from sessions.models import Course, Ride, TreatmentSession


@register_patient_history
def treatment_history(patient):
    yield "Course", Course.history.filter(patient_id=patient.pk)
    yield "Session", TreatmentSession.history.filter(patient_id=patient.pk)
    yield (
        "Ride",
        Ride.history.filter(session_id__in=TreatmentSession.objects.filter(patient_id=patient.pk).values("pk")),
    )
