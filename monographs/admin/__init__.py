"""The Django admin: where pharmacists write, link and sign off answers."""

from django.contrib import admin

from drugref.login_throttle import ThrottledAdminLoginForm

from ..models import ArticleRedirect, Condition, Drug, ImportBatch, Page, Reviewer, SupportGroup
from .articles import ArticleAdmin  # noqa: F401  (registers itself)

admin.site.site_header = "drugref editorial"
admin.site.site_title = "drugref"
admin.site.index_title = "Answers, drugs and conditions"
admin.site.login_form = ThrottledAdminLoginForm


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation"]
    search_fields = ["name", "abbreviation"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Drug)
class DrugAdmin(admin.ModelAdmin):
    list_display = ["brand_name", "generic_name", "drug_class"]
    search_fields = ["brand_name", "generic_name"]
    prepopulated_fields = {"slug": ["brand_name"]}
    autocomplete_fields = ["conditions"]


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials", "user"]
    search_fields = ["name", "credentials"]
    list_select_related = ["user"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["user"]


@admin.register(SupportGroup)
class SupportGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "url"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["conditions", "drugs"]


@admin.register(ArticleRedirect)
class ArticleRedirectAdmin(admin.ModelAdmin):
    list_display = ["old_slug", "article", "created_at"]
    search_fields = ["old_slug", "article__question"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Import runs, for the record: they are made and undone with import_articles, not here."""

    list_display = ["pk", "started_at", "run_by", "created", "updated", "unchanged", "undone_at"]
    list_filter = ["undone_at"]
    date_hierarchy = "started_at"
    readonly_fields = ["started_at", "finished_at", "run_by", "files", "created", "updated", "unchanged", "undone_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
