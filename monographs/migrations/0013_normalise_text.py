"""Store every text as the admin's forms and the importers now do (monographs.text.normalise).

Answers typed in a browser were stored with CRLF line endings, imported ones with
LF, so the same words compared as changed. Each answer whose text changes gets a
revision marked "Text normalised", recording the change; answers already
normalised get none. Such a revision changes no word, so it needs no new sign-off
(editorial.needs_sign_off).
"""

from django.db import migrations
from django.db.models import F

from monographs.rendering import render_markdown
from monographs.text import normalise, normalised_or_same

ARTICLE_TEXT = ("question", "answer", "summary")
SUBJECT_TEXT = {
    "Drug": ("brand_name", "generic_name", "drug_class", "summary"),
    "Condition": ("name", "abbreviation", "summary"),
    "Reviewer": ("name", "credentials", "bio"),
    "SupportGroup": ("name", "description"),
}


def _normalise_rows(model, fields, after=None):
    """Normalise `fields` of every row of `model`; return the pks of the rows that changed."""
    changed = []
    for row in model.objects.only("pk", *fields).iterator(chunk_size=2000):
        new = {name: normalised_or_same(getattr(row, name)) for name in fields}
        if any(new[name] != getattr(row, name) for name in fields):
            for name, value in new.items():
                setattr(row, name, value)
            if after:
                after(row)
            changed.append(row.pk)
            row.save(update_fields=[*fields, *(["answer_html"] if after else [])])
    return changed


def normalise_text(apps, schema_editor):
    Article = apps.get_model("monographs", "Article")
    Revision = apps.get_model("monographs", "Revision")
    for model_name, fields in SUBJECT_TEXT.items():
        _normalise_rows(apps.get_model("monographs", model_name), fields)
    for page in apps.get_model("monographs", "Page").objects.all():
        body = normalise(page.body)
        if body != page.body:
            page.body, page.body_html = body, render_markdown(body)
            page.save(update_fields=["body", "body_html"])

    def render(article):
        article.answer_html = render_markdown(article.answer)

    changed = _normalise_rows(Article, ARTICLE_TEXT, after=render)
    canonical = set(Article.objects.filter(pk__in=changed).values_list("draft_of_id", flat=True)) - {None}
    canonical |= set(Article.objects.filter(pk__in=changed, draft_of__isnull=True).values_list("pk", flat=True))
    for article in Article.objects.filter(pk__in=canonical):
        latest = Revision.objects.filter(article=article).order_by("-number").first()
        if latest is None:
            continue
        content = {name: normalised_or_same(value) for name, value in latest.content.items()}
        if content == latest.content:
            continue
        Article.objects.filter(pk=article.pk).update(version=F("version") + 1)
        Revision.objects.create(
            article=article,
            number=Article.objects.values_list("version", flat=True).get(pk=article.pk),
            source="normalise",
            note="Line endings, spaces at line ends and Unicode forms made uniform; no word changed.",
            content=content,
        )


class Migration(migrations.Migration):
    dependencies = [("monographs", "0012_review_loop")]

    operations = [migrations.RunPython(normalise_text, migrations.RunPython.noop)]
