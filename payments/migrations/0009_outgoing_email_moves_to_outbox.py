"""The payments' emails move to the portal's outbox (``fascicolo.outbox``), which every app shares:
the rows waiting or sent are copied with their keys (``notice:<position id>``, ``receipt:<receipt id>``),
so an email sent before the move is never sent again."""

from django.db import migrations

COPY = """
INSERT INTO outbox_outgoingemail (kind, key, object_id, created_at, queued_at, claimed_at, sent_at, error)
SELECT kind, key, COALESCE(position_id, receipt_id), created_at, queued_at, claimed_at, sent_at, error
FROM payments_outgoingemail
WHERE COALESCE(position_id, receipt_id) IS NOT NULL
ON CONFLICT (key) DO NOTHING
"""

COPY_BACK = """
INSERT INTO payments_outgoingemail (kind, key, position_id, receipt_id, created_at, queued_at, claimed_at, sent_at, error)
SELECT kind, key,
       CASE WHEN kind = 'notice' THEN object_id END, CASE WHEN kind = 'receipt' THEN object_id END,
       created_at, queued_at, claimed_at, sent_at, error
FROM outbox_outgoingemail
WHERE kind IN ('notice', 'receipt')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0008_pdf_files_notices_receipts"),
        ("outbox", "0001_outgoing_email"),
    ]

    operations = [
        migrations.RunSQL(COPY, COPY_BACK),
        migrations.RemoveIndex(model_name="outgoingemail", name="payments_email_waiting"),
        migrations.DeleteModel(name="OutgoingEmail"),
    ]
