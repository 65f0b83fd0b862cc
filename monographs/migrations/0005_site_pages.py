"""The site's own pages, as first drafts that staff then edit in the admin."""

from django.db import migrations

from monographs.rendering import render_markdown
from monographs.roles import sync_groups_in_migration

PAGES = {
    "about": (
        "About drugref",
        "drugref answers questions about medicines: how they work, how they are given, what their "
        "side effects are.\n\n"
        "Every answer is written by a pharmacist and signed off by a medical reviewer, who is named on "
        "the page with the date of the review. Answers are reviewed again at least once a year.",
    ),
    "editorial-policy": (
        "Editorial policy",
        "**Who writes.** Answers are written by pharmacists on our editorial team.\n\n"
        "**Who reviews.** Before an answer is published, a medical reviewer reads exactly the text "
        "that will be shown and signs it off. The byline names that reviewer and the date of the review. "
        "A change to a published answer goes live only after a new sign-off.\n\n"
        "**How often.** Every answer is reviewed again within a year of its last review, sooner when "
        "its subject calls for it. Corrections and notable changes are listed under the answer.\n\n"
        "**Independence.** Answers are not sponsored and carry no advertising.",
    ),
    "medical-disclaimer": (
        "Medical disclaimer",
        "drugref answers are general information for patients, carers and health professionals. They "
        "are not medical advice for any one person and do not replace a consultation with your doctor, "
        "pharmacist or other health professional.\n\n"
        "Do not start, stop or change a medicine because of something you read here without asking a "
        "health professional. In an emergency, call your local emergency number.",
    ),
}


def create_pages(apps, schema_editor):
    Page = apps.get_model("monographs", "Page")
    for slug, (title, body) in PAGES.items():
        Page.objects.get_or_create(
            slug=slug, defaults={"title": title, "body": body, "body_html": render_markdown(body)}
        )


def remove_pages(apps, schema_editor):
    apps.get_model("monographs", "Page").objects.filter(slug__in=PAGES).delete()


class Migration(migrations.Migration):
    dependencies = [("monographs", "0004_pages")]

    operations = [
        migrations.RunPython(create_pages, remove_pages),
        # Editors and reviewers may edit these pages too.
        migrations.RunPython(sync_groups_in_migration, migrations.RunPython.noop),
    ]
