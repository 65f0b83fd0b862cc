"""Keep each answer's plain text (for its JSON-LD) beside its HTML, made on save instead of on every view."""

import html

from django.db import migrations, models
from django.utils.html import strip_tags

BATCH = 1000


def fill(apps, schema_editor):
    # The same as Article.text_for, which a migration cannot call.
    Article = apps.get_model("monographs", "Article")
    batch = []
    for article in Article.objects.only("pk", "answer_html").iterator(chunk_size=BATCH):
        article.answer_text = html.unescape(strip_tags(article.answer_html)).strip()
        batch.append(article)
        if len(batch) == BATCH:
            Article.objects.bulk_update(batch, ["answer_text"])
            batch = []
    Article.objects.bulk_update(batch, ["answer_text"])


class Migration(migrations.Migration):
    dependencies = [("monographs", "0016_reader_reports")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="answer_text",
            field=models.TextField(
                default="",
                editable=False,
                help_text="The answer as plain text (structured data for search engines), made on save.",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
