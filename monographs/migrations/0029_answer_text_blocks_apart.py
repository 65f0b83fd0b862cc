"""The plain text of every answer again, its blocks apart: "Boxed warning" and "The prescribing…" no longer run together.

The text is derived from the answer's HTML and only structured data shows it, so the work is done in
batches, each committed on its own: a site of a million answers is not locked while it runs, and a run
cut short is finished by running it again (only rows whose text differs are written). Then PostgreSQL
vacuums the table (about 30 s at a million answers).
"""

from django.db import migrations, transaction

from monographs.rendering import plain_text

BATCH = 5000


def remake_plain_text(apps, schema_editor):
    Article = apps.get_model("monographs", "Article")
    table, connection = Article._meta.db_table, schema_editor.connection
    last = 0
    while True:
        rows = list(
            Article.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "answer_html", "answer_text")[:BATCH]
        )
        if not rows:
            break
        last = rows[-1][0]
        changed = [(text, pk) for pk, html, old in rows if (text := plain_text(html)) != old]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET answer_text = %s WHERE id = %s", changed)
    if connection.vendor == "postgresql":
        # Every row was rewritten: without this the dead rows slowed searches tenfold at a million answers
        # until autovacuum came round (VACUUM runs outside a transaction, as this migration does).
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


class Migration(migrations.Migration):
    atomic = False  # a batch at a time (above)
    dependencies = [("monographs", "0028_condition_abbreviation_index")]
    operations = [migrations.RunPython(remake_plain_text, migrations.RunPython.noop)]
