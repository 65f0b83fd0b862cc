"""Insert many rows fast: PostgreSQL's COPY where it runs, bulk_create elsewhere."""

from django.db import connections, router

BATCH = 1000


def insert(model, objects, *, with_ids=False):
    """Insert `objects` (unsaved model instances); with `with_ids`, give each its primary key first."""
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BATCH)
        return
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    table = model._meta.db_table
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(objects)]
            )
            for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
                obj.pk = pk
        # COPY skips Django's per-row SQL building and the database's per-statement work.
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])


def insert_rows(model, columns, rows):
    """Insert plain tuples of `columns` values: for link and through tables, where instances cost most."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=BATCH)
        return
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
