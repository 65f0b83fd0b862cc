"""The answer admin: writing, linking, history, sign-off and withdrawal."""

import re

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .. import editorial
from ..models import Article, ReadNext, RelatedQuestion, ScheduledChange, SignOff
from ..rendering import removed_markup
from . import views
from .base import ModelAdmin
from .filters import ConditionFilter, DrugFilter, ReviewDueFilter
from .forms import ArticleForm, LinkFormSet, WithdrawForm

_CHANGE_PAGE = re.compile(r"/monographs/article/([0-9]{1,18})/change/")


def _answer_being_linked(request) -> list[int]:
    """Return the answer whose related-question or read-next box asks for suggestions, so it is not offered itself.

    Django's autocomplete names the field but not the object, so the page it is on is read from the Referer;
    saving a link to the answer itself is refused by the form either way.
    """
    if request.GET.get("field_name") != "target" or request.GET.get("model_name") not in (
        "relatedquestion",
        "readnext",
    ):
        return []
    page = _CHANGE_PAGE.search(request.headers.get("Referer", ""))
    if not page:
        return []
    article = Article.objects.filter(pk=int(page.group(1))).values_list("pk", "draft_of_id").first()
    return [pk for pk in article or () if pk]


def ever_published(article) -> bool:
    """Return whether an answer is or was ever live (a pending draft never is)."""
    if article.draft_of_id:
        return False
    return article.state in (Article.State.PUBLISHED, Article.State.WITHDRAWN) or article.sign_offs.exists()


