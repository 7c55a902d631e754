"""``ResidentProfile`` and ``ApiToken`` move to the identity app (the resident's account).

State only: the tables and their rows stay; ``identity.0003`` takes the models over and renames the
tables, so existing settings and tokens survive the move.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dossier", "0001_resident_messages_rectifications_tokens"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ApiToken"),
                migrations.DeleteModel(name="ResidentProfile"),
            ],
            database_operations=[],
        ),
    ]
