"""The index behind the clerks' name search: a prefix LIKE on UPPER(family_name), UPPER(given_name).

On PostgreSQL the columns use ``text_pattern_ops``: the database's collation (C.UTF-8, it_IT…)
orders a plain btree in a way LIKE 'ROSSI%' cannot range-scan. SQLite (development only) has no
operator classes and gets the plain expression index. The index lives outside the model state, so
it is created and dropped here for each vendor.
"""

from django.db import migrations

NAME = "person_name_prefix_idx"
SQL = {
    "postgresql": (
        f"CREATE INDEX {NAME} ON registry_person "
        "(UPPER(family_name) text_pattern_ops, UPPER(given_name) text_pattern_ops)"
    ),
    "sqlite": f"CREATE INDEX {NAME} ON registry_person (UPPER(family_name), UPPER(given_name))",
}


def create_index(apps, schema_editor):
    sql = SQL.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor in SQL:
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}", params=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_name_upper_idx"),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
