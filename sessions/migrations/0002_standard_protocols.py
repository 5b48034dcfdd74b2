"""The three standard protocols every clinic starts with (data frozen in _frozen/protocols_0002.py)."""

from django.db import migrations

from sessions.migrations._frozen.protocols_0002 import install


def forwards(apps, schema_editor):
    install(apps.get_model("treatment", "Protocol"), apps.get_model("treatment", "ProtocolPhase"))


class Migration(migrations.Migration):
    dependencies = [("treatment", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
