"""PostgreSQL only: the IUV base sequence and a deferred check that transfers add up to the option.

A sequence never hands out the same value twice, even across rolled-back transactions, which is what
"a notice number is unique forever" needs. On SQLite (``make run``) ``NoticeCounter`` does the job.
"""

from django.db import migrations

SEQUENCE_SQL = "CREATE SEQUENCE IF NOT EXISTS payments_notice_base_seq MINVALUE 1 MAXVALUE 9999999999999 NO CYCLE"

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION payments_check_transfers_sum() RETURNS trigger AS $$
DECLARE
    target_option bigint;
    expected bigint;
    actual bigint;
BEGIN
    IF TG_TABLE_NAME = 'payments_transfer' THEN
        target_option := COALESCE(NEW.option_id, OLD.option_id);
    ELSE
        target_option := COALESCE(NEW.id, OLD.id);
    END IF;
    SELECT amount_cents INTO expected FROM payments_paymentoption WHERE id = target_option;
    IF NOT FOUND THEN
        RETURN NULL;  -- the option was deleted with its transfers
    END IF;
    SELECT COALESCE(SUM(amount_cents), 0) INTO actual FROM payments_transfer WHERE option_id = target_option;
    IF actual <> expected THEN
        RAISE EXCEPTION 'transfers of payment option % add up to % cents, not %', target_option, actual, expected
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER payments_transfer_sum
    AFTER INSERT OR UPDATE OR DELETE ON payments_transfer
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_check_transfers_sum();
CREATE CONSTRAINT TRIGGER payments_option_sum
    AFTER INSERT OR UPDATE OF amount_cents ON payments_paymentoption
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_check_transfers_sum();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS payments_transfer_sum ON payments_transfer;
DROP TRIGGER IF EXISTS payments_option_sum ON payments_paymentoption;
DROP FUNCTION IF EXISTS payments_check_transfers_sum();
DROP SEQUENCE IF EXISTS payments_notice_base_seq;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(SEQUENCE_SQL, params=None)
    schema_editor.execute(TRIGGER_SQL, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_debt_positions_notices_receipts_flows")]

    operations = [migrations.RunPython(forwards, backwards)]
