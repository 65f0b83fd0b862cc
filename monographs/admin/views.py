"""The editorial pages of the answer admin: preview, drafts, sign-off, history, withdrawal.

Each view takes the ArticleAdmin first, checks the permission it needs on
the server, and does its work through monographs.editorial.
"""

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from .. import editorial
from ..models import Article, Revision
from ..rendering import render_markdown
from ..views import render_answer
from . import diff, forms


def post_only(view):
    """Refuse anything but POST: these views change an answer."""

    @functools.wraps(view)
    def wrapped(admin_view, request, *args, **kwargs):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(admin_view, request, *args, **kwargs)

    return wrapped


def _render(admin_view, request, template, context):
    opts = Article._meta
    return TemplateResponse(
        request,
        template,
        {**admin_view.admin_site.each_context(request), "opts": opts, "app_label": opts.app_label, **context},
    )


def _back_to(article):
    return redirect("admin:monographs_article_change", article.pk)


def editorial_context(admin_view, request, article) -> dict:
    """Return what the change page shows about an answer's draft, review and history."""
    canonical = article.draft_of or article
    draft = editorial.working_copy(canonical)
    latest = editorial.latest_revision(canonical)
    return {
        "canonical": canonical,
        "working_copy": draft,
        "is_pending_draft": article.draft_of_id is not None,
        "pending_draft": draft if draft is not canonical else None,
        "latest_revision": latest,
        "needs_sign_off": editorial.needs_sign_off(latest),
        "live_sign_off": canonical.sign_offs.select_related("reviewer").first(),
        "can_change": admin_view.has_change_permission(request),
        "can_sign_off": admin_view.has_sign_off_permission(request),
        "can_preview": admin_view.has_preview_permission(request),
    }


def preview(admin_view, request, pk):
    """Show the answer's working copy as readers would see it, to staff with the permission."""
    if not admin_view.has_preview_permission(request):
        raise PermissionDenied
    canonical = admin_view.get_canonical(request, pk)
    draft = editorial.working_copy(canonical)
    response = render_answer(request, Article.objects.for_page().get(pk=draft.pk), preview=True)
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@post_only
def start_draft(admin_view, request, pk):
    if not admin_view.has_change_permission(request):
        raise PermissionDenied
    draft = editorial.start_draft(admin_view.get_canonical(request, pk))
    messages.info(request, "This is a draft of a live answer. Readers see the live version until it is signed off.")
    return _back_to(draft)


@post_only
def submit(admin_view, request, pk):
    canonical = admin_view.get_canonical(request, pk)
    try:
        draft = editorial.submit_for_review(canonical, request.user)
    except editorial.EditorialError as refusal:
        messages.error(request, str(refusal))
        return _back_to(editorial.working_copy(canonical))
    messages.success(request, "Submitted for medical review.")
    return _back_to(draft)


def sign_off(admin_view, request, pk):
    """Show exactly the revision a reviewer is approving; on POST, publish it."""
    if not admin_view.has_sign_off_permission(request):
        raise PermissionDenied
    canonical = admin_view.get_canonical(request, pk)
    latest = editorial.latest_revision(canonical)
    if latest is None:
        raise Http404("Nothing to sign off")
    if request.method == "POST":
        posted = forms.SignOffForm(request.POST)
        try:
            if not posted.is_valid():
                raise editorial.EditorialError(
                    "; ".join(f"{name.replace('_', ' ')}: {' '.join(errors)}" for name, errors in posted.errors.items())
                )
            signed = editorial.sign_off(
                canonical,
                user=request.user,
                revision_number=posted.cleaned_data["revision"],
                change_note=posted.cleaned_data["change_note"],
            )
        except editorial.EditorialError as refusal:
            messages.error(request, str(refusal))
            return redirect("admin:monographs_article_sign_off", canonical.pk)
        messages.success(
            request,
            f"Signed off revision {signed.revision.number} as {signed.reviewer}: the answer is live.",
        )
        return _back_to(canonical)
    live = canonical.sign_offs.select_related("revision").first()
    return _render(
        admin_view,
        request,
        "admin/monographs/article/sign_off.html",
        {
            "title": f"Sign off “{latest.content['question']}”",
            "article": canonical,
            "revision": latest,
            "already_signed": not editorial.needs_sign_off(latest),
            "answer_html": render_markdown(latest.content["answer"]),
            "rows": diff.compare(live.revision, latest) if live and live.revision != latest else None,
            "reviewer": _reviewer_or_none(request.user),
        },
    )


def _reviewer_or_none(user):
    try:
        return editorial.reviewer_for(user)
    except editorial.EditorialError:
        return None


def revisions(admin_view, request, pk):
    canonical = admin_view.get_canonical(request, pk)
    history = canonical.revisions.select_related("created_by", "sign_off__reviewer")
    return _render(
        admin_view,
        request,
        "admin/monographs/article/revisions.html",
        {
            "title": f"History of “{canonical}”",
            "article": canonical,
            "revisions": history,
            "can_change": admin_view.has_change_permission(request),
        },
    )


def compare(admin_view, request, pk):
    canonical = admin_view.get_canonical(request, pk)
    chosen = forms.CompareForm(request.GET)
    if not chosen.is_valid():
        messages.error(request, "Choose two revisions to compare.")
        return redirect("admin:monographs_article_revisions", canonical.pk)
    numbers = sorted({chosen.cleaned_data["a"], chosen.cleaned_data["b"]})
    found = {r.number: r for r in canonical.revisions.filter(number__in=numbers).select_related("sign_off__reviewer")}
    if len(found) != len(numbers):
        raise Http404("No such revisions")
    old, new = found[numbers[0]], found[numbers[-1]]  # the same one when a revision is compared with itself
    return _render(
        admin_view,
        request,
        "admin/monographs/article/compare.html",
        {
            "title": f"Revisions {old.number} and {new.number} of “{canonical}”",
            "article": canonical,
            "old": old,
            "new": new,
            "rows": diff.compare(old, new),
        },
    )


def restore(admin_view, request, pk, number):
    if not admin_view.has_change_permission(request):
        raise PermissionDenied
    canonical = admin_view.get_canonical(request, pk)
    revision = get_object_or_404(Revision, article=canonical, number=number)
    if request.method == "POST":
        restored = editorial.restore(canonical, revision, request.user)
        messages.success(
            request,
            f"Revision {revision.number} is now the draft (revision {restored.number}). "
            "It goes live only when a medical reviewer signs it off.",
        )
        return _back_to(editorial.working_copy(canonical))
    return _render(
        admin_view,
        request,
        "admin/monographs/article/restore.html",
        {"title": f"Restore revision {revision.number}?", "article": canonical, "revision": revision},
    )


def confirm_withdrawal(admin_view, request, queryset):
    """Ask before withdrawing, listing the published answers that link to each one."""
    answers = [
        {"article": article, "linked_from": list(editorial.linking_answers(article))}
        for article in queryset.canonical().live()
    ]
    return _render(
        admin_view,
        request,
        "admin/monographs/article/withdraw.html",
        {
            "title": "Withdraw answers from the site?",
            "answers": answers,
            "selected": request.POST.getlist("_selected_action"),
        },
    )
