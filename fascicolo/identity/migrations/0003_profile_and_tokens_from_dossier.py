"""The resident's settings and app tokens join the account they belong to.

The models come over from the dossier app (``dossier.0002`` let go of them in the state only): the
state takes them with their old tables, then ``AlterModelTable`` renames the tables, keeping every
row, id and index.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0002_login_event"),
        ("dossier", "0002_profile_and_tokens_move_to_identity"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100, verbose_name="nome")),
                        ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                        ("prefix", models.CharField(editable=False, max_length=12, verbose_name="inizio del token")),
                        ("loa", models.PositiveSmallIntegerField(verbose_name="livello di garanzia")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="creato il")),
                        ("expires_at", models.DateTimeField(verbose_name="scade il")),
                        ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revocato il")),
                        ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="ultimo uso")),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "token dell'app",
                        "verbose_name_plural": "token dell'app",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "dossier_apitoken",
                    },
                ),
                migrations.CreateModel(
                    name="ResidentProfile",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "email",
                            models.EmailField(blank=True, max_length=254, verbose_name="email di contatto verificata"),
                        ),
                        (
                            "email_verified_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="verificata il"),
                        ),
                        (
                            "pending_email",
                            models.EmailField(blank=True, max_length=254, verbose_name="email in attesa di verifica"),
                        ),
                        (
                            "pending_email_sent_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="link inviato il"),
                        ),
                        (
                            "digital_notices",
                            models.BooleanField(
                                default=False,
                                help_text="Avvisi di pagamento per email invece che su carta",
                                verbose_name="avvisi digitali",
                            ),
                        ),
                        (
                            "language",
                            models.CharField(
                                choices=[("it", "Italiano"), ("en", "English")],
                                default="it",
                                max_length=8,
                                verbose_name="lingua",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="resident_profile",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "impostazioni del cittadino",
                        "verbose_name_plural": "impostazioni dei cittadini",
                        "db_table": "dossier_residentprofile",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="apitoken", table=None),
        migrations.AlterModelTable(name="residentprofile", table=None),
    ]
