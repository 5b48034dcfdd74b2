"""Password-reset requests and form idempotency keys (clinic/security); patient names refuse hidden characters.

Numbered 0005 like the settings-row migration it follows (the numbers assigned to this work).
"""

import clinic.models
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0004_places_closures_chair_capabilities_checkin_window"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Names refuse control and bidirectional-override characters (clinic/validators.py).
        migrations.AlterField(
            model_name='historicalpatient',
            name='emergency_contact_name',
            field=models.CharField(blank=True, max_length=120, validators=[clinic.models.NoHiddenCharacters()]),
        ),
        migrations.AlterField(
            model_name='historicalpatient',
            name='first_name',
            field=models.CharField(max_length=80, validators=[clinic.models.NoHiddenCharacters()]),
        ),
        migrations.AlterField(
            model_name='historicalpatient',
            name='last_name',
            field=models.CharField(max_length=80, validators=[clinic.models.NoHiddenCharacters()]),
        ),
        migrations.AlterField(
            model_name='historicalpatient',
            name='usual_ride_name',
            field=models.CharField(blank=True, max_length=120, validators=[clinic.models.NoHiddenCharacters()], verbose_name='usual ride home (name)'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='emergency_contact_name',
            field=models.CharField(blank=True, max_length=120, validators=[clinic.models.NoHiddenCharacters()]),
        ),
        migrations.AlterField(
            model_name='patient',
            name='first_name',
            field=models.CharField(max_length=80, validators=[clinic.models.NoHiddenCharacters()]),
        ),
        migrations.AlterField(
            model_name='patient',
            name='last_name',
            field=models.CharField(max_length=80, validators=[clinic.models.NoHiddenCharacters()]),
        ),
        migrations.AlterField(
            model_name='patient',
            name='usual_ride_name',
            field=models.CharField(blank=True, max_length=120, validators=[clinic.models.NoHiddenCharacters()], verbose_name='usual ride home (name)'),
        ),
        # Password-reset requests, counted for the per-address and per-client limits.
        migrations.CreateModel(
            name='PasswordResetRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('address_hash', models.CharField(max_length=64)),
                ('client', models.GenericIPAddressField(blank=True, null=True)),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
            options={
                'indexes': [models.Index(fields=['address_hash', 'at'], name='clinic_pass_address_e9428f_idx'), models.Index(fields=['client', 'at'], name='clinic_pass_client_e2daa0_idx')],
            },
        ),
        # Idempotency keys of submitted forms (clinic/idempotency.py).
        migrations.CreateModel(
            name='FormSubmission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64)),
                ('result_url', models.CharField(blank=True, max_length=300)),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='formsubmission_once_per_user_key')],
            },
        ),
    ]