def delete_drafts(modeladmin, request, queryset):
    """Django's delete (with its confirmation and log), refused for answers that are or were live."""
    published = [article for article in queryset if ever_published(article)]
    if published:
        modeladmin.message_user(
            request,
            "Not deleted, because readers have seen them (withdraw them instead): "
            + "; ".join(f"“{article}”" for article in published),
            messages.WARNING,
        )
    return delete_selected(modeladmin, request, queryset.exclude(pk__in=[a.pk for a in published]))


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
        return (
            super().get_queryset(request, exclude_parameters).canonical().defer("answer", "answer_html", "answer_text")
        )


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
    actions = ["submit_for_review", "review_and_sign_off", "withdraw"]

    class Media:
        # The browser asks before an editor leaves the form with unsaved changes.
        js = ["monographs/unsaved-changes.js"]

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "question",
                    "slug",
                    "release_old_address",
                    "answer",
                    "summary",
                    "revision_note",
                    "base_version",
                ]
            },
        ),
        ("Subjects", {"fields": ["drugs", "conditions", "support_groups"]}),
        (
            "Medical review",
            {
                "fields": ["state", "reviewer", "reviewed_on", "review_interval_days", "publish_at"],
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
        return request.user.has_perm(editorial.PREVIEW_PERMISSION)

    def has_change_permission(self, request, obj=None):
        # A live or withdrawn answer changes only through its pending draft and a new sign-off.
        if obj is not None and editorial.changes_through_a_draft(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # A live or once-published answer is withdrawn, never deleted: its history stays.
        if obj is not None and ever_published(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            # Django's bulk delete asks no object: this one deletes never-published drafts only.
            actions["delete_selected"] = (
                delete_drafts,
                "delete_selected",
                "Delete selected never-published drafts",
            )
        return actions

    def history_view(self, request, object_id, extra_context=None):
        # One audit trail: the answer's history page has every save, review step and sign-off.
        article = self.get_object(request, object_id)
        if article is None:
            return super().history_view(request, object_id, extra_context)
        return redirect("admin:monographs_article_revisions", article.canonical_pk)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: nothing to note, no version to check.
            hidden = {"revision_note", "base_version", "release_old_address"}
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
        scheduled = ScheduledChange.objects.filter(article=OuterRef("pk")).order_by("at")
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_pending_draft=Exists(drafts),
                pending_state=drafts.values("state")[:1],
                scheduled_kind=scheduled.values("kind")[:1],
                scheduled_at=scheduled.values("at")[:1],
            )
        )

    def get_search_results(self, request, queryset, search_term):
        queryset = queryset.exclude(pk__in=_answer_being_linked(request))
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
        kind = getattr(article, "scheduled_kind", None)
        if kind:
            when = timezone.localtime(article.scheduled_at)
            label += f" · {ScheduledChange.Kind(kind).label.lower()} {when:%b %-d, %H:%M}"
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
        super().save_model(request, obj, form, change)
        removed = removed_markup(obj.answer)
        if removed:
            self.message_user(
                request,
                "Saved, but readers will not see everything you wrote: the answer may not contain "
                + ", ".join(removed)
                + ". Use Markdown for formatting.",
                messages.WARNING,
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance.draft_of or form.instance
        if form.cleaned_data.get("release_old_address"):
            editorial.release_address(form.cleaned_data["slug"], request.user, article)
        # A change claims the version the form checked (and locked); an added answer takes its first.
        number = editorial.claim_version(article, form.seen_version) if change else None
        editorial.record_revision(article, number=number, user=request.user, note=form.cleaned_data["revision_note"])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        signed = None
        if article is None and str(object_id).isdigit():
            # A pending draft is removed when it is signed off: its address leads to the answer it became.
            signed = SignOff.objects.filter(draft_id=int(object_id)).select_related("article").first()
            if signed is not None and request.method != "POST":
                self.message_user(
                    request,
                    f"That draft was signed off on {signed.reviewed_on:%B %-d, %Y} and is now this answer.",
                    messages.INFO,
                )
                return redirect("admin:monographs_article_change", signed.article_id)
        went_live = signed.article if signed else article if article is not None and article.is_live else None
        if request.method == "POST" and went_live is not None and super().has_change_permission(request):
            return self._save_to_new_draft(request, went_live, form_url, extra_context)
        extra_context = (extra_context or {}) | (views.editorial_context(self, request, article) if article else {})
        return super().change_view(request, object_id, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        return self._submit_if_asked(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._submit_if_asked(request, obj) or super().response_change(request, obj)

    def _submit_if_asked(self, request, obj):
        """After a save with "Save and submit for medical review", submit what was just saved; stay on the answer."""
        if "_submit_for_review" not in request.POST:
            return None
        canonical = obj.draft_of or obj
        try:
            editorial.submit_for_review(canonical, request.user)
            self.message_user(request, "Saved and submitted for medical review.", messages.SUCCESS)
        except (editorial.EditorialError, PermissionDenied) as refusal:
            self.message_user(request, f"Saved, but not submitted: {refusal}", messages.ERROR)
        return redirect("admin:monographs_article_change", editorial.working_copy(canonical).pk)

    def _save_to_new_draft(self, request, article, form_url, extra_context):
        """Save an editor's form on an answer that went live while they edited into a new draft of it.

        Nothing they typed is lost, and the live answer is untouched: the form's version check
        (a conflict, if anyone saved meanwhile) and the sign-off the draft needs still apply.
        """
        draft = editorial.start_draft(article)
        self.message_user(
            request,
            "This answer went live while you were editing it (a medical reviewer signed it off). "
            "Your changes go to a new draft of it; readers see the signed-off version until the draft is signed off.",
            messages.WARNING,
        )
        extra_context = (extra_context or {}) | views.editorial_context(self, request, draft)
        return super().change_view(request, str(draft.pk), form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        inlines_valid = not any(inline.formset.total_error_count() for inline in context["inline_admin_formsets"])
        if form.conflict and list(form.errors) == ["__all__"] and inlines_valid:
            # An edit conflict is not the editor's mistake: shown as itself (change_form.html), not as a form error.
            context = context | {"errors": None, "conflict": form.conflict}
        return super().render_change_form(request, context, add, change, form_url, obj)

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
            path("<int:pk>/label-checked/", wrap(views.label_checked), name=f"{name}_label_checked"),
            path("<int:pk>/revisions/", wrap(views.revisions), name=f"{name}_revisions"),
            path("<int:pk>/revisions/compare/", wrap(views.compare), name=f"{name}_compare"),
            path("<int:pk>/revisions/<int:number>/restore/", wrap(views.restore), name=f"{name}_restore"),
            path("<int:pk>/schedule/<str:kind>/cancel/", wrap(views.cancel_schedule), name=f"{name}_cancel_schedule"),
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

    @admin.action(description="Read and sign off, one by one", permissions=["sign_off"])
    def review_and_sign_off(self, request, queryset):
        # Never one click: a page shows each answer's changes and byline, and signs off only those ticked.
        return views.sign_off_many(self, request, queryset)

    @admin.action(description="Withdraw from the site", permissions=["withdraw"])
    def withdraw(self, request, queryset):
        posted = WithdrawForm(request.POST) if request.POST.get("confirm") == "yes" else None
        if posted is None or not posted.is_valid():
            return views.confirm_withdrawal(self, request, queryset, posted=posted)
        reason, at = posted.cleaned_data["reason"], posted.cleaned_data["take_down_at"]
        self._each(
            request,
            queryset,
            lambda article: editorial.withdraw(article, request.user, reason, at=at),
            f"to be taken down at {timezone.localtime(at):%B %-d, %Y, %H:%M %Z}" if at else "withdrawn",
        )
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
