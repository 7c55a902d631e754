"""The PSP simulator becomes its own app (``psp_simulator``, installed only where it may run): its
table leaves the payments app, so production databases no longer have it. The simulator's carts are
throwaway demo data; the new app starts with an empty table (``psp_simulator.0001``)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_flow_revisions_outcomes"),
    ]

    operations = [
        migrations.DeleteModel(
            name="SimulatedCheckout",
        ),
    ]
