"""Search weighs the summary too: question A, summary B, answer C (PostgreSQL); FTS5 gets a summary column (SQLite).

PostgreSQL cannot change a generated column's expression in place: the column
and its GIN index are made again (a rewrite of the answers table).
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "DROP INDEX IF EXISTS article_search_vector_idx",
    "ALTER TABLE monographs_article DROP COLUMN IF EXISTS search_vector",
    """
    ALTER TABLE monographs_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(question, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(answer, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX article_search_vector_idx ON monographs_article USING GIN (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS article_search_vector_idx",
    "ALTER TABLE monographs_article DROP COLUMN IF EXISTS search_vector",
    """
    ALTER TABLE monographs_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(question, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(answer, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX article_search_vector_idx ON monographs_article USING GIN (search_vector)",
]


def forward(apps, schema_editor):
    from monographs.search import ensure_sqlite_index

    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)
    else:
        ensure_sqlite_index(schema_editor.connection)  # made again with the summary column


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("monographs", "0026_other_names_trigram_index")]

    operations = [migrations.RunPython(forward, backward)]
