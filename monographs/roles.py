"""The editorial roles: which group may do what with answers.

Editors write and link answers and submit them for review; medical reviewers
do the same, and also sign off, publish and withdraw. Both may delete a draft
that was never published (ArticleAdmin refuses the rest). Superusers may do all.
"""

EDITORS = "Editors"
MEDICAL_REVIEWERS = "Medical reviewers"

_EDITOR_PERMISSIONS = [
    "add_article", "change_article", "delete_article", "view_article", "preview_article",
    "add_relatedquestion", "change_relatedquestion", "delete_relatedquestion", "view_relatedquestion",
    "add_readnext", "change_readnext", "delete_readnext", "view_readnext",
    "add_drug", "change_drug", "view_drug",
    "add_condition", "change_condition", "view_condition",
    "add_supportgroup", "change_supportgroup", "view_supportgroup",
    "view_reviewer", "view_revision", "view_signoff",
    "add_page", "change_page", "view_page",
    "view_readerreport", "view_druglabel",
]  # fmt: skip

GROUP_PERMISSIONS = {
    EDITORS: _EDITOR_PERMISSIONS,
    MEDICAL_REVIEWERS: [*_EDITOR_PERMISSIONS, "sign_off_article", "withdraw_article", "change_readerreport"],
}


def sync_groups(group_model, permission_model):
    """Create the editorial groups and give each exactly its permissions."""
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.set(
            permission_model.objects.filter(content_type__app_label="monographs", codename__in=codenames)
        )


def sync_groups_in_migration(apps, schema_editor=None):
    """Sync the groups from a data migration, creating the permissions they need first."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
