from django.db import migrations, models
from django.db.models.functions import Coalesce


class Migration(migrations.Migration):
    """The REMS list's index: discharged sessions by REMS day (discharge, else planned start), with the course;
    the cost-per-course report's: a period's session charges with their sums, and each session's course."""

    dependencies = [
        ("treatment", "0020_billing_report_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="treatmentsession",
            index=models.Index(
                models.F("status"),
                Coalesce("discharged_at", "planned_start"),
                models.F("course"),
                name="session_rems_day_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="charge",
            index=models.Index(
                fields=["kind", "service_date", "session", "total", "patient_part"], name="charge_kind_period_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="treatmentsession",
            index=models.Index(fields=["id", "course"], name="session_id_course_idx"),
        ),
    ]
