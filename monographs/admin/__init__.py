"""The Django admin: where pharmacists write, link and sign off answers."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import models
from django.shortcuts import redirect

from drugref.login_throttle import ThrottledAdminLoginForm

from ..models import (
    ArticleRedirect,
    Condition,
    Drug,
    DrugLabel,
    ImportBatch,
    Page,
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
        return redirect("admin:monographs_publisher_change", Publisher.current().pk)


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
