"""The editorial pages of the answer admin: preview, drafts, sign-off, history, withdrawal.

Each view takes the ArticleAdmin first, checks the permission it needs on
the server, and does its work through monographs.editorial.
"""

import functools
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from .. import editorial, readability
from ..models import Article, ArticleEvent, Revision, ScheduledChange
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
        "needs_sign_off": editorial.needs_sign_off(latest) and draft.state == Article.State.IN_REVIEW,
        "live_sign_off": canonical.sign_offs.select_related("reviewer").first(),
        "can_change": admin_view.has_change_permission(request),
        "can_sign_off": admin_view.has_sign_off_permission(request),
        "can_preview": admin_view.has_preview_permission(request),
        "can_withdraw": admin_view.has_withdraw_permission(request) and canonical.is_live,
        "change_requests": editorial.open_change_requests(canonical),
        # Saved and submitted in one press, inside the form, so no edit is left behind.
        "submittable": admin_view.has_change_permission(request)
        and draft.state == Article.State.DRAFT
        and article.pk == draft.pk,
        "schedule": list(canonical.scheduled_changes.select_related("reviewer", "revision")),
        **_who_signs_off(canonical, draft, latest, request.user),
        "withdrawal": canonical.events.filter(kind=ArticleEvent.Kind.WITHDRAWN).select_related("created_by").first()
        if canonical.state == Article.State.WITHDRAWN
        else None,
        "label_checks": label_checks(canonical),
        "reading": readability.reading_level(article.answer),
    }


def label_checks(canonical) -> list[dict]:
    """The open label checks of an answer: each label version, and its changed sections against the one before."""
    checks = canonical.label_checks.filter(cleared_at__isnull=True).select_related("label")
    return [
        {
            "check": check,
            "prefix": f"label-{check.pk}",  # for the ids of its sections' headings
            "previous": (previous := check.label.previous()),
            "diff": diff.label_change(
                previous and previous.sections,
                check.label.sections,
                check.changed,
                titles=(
                    f"Version {previous.version}" if previous else "Before",
                    f"Version {check.label.version}, effective {check.label.effective_on:%B %-d, %Y}",
                ),
            ),
        }
        for check in checks
    ]


@post_only
def label_checked(admin_view, request, pk):
    """A reviewer records that the live answer still holds against its drug's new label (with a note)."""
    if not admin_view.has_sign_off_permission(request):
        raise PermissionDenied
    canonical = admin_view.get_canonical(request, pk)
    try:
        cleared = editorial.no_change_needed(canonical, user=request.user, note=request.POST.get("note", ""))
    except editorial.EditorialError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Recorded: checked against the new label, no change needed ({cleared} cleared).")
    return _back_to(canonical)


