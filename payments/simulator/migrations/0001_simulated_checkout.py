"""The PSP simulator's memory of the carts it was handed (before: ``payments.SimulatedCheckout``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SimulatedCheckout",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("id_cart", models.CharField(max_length=64, unique=True)),
                ("cart", models.JSONField()),
                ("status", models.CharField(default="open", max_length=12)),
                ("receipts", models.JSONField(default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "carrello del simulatore PSP",
                "verbose_name_plural": "carrelli del simulatore PSP",
            },
        ),
    ]
