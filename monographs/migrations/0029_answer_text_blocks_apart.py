"""The plain text of every answer again, its blocks apart: "Boxed warning" and "The prescribing…" no longer run together."""

from django.db import migrations

from monographs.rendering import plain_text

BATCH = 2000


def remake_plain_text(apps, schema_editor):
    Article = apps.get_model("monographs", "Article")
    changed = []
    for pk, answer_html, answer_text in Article.objects.values_list("pk", "answer_html", "answer_text").iterator(BATCH):
        text = plain_text(answer_html)
        if text != answer_text:
            changed.append(Article(pk=pk, answer_text=text))
        if len(changed) == BATCH:
            Article.objects.bulk_update(changed, ["answer_text"])
            changed = []
    Article.objects.bulk_update(changed, ["answer_text"])


class Migration(migrations.Migration):
    dependencies = [("monographs", "0028_condition_abbreviation_index")]
    operations = [migrations.RunPython(remake_plain_text, migrations.RunPython.noop)]
