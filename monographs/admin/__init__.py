"""The Django admin: where pharmacists write, link and sign off answers."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect

from drugref.login_throttle import ThrottledAdminLoginForm

from ..models import (
    ApiKey,
    ArticleRedirect,
    Condition,
    Drug,
    DrugLabel,
    ImportBatch,
    Page,
    Partner,
    Publisher,
    ReaderReport,
    Reviewer,
    SupportGroup,
)
from .articles import ArticleAdmin  # noqa: F401  (registers itself)
from .base import ModelAdmin

admin.site.site_header = "drugref editorial"
admin.site.site_title = "drugref"
admin.site.index_title = "Answers, drugs and conditions"
admin.site.login_form = ThrottledAdminLoginForm


@admin.register(Condition)
class ConditionAdmin(ModelAdmin):
    list_display = ["name", "abbreviation", "other_names"]
    search_fields = ["name", "abbreviation", "other_names"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Drug)
class DrugAdmin(ModelAdmin):
    list_display = ["brand_name", "generic_name", "drug_class", "other_names"]
    search_fields = ["brand_name", "generic_name", "other_names"]
    prepopulated_fields = {"slug": ["brand_name"]}
    autocomplete_fields = ["conditions"]


@admin.register(Reviewer)
class ReviewerAdmin(ModelAdmin):
    list_display = ["name", "credentials", "job_title", "registration_body", "user"]
    search_fields = ["name", "credentials"]
    list_select_related = ["user"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["user"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(SupportGroup)
class SupportGroupAdmin(ModelAdmin):
    list_display = ["name", "url"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["conditions", "drugs"]
    # An address typed without a scheme is https://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ArticleRedirect)
class ArticleRedirectAdmin(ModelAdmin):
    list_display = ["old_slug", "article", "created_at"]
    search_fields = ["old_slug", "article__question"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]


@admin.register(ReaderReport)
class ReaderReportAdmin(ModelAdmin):
    """Readers' reports of problems with answers: a queue the medical team works through."""

    list_display = ["article", "status", "created_at", "revision_number"]
    list_filter = ["status"]
    list_select_related = ["article"]
    search_fields = ["message", "article__question"]
    readonly_fields = ["article", "revision_number", "message", "email", "created_at", "updated_at"]
    fields = ["article", "revision_number", "message", "email", "status", "resolution", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False  # reports come from readers

    def get_fields(self, request, obj=None):
        # A reader's address is for those who work the queue (and may answer them), not every editor.
        fields = super().get_fields(request, obj)
        return fields if self.has_change_permission(request, obj) else [f for f in fields if f != "email"]


@admin.register(Page)
class PageAdmin(ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Publisher)
class PublisherAdmin(ModelAdmin):
    """The one publisher record the About page shows: edited, never added or deleted."""

    fields = ["name", "email", "phone", "address"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:monographs_publisher_change", Publisher.current().pk)


class ApiKeyInline(admin.TabularInline):
    """A partner's keys: issued with the action below (the key is shown once), revoked, never edited."""

    model = ApiKey
    extra = 0
    fields = ["lookup", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(ModelAdmin):
    """Partners of the content API (/api/v1/) and their keys."""

    list_display = ["name", "contact", "terms_accepted_on", "active"]
    search_fields = ["name", "contact"]
    inlines = [ApiKeyInline]
    actions = ["issue_key", "revoke_keys"]

    @admin.action(description="Issue a new API key (shown once)")
    def issue_key(self, request, queryset):
        for partner in queryset:
            _, secret = ApiKey.issue(partner)
            self.message_user(
                request,
                f"New key for {partner} (copy it now; it is not shown again): {secret}",
                messages.WARNING,
            )

    @admin.action(description="Revoke every API key of the selected partners")
    def revoke_keys(self, request, queryset):
        for key in ApiKey.objects.filter(partner__in=queryset, revoked_at__isnull=True):
            key.revoke()
        self.message_user(request, "Their keys are revoked: requests with them now get 403.")


@admin.register(ApiKey)
class ApiKeyAdmin(ModelAdmin):
    list_display = ["__str__", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["partner"]
    search_fields = ["partner__name", "lookup", "name"]
    fields = ["partner", "name", "lookup", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["partner", "lookup", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # issued from a partner's page, or with manage.py create_api_key

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, and kept for the record

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for key in queryset:
            key.revoke()
        self.message_user(request, "Revoked: requests with these keys now get 403.")


@admin.register(ImportBatch)
class ImportBatchAdmin(ModelAdmin):
    """Import runs, for the record: they are made and undone with import_articles, not here."""

    list_display = ["pk", "started_at", "run_by", "created", "updated", "unchanged", "subjects_changed", "undone_at"]
    list_filter = ["undone_at"]
    # No date_hierarchy: Django's raises (a 500) on out-of-range years in its parameters; the list is short.
    readonly_fields = ["started_at", "finished_at", "run_by", "files", "created", "updated", "unchanged", "undone_at"]
    exclude = ["subjects"]

    @admin.display(description="drugs, conditions, reviewers, groups")
    def subjects_changed(self, obj):
        return len(obj.subjects)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DrugLabel)
class DrugLabelAdmin(ModelAdmin):
    """Label versions, for the record: they come from manage.py import_labels, not from here."""

    list_display = ["title", "set_id", "version", "effective_on", "imported_at"]
    search_fields = ["title", "set_id"]
    readonly_fields = ["set_id", "version", "effective_on", "title", "imported_at"]
    exclude = ["sections"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Django's own user and group pages, on the same base.
for model, model_admin in [(User, UserAdmin), (Group, GroupAdmin)]:
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (ModelAdmin, model_admin), {}))
