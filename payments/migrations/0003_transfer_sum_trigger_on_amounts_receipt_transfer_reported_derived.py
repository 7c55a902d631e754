"""The transfer-sum check fires only when an amount or an option changes, not on status updates:
reconciliation marks hundreds of thousands of transfers REPORTED at once."""

from django.db import migrations

FORWARD = """
DROP TRIGGER IF EXISTS payments_transfer_sum ON payments_transfer;
CREATE CONSTRAINT TRIGGER payments_transfer_sum
    AFTER INSERT OR DELETE OR UPDATE OF amount_cents, option_id ON payments_transfer
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_check_transfers_sum();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS payments_transfer_sum ON payments_transfer;
CREATE CONSTRAINT TRIGGER payments_transfer_sum
    AFTER INSERT OR UPDATE OR DELETE ON payments_transfer
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_check_transfers_sum();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_notice_sequence_and_transfer_sum_trigger")]

    operations = [
        migrations.RunPython(forwards, backwards),
        # Whether a receipt transfer was reported is read from the flow lines that point at it.
        migrations.RemoveField(model_name="receipttransfer", name="reported"),
    ]
