"""Seed the one clinic settings row, so production never creates it on first use (ClinicSettings.load).

The row starts with the model's defaults; the admin edits it on the settings page. It is never deleted
(the admin offers no delete; treatment 0012 adds a database trigger refusing DELETE).
"""

from django.db import migrations


def seed(apps, schema_editor):
    ClinicSettings = apps.get_model("clinic", "ClinicSettings")
    if not ClinicSettings.objects.using(schema_editor.connection.alias).exists():
        ClinicSettings.objects.using(schema_editor.connection.alias).create()


class Migration(migrations.Migration):
    dependencies = [("clinic", "0003_security_user_sessions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
