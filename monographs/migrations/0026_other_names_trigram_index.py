"""Trigram indexes on other names, for search's suggestions (pg_trgm's <%, as on the other names in 0009).

PostgreSQL only; SQLite compares the names themselves.
"""

from django.db import migrations

INDEXES = {
    "drug_other_names_trgm_idx": ("monographs_drug", "other_names"),
    "condition_other_names_trgm_idx": ("monographs_condition", "other_names"),
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, column) in INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING GIN (UPPER({column}::text) gin_trgm_ops)"
            )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("monographs", "0025_other_names")]

    operations = [migrations.RunPython(forward, backward)]
