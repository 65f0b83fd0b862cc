"""The answer admin: writing, linking, history, sign-off and withdrawal."""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from .. import editorial
from ..models import Article, ReadNext, RelatedQuestion
from . import views
from .base import ModelAdmin
from .filters import ConditionFilter, DrugFilter, ReviewDueFilter
from .forms import ArticleForm, LinkFormSet


class LinkInline(admin.TabularInline):
    fk_name = "source"
    formset = LinkFormSet
    autocomplete_fields = ["target"]
    fields = ["position", "target"]
    extra = 0
    ordering = ["position", "pk"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "target":
            # Links point at answers, never at another answer's pending draft.
            kwargs["queryset"] = Article.objects.canonical()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RelatedQuestionInline(LinkInline):
    model = RelatedQuestion
    verbose_name_plural = "related questions (shown only while live)"


class ReadNextInline(LinkInline):
    model = ReadNext
    verbose_name_plural = "read next (shown only while live)"


class AnswerChangeList(ChangeList):
    """The answer list shows answers, not the pending drafts of live ones, without their long texts."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).canonical().defer("answer", "answer_html")


@admin.register(Article)
class ArticleAdmin(ModelAdmin):
    form = ArticleForm
    inlines = [RelatedQuestionInline, ReadNextInline]
    list_display = ["question", "status", "reviewer", "reviewed_on", "review_due", "updated_at"]
    list_filter = ["state", ReviewDueFilter, "reviewer", DrugFilter, ConditionFilter]
    list_select_related = ["reviewer"]
    list_per_page = 50
    # Searched with the full-text index (get_search_results), not ILIKE over every answer's text.
    search_fields = ["question"]
    # No date_hierarchy: its DISTINCT over every answer's date cost more than the rest of the list at
    # 100,000 answers, and the review filters above answer the questions dates were for.
    show_full_result_count = False  # one count of the list, not a second of every answer
    prepopulated_fields = {"slug": ["question"]}
    autocomplete_fields = ["drugs", "conditions", "support_groups"]
    readonly_fields = ["state", "reviewer", "reviewed_on", "linked_from", "created_at", "updated_at"]
    actions = ["submit_for_review", "sign_off_and_publish", "withdraw"]
    fieldsets = [
        (None, {"fields": ["question", "slug", "answer", "summary", "revision_note", "base_version"]}),
        ("Subjects", {"fields": ["drugs", "conditions", "support_groups"]}),
        (
            "Medical review",
            {
                "fields": ["state", "reviewer", "reviewed_on", "review_interval_days"],
                "description": "The byline comes from the last sign-off: a reviewer signs off with "
                "“Sign off and publish”; nobody types a reviewer or a date.",
            },
        ),
        ("Links to this answer", {"fields": ["linked_from"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    # Permissions, checked on the server for every action and view.

    def has_sign_off_permission(self, request):
        return request.user.has_perm(editorial.SIGN_OFF_PERMISSION)

    def has_withdraw_permission(self, request):
        return request.user.has_perm(editorial.WITHDRAW_PERMISSION)

    def has_preview_permission(self, request):
        return request.user.has_perm("monographs.preview_article")

    def has_change_permission(self, request, obj=None):
        # A live answer changes only through its pending draft and a new sign-off.
        if obj is not None and obj.is_live:
            return False
        return super().has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: nothing to note, no version to check.
            hidden = {"revision_note", "base_version"}
            fieldsets = [
                (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
                for name, options in fieldsets
            ]
        return fieldsets

    # The list.

    def get_changelist(self, request, **kwargs):
        return AnswerChangeList

    def get_queryset(self, request):
        drafts = Article.objects.filter(draft_of=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_pending_draft=Exists(drafts),
                pending_state=drafts.values("state")[:1],
            )
        )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset.canonical(), False
        # Answer texts through the full-text index; questions by any part of a word too, as editors type
        # (the related-question autocomplete searches here as well).
        in_text = Article.objects.matching(search_term).order_by().values("pk")
        in_question = Article.objects.filter(question__icontains=search_term.strip()).order_by().values("pk")
        # One IN over a UNION: each side uses its index (full-text, trigram); an OR would read every answer.
        return queryset.filter(pk__in=in_text.union(in_question)).canonical(), False

    @admin.display(description="state", ordering="state")
    def status(self, article):
        label = article.get_state_display()
        pending = getattr(article, "pending_state", None)
        if pending:
            label += f" · changes {Article.State(pending).label.lower()}"
        return label

    @admin.display(description="review due", ordering="reviewed_on")
    def review_due(self, article):
        status = article.review_status()
        if not status:
            return article.review_due_on or "—"
        return format_html(
            '<strong class="review-{}">{} ({})</strong>', status.replace(" ", "-"), status, article.review_due_on
        )

    @admin.display(description="published answers linking here")
    def linked_from(self, article):
        if article.pk is None:
            return "—"
        answers = editorial.linking_answers(article.draft_of or article)
        if not answers:
            return "None"
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a></li>',
            ((reverse("admin:monographs_article_change", args=[a.pk]), a) for a in answers),
        )
        return format_html("<ul>{}</ul>", items)

    # Saving: every save is a revision; a stale save is refused by the form.

    def save_model(self, request, obj, form, change):
        if obj.state == Article.State.WITHDRAWN:
            obj.state = Article.State.DRAFT
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance.draft_of or form.instance
        # A change claims the version the form checked (and locked); an added answer takes its first.
        number = editorial.claim_version(article, form.seen_version) if change else None
        editorial.record_revision(article, number=number, user=request.user, note=form.cleaned_data["revision_note"])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        extra_context = (extra_context or {}) | (views.editorial_context(self, request, article) if article else {})
        return super().change_view(request, object_id, form_url, extra_context)

    def view_on_site(self, article):
        if article.is_live:
            return article.get_absolute_url()
        return reverse("admin:monographs_article_preview", args=[article.canonical_pk])

    # Editorial views.

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(lambda request, *args, **kwargs: view(self, request, *args, **kwargs))

        name = "monographs_article"
        return [
            path("<int:pk>/preview/", wrap(views.preview), name=f"{name}_preview"),
            path("<int:pk>/start-draft/", wrap(views.start_draft), name=f"{name}_start_draft"),
            path("<int:pk>/submit/", wrap(views.submit), name=f"{name}_submit"),
            path("<int:pk>/sign-off/", wrap(views.sign_off), name=f"{name}_sign_off"),
            path("<int:pk>/revisions/", wrap(views.revisions), name=f"{name}_revisions"),
            path("<int:pk>/revisions/compare/", wrap(views.compare), name=f"{name}_compare"),
            path("<int:pk>/revisions/<int:number>/restore/", wrap(views.restore), name=f"{name}_restore"),
            *super().get_urls(),
        ]

    def get_canonical(self, request, pk):
        """Return the answer `pk`, or 404; pending drafts are reached through their answer."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(Article.objects.canonical(), pk=pk)

    # Bulk actions: each reports what it did and what it refused.

    @admin.action(description="Submit for medical review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda article: editorial.submit_for_review(article, request.user),
            "submitted for review",
        )

    @admin.action(description="Sign off and publish", permissions=["sign_off"])
    def sign_off_and_publish(self, request, queryset):
        def sign(article):
            latest = editorial.latest_revision(article)
            if not editorial.needs_sign_off(latest):
                raise editorial.EditorialError(f"“{article}” has no changes waiting for a sign-off.")
            editorial.sign_off(article, user=request.user, revision_number=latest.number)

        self._each(request, queryset, sign, "signed off and published")

    @admin.action(description="Withdraw from the site", permissions=["withdraw"])
    def withdraw(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            return views.confirm_withdrawal(self, request, queryset)
        self._each(request, queryset, lambda article: editorial.withdraw(article, request.user), "withdrawn")
        return None

    def _each(self, request, queryset, step, done):
        count, refusals = 0, []
        for article in queryset.canonical():
            try:
                step(article)
                count += 1
            except (editorial.EditorialError, PermissionDenied) as refusal:
                refusals.append(str(refusal))
        if count:
            self.message_user(request, f"{count} answer{'s' if count != 1 else ''} {done}.", messages.SUCCESS)
        for refusal in refusals:
            self.message_user(request, f"Not done: {refusal}", messages.WARNING)
