"""The site's own pages were created with a literal backslash-n where paragraphs should break.

Their Markdown said "\\n\\n" (two characters each), so each page rendered as one
paragraph with "\n\n" printed in it. Turn those into the paragraph breaks they
meant, and render the pages again; a page staff have already fixed is unchanged.
"""

from django.db import migrations

from monographs.rendering import render_markdown

SLUGS = ["about", "editorial-policy", "medical-disclaimer"]


def break_paragraphs(apps, schema_editor):
    Page = apps.get_model("monographs", "Page")
    for page in Page.objects.filter(slug__in=SLUGS, body__contains="\\n"):
        page.body = page.body.replace("\\n", "\n")
        page.body_html = render_markdown(page.body)
        page.save(update_fields=["body", "body_html"])


class Migration(migrations.Migration):
    dependencies = [("monographs", "0010_reviewer_credentials_optional")]

    operations = [migrations.RunPython(break_paragraphs, migrations.RunPython.noop)]