def _who_signs_off(canonical, draft, latest, user) -> dict:
    """Who can sign off a version waiting for it, and why the person looking cannot, if they cannot."""
    if draft.state != Article.State.IN_REVIEW or latest is None or not editorial.needs_sign_off(latest):
        return {}
    return {
        "sign_off_by": editorial.who_may_sign_off(canonical, latest),
        "not_you_because": editorial.why_not_you(canonical, latest, user),
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
    """Show exactly the revision a reviewer is approving; on POST, publish it or send it back."""
    if not admin_view.has_sign_off_permission(request):
        raise PermissionDenied
    canonical = admin_view.get_canonical(request, pk)
    latest = editorial.latest_revision(canonical)
    if latest is None:
        raise Http404("Nothing to sign off")
    if request.method == "POST":
        return _decide(request, canonical)
    live = canonical.sign_offs.select_related("revision").first()
    refusal = editorial.sign_off_refusal(canonical, latest, request.user)
    return _render(
        admin_view,
        request,
        "admin/monographs/article/sign_off.html",
        {
            "title": f"Sign off “{latest.content['question']}”",
            "article": canonical,
            "revision": latest,
            "refusal": refusal,
            "answer_html": Article.html_for(latest.content.get("answer", "")),
            "diff": diff.compare(live.revision.content, latest.content) if live and live.revision != latest else None,
            "fields": diff.show(latest.content),
            "live_revision": live.revision if live else None,
            "reviewer": _reviewer_or_none(request.user),
            "requests": editorial.open_change_requests(canonical),
            "publish_at": editorial.publish_time(editorial.working_copy(canonical)),
            "label_checks": label_checks(canonical),
            "reading": readability.reading_level(latest.content.get("answer", "")),
        },
    )


def _decide(request, canonical):
    """Sign off the posted revision, or (with the "request changes" button) send it back with the comment."""
    posted = forms.SignOffForm(request.POST)
    try:
        if not posted.is_valid():
            raise editorial.EditorialError(
                "; ".join(f"{name.replace('_', ' ')}: {' '.join(errors)}" for name, errors in posted.errors.items())
            )
        number = posted.cleaned_data["revision"]
        if "request_changes" in request.POST:
            editorial.request_changes(
                canonical, user=request.user, revision_number=number, comment=posted.cleaned_data["comment"]
            )
            messages.success(request, f"Revision {number} was sent back to its editor with your comment.")
            return _back_to(canonical)
        signed = editorial.sign_off(
            canonical, user=request.user, revision_number=number, change_note=posted.cleaned_data["change_note"]
        )
    except editorial.EditorialError as refusal:
        messages.error(request, str(refusal))
        return redirect("admin:monographs_article_sign_off", canonical.pk)
    if isinstance(signed, ScheduledChange):
        messages.success(
            request,
            f"Signed off revision {signed.revision.number} as {signed.reviewer}: "
            f"it goes live at {timezone.localtime(signed.at):%B %-d, %Y, %H:%M %Z}.",
        )
    else:
        messages.success(
            request, f"Signed off revision {signed.revision.number} as {signed.reviewer}: the answer is live."
        )
    return _back_to(canonical)


@dataclass
class Reading:
    """One answer on the page where a reviewer signs off several: what they read, and whether they may sign."""

    article: Article
    revision: Revision | None
    refusal: str
    diff: object = None  # changes from the live revision, or every field of a new answer

    @property
    def prefix(self):
        """The ids of this answer's fields on the page, apart from the other answers'."""
        return f"answer-{self.article.pk}"


def sign_off_many(admin_view, request, queryset):
    """Show each chosen answer's changes and the byline it will get; sign off only those ticked, as shown.

    Each tick names the answer and the revision the reviewer read, so a revision saved
    after the page was shown is refused (by `editorial.sign_off`), never signed unread.
    """
    readings = [_reading(article, request.user) for article in queryset.canonical().order_by("question")]
    nothing_ticked = False
    if request.POST.get("confirm") == "yes":
        ticked = dict(_ticked(request.POST.getlist("sign")))
        nothing_ticked = not ticked
        if ticked:
            signed, refusals = 0, []
            for reading in readings:
                if reading.article.pk not in ticked:
                    continue
                try:
                    editorial.sign_off(reading.article, user=request.user, revision_number=ticked[reading.article.pk])
                    signed += 1
                except (editorial.EditorialError, PermissionDenied) as refusal:
                    refusals.append(f"“{reading.article}”: {refusal}")
            if signed:
                messages.success(request, f"{signed} answer{'s' if signed != 1 else ''} signed off and published.")
            for refusal in refusals:
                messages.warning(request, f"Not signed off: {refusal}")
            return None
    return _render(
        admin_view,
        request,
        "admin/monographs/article/sign_off_many.html",
        {
            "title": "Read and sign off answers",
            "readings": readings,
            "selected": request.POST.getlist("_selected_action"),
            "reviewer": _reviewer_or_none(request.user),
            "nothing_ticked": nothing_ticked,
        },
    )


def _reading(article, user) -> Reading:
    latest = editorial.latest_revision(article)
    if latest is None:
        return Reading(article, None, "It has no saved revision.")
    refusal = editorial.sign_off_refusal(article, latest, user)
    if refusal:
        return Reading(article, latest, refusal)
    live = article.sign_offs.select_related("revision").first()
    changes = diff.compare(live.revision.content, latest.content) if live else diff.show(latest.content)
    return Reading(article, latest, "", changes)


def _ticked(values):
    """Yield (answer id, revision number) from the ticks "ID:NUMBER"; anything else is ignored."""
    for value in values:
        pk, _, number = value.partition(":")
        if pk.isdigit() and number.isdigit() and len(pk) <= 18 and len(number) <= 9:
            yield int(pk), int(number)


def _reviewer_or_none(user):
    try:
        return editorial.reviewer_for(user)
    except editorial.EditorialError:
        return None


@dataclass
class HistoryEntry:
    """One line of an answer's audit trail: a saved revision, a sign-off or another review step."""

    when: datetime
    who: str
    what: str
    why: str = ""
    revision: Revision | None = None  # set for saved revisions, which can be compared and restored
    flag: str = ""


def _who(user, default="—"):
    return (user.get_full_name() or user.get_username()) if user else default


def history(canonical) -> list[HistoryEntry]:
    """Return every event in an answer's life, newest first: saves, imports, review steps, sign-offs, withdrawals."""
    entries = [
        HistoryEntry(
            r.created_at,
            _who(
                r.created_by,
                "An import"
                if r.source in (Revision.Source.IMPORT, Revision.Source.UNDO, Revision.Source.MERGE)
                else "—",
            ),
            f"{r.get_source_display()}: revision {r.number}",
            r.note,
            revision=r,
        )
        for r in canonical.revisions.select_related("created_by")
    ]
    for signed in canonical.sign_offs.select_related("reviewer", "revision", "signed_by"):
        entries.append(
            HistoryEntry(
                signed.signed_at,
                _who(signed.signed_by, str(signed.reviewer)),
                f"Signed off revision {signed.revision.number} as {signed.reviewer}",
                signed.change_note,
                flag="Signed off by a person who also wrote it (DRUGREF_SAME_PERSON_SIGN_OFF)"
                if signed.same_person
                else "",
            )
        )
    for event in canonical.events.select_related("created_by"):
        what = event.get_kind_display() + (f": revision {event.revision_number}" if event.revision_number else "")
        entries.append(HistoryEntry(event.created_at, _who(event.created_by), what, event.note))
    return sorted(entries, key=lambda entry: entry.when, reverse=True)


def revisions(admin_view, request, pk):
    canonical = admin_view.get_canonical(request, pk)
    entries = history(canonical)
    return _render(
        admin_view,
        request,
        "admin/monographs/article/revisions.html",
        {
            "title": f"History of “{canonical}”",
            "article": canonical,
            "entries": entries,
            "newest": max((e.revision.number for e in entries if e.revision), default=None),
            "can_change": admin_view.has_change_permission(request),
            # The withdrawn version can be brought back too; otherwise the newest is what the draft holds.
            "restore_newest": canonical.state == Article.State.WITHDRAWN,
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
            "diff": diff.compare(old.content, new.content),
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


@post_only
def cancel_schedule(admin_view, request, pk, kind):
    """Cancel a scheduled go-live or take-down (the permission is checked by `editorial.cancel_schedule`)."""
    canonical = admin_view.get_canonical(request, pk)
    try:
        editorial.cancel_schedule(canonical, kind, request.user)
        messages.success(request, "The scheduled change is cancelled.")
    except editorial.EditorialError as refusal:
        messages.error(request, str(refusal))
    return _back_to(canonical)


def confirm_withdrawal(admin_view, request, queryset, *, posted=None):
    """Ask before withdrawing, why, and (optionally) when, listing the published answers that link to each one."""
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
            "form": posted or forms.WithdrawForm(),
        },
    )
