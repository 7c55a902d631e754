"""On PostgreSQL, refuse UPDATE and DELETE on the access log at the database level.

The application never updates or deletes an entry; this trigger makes sure no other code path (a
shell, a stray queryset, a cascade) can either. TRUNCATE is left to the table owner (test runs
empty tables with it); a truncated chain no longer verifies. SQLite, used only for development,
gets no trigger: the hash chain still reveals any edit there.
"""

from django.db import migrations

TABLE = "audit_accesslogentry"

CREATE = f"""
CREATE OR REPLACE FUNCTION audit_accesslogentry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_accesslogentry_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_accesslogentry_refuse_change();
"""

DROP = f"""
DROP TRIGGER IF EXISTS audit_accesslogentry_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_accesslogentry_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_access_log")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
