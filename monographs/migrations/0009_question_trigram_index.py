"""Trigram indexes for "any part of a word": questions in the admin, drug and condition names in search.

PostgreSQL only (pg_trgm, a trusted extension: the database owner may create
it). Django's icontains compares UPPER(column) LIKE UPPER('%…%'), which these
indexes serve; without them every such search reads 100,000 questions or
25,000 drugs. SQLite, the embedded default, scans its rows instead.
"""

from django.db import migrations

INDEXES = {
    "article_question_trgm_idx": ("monographs_article", "question"),
    "drug_brand_name_trgm_idx": ("monographs_drug", "brand_name"),
    "drug_generic_name_trgm_idx": ("monographs_drug", "generic_name"),
    "condition_name_trgm_idx": ("monographs_condition", "name"),
}
FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING GIN (UPPER({column}::text) gin_trgm_ops)"
        for name, (table, column) in INDEXES.items()
    ),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("monographs", "0008_article_list_indexes")]

    operations = [migrations.RunPython(forward, backward)]
