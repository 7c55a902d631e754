"""Names searched as they are stored: the search keys, filled for every person, and the index on them.

``given_name_key`` and ``family_name_key`` hold ``registry.names.name_search_key`` of the names (no
accents whatever their Unicode form, no apostrophes, punctuation as spaces, upper case), so that
"d’angelo maria" finds D'ANGELO MARIA. ``person_name_prefix_idx`` moves from UPPER(name) to the keys;
on PostgreSQL with ``text_pattern_ops`` so that LIKE 'ROSSI%' is an index range scan (see 0002).
Existing names are also stored in their clean form (NFC, one kind of apostrophe, single spaces).
"""

from django.db import migrations, models

from registry.names import clean_name, name_search_key

NAME = "person_name_prefix_idx"
CHUNK = 5000
SQL = {
    "postgresql": (
        f"CREATE INDEX {NAME} ON registry_person (family_name_key text_pattern_ops, given_name_key text_pattern_ops)"
    ),
    "sqlite": f"CREATE INDEX {NAME} ON registry_person (family_name_key, given_name_key)",
}
OLD_SQL = {
    "postgresql": (
        f"CREATE INDEX {NAME} ON registry_person "
        "(UPPER(family_name) text_pattern_ops, UPPER(given_name) text_pattern_ops)"
    ),
    "sqlite": f"CREATE INDEX {NAME} ON registry_person (UPPER(family_name), UPPER(given_name))",
}


def fill_keys(apps, schema_editor):
    """Every person's clean names and keys, a chunk of rows per UPDATE (1.4 million rows: minutes)."""
    Person = apps.get_model("registry", "Person")
    connection = schema_editor.connection
    rows = Person.objects.order_by("pk").values_list("pk", "given_name", "family_name").iterator(chunk_size=CHUNK)
    batch = []
    for pk, given, family in rows:
        given, family = clean_name(given), clean_name(family)
        batch.append((pk, given, family, name_search_key(given), name_search_key(family)))
        if len(batch) == CHUNK:
            _write(connection, Person, batch)
            batch = []
    if batch:
        _write(connection, Person, batch)


def _write(connection, Person, batch):
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE registry_person p SET given_name = v.given, family_name = v.family,
                       given_name_key = v.given_key, family_name_key = v.family_key
                FROM (VALUES {values}) AS v(id, given, family, given_key, family_key)
                WHERE p.id = v.id
                """,  # noqa: S608 -- placeholders only; the values are parameters
                [value for row in batch for value in row],
            )
        return
    people = [
        Person(pk=pk, given_name=given, family_name=family, given_name_key=given_key, family_name_key=family_key)
        for pk, given, family, given_key, family_key in batch
    ]
    Person.objects.bulk_update(people, ["given_name", "family_name", "given_name_key", "family_name_key"])


def swap_index(new, old):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor in new:
            schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}", params=None)
            schema_editor.execute(new[vendor], params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_field_verbose_names")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="family_name_key",
            field=models.CharField(default="", editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="person",
            name="given_name_key",
            field=models.CharField(default="", editable=False, max_length=100),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(swap_index(SQL, OLD_SQL), swap_index(OLD_SQL, SQL), elidable=False),
    ]
