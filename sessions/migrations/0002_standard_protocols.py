from django.db import migrations


def forwards(apps, schema_editor):
    from sessions.scheduling.protocols import install_protocols

    install_protocols(apps.get_model("treatment", "Protocol"), apps.get_model("treatment", "ProtocolPhase"))


class Migration(migrations.Migration):
    dependencies = [("treatment", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
