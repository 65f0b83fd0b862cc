"""Create the editorial roles as groups: Editors and Medical reviewers."""

from django.db import migrations

from monographs.roles import GROUP_PERMISSIONS, sync_groups_in_migration


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monographs", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_groups_in_migration, remove_groups)]
