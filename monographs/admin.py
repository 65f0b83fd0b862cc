"""Admin registration for editors. The full editorial workflow builds on this."""

from django.contrib import admin

from .models import Article, Condition, Drug, ReadNext, RelatedQuestion, Reviewer, SupportGroup


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation"]
    search_fields = ["name", "abbreviation"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Drug)
class DrugAdmin(admin.ModelAdmin):
    list_display = ["brand_name", "generic_name", "drug_class"]
    search_fields = ["brand_name", "generic_name"]
    list_filter = ["drug_class"]
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


class LinkInline(admin.TabularInline):
    fk_name = "source"
    autocomplete_fields = ["target"]
    extra = 0
    ordering = ["position"]


class RelatedQuestionInline(LinkInline):
    model = RelatedQuestion


class ReadNextInline(LinkInline):
    model = ReadNext


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["question", "state", "reviewer", "reviewed_on", "updated_at"]
    list_filter = ["state", "reviewer", "drugs", "conditions"]
    list_select_related = ["reviewer"]
    search_fields = ["question", "answer"]
    date_hierarchy = "reviewed_on"
    prepopulated_fields = {"slug": ["question"]}
    autocomplete_fields = ["drugs", "conditions", "support_groups", "reviewer"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RelatedQuestionInline, ReadNextInline]
    fieldsets = [
        (None, {"fields": ["question", "slug", "answer", "summary"]}),
        ("Subjects", {"fields": ["drugs", "conditions", "support_groups"]}),
        ("Medical review", {"fields": ["state", "reviewer", "reviewed_on"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
