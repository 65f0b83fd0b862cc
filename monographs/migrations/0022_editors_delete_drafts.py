from django.db import migrations

from monographs.roles import sync_groups_in_migration


class Migration(migrations.Migration):
    """Editors and medical reviewers may delete never-published drafts (the admin refuses any other delete)."""

    dependencies = [
        ("monographs", "0021_scheduled_changes"),
    ]

    operations = [
        migrations.RunPython(sync_groups_in_migration, migrations.RunPython.noop),
    ]
