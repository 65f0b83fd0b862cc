"""Full-text search index, kept current by the database itself.

PostgreSQL: a generated tsvector column (question weight A, answer weight B,
the 'english' configuration, as monographs.search.SEARCH_CONFIG) with a GIN
index. It is not a model field because the same model runs on SQLite, where
an FTS5 table with triggers does the job (monographs.search).
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    ALTER TABLE monographs_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(question, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(answer, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX article_search_vector_idx ON monographs_article USING GIN (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS article_search_vector_idx",
    "ALTER TABLE monographs_article DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    from monographs.search import ensure_sqlite_index

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)
    else:
        ensure_sqlite_index(connection)


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)
    else:
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS monographs_article_fts_{suffix}")
        schema_editor.execute("DROP TABLE IF EXISTS monographs_article_fts")


class Migration(migrations.Migration):
    dependencies = [("monographs", "0002_editorial_groups")]

    operations = [migrations.RunPython(forward, backward)]
