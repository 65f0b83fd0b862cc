"""Insert many rows fast: PostgreSQL's COPY where it runs, bulk_create elsewhere."""

from django.db import connections, router
from django.db.models import JSONField

BATCH = 1000


def reserve_ids(model, count: int) -> list[int]:
    """Take `count` primary keys from the table's sequence, so rows can refer to each other before they exist."""
    if count <= 0:
        return []
    connection = connections[router.db_for_write(model)]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [pk for (pk,) in cursor.fetchall()]
        # SQLite keeps an AUTOINCREMENT table's high-water mark in sqlite_sequence. Its transactions
        # are serializable (one writer at a time), so reading and raising the mark here cannot race.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(row[0] if row else 0, _max_pk(cursor, connection, table))
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
        cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start + count])
        return list(range(start + 1, start + count + 1))


def _max_pk(cursor, connection, table) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {connection.ops.quote_name(table)}")
    return cursor.fetchone()[0]


def insert_rows(model, columns, rows):
    """Insert plain tuples of `columns` values (field names); cheaper than model instances by far."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=BATCH)
        return
    fields = [model._meta.get_field(c) for c in columns]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Only JSON needs Django's adaptation; text, numbers and dates go to COPY as they are.
    json_columns = [n for n, f in enumerate(fields) if isinstance(f, JSONField)]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            if json_columns:
                row = list(row)
                for n in json_columns:
                    row[n] = fields[n].get_db_prep_save(row[n], connection)
            copy.write_row(row)
