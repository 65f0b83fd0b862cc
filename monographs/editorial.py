"""The editorial life of an answer: revisions, pending drafts, sign-off, withdrawal.

An answer (the "canonical" Article row) always holds what readers see once it
is live. Edits to a live answer go to its pending draft, a second Article row
with `draft_of` set, which readers never see. Every save records a Revision of
the canonical answer; a medical reviewer's SignOff approves exactly one
revision, and only then is its content copied to the live answer.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import bulk, changefeed, notifications
from .caching import tags as cache_tags
from .caching.purge import purge
from .content import FIELDS, LINK_MODELS, apply_content, changed_fields, live_content, snapshot, three_way
from .lookups import any_of
from .models import (
    SUBJECT_KINDS,
    Article,
    ArticleEvent,
    ArticleRedirect,
    ImportBatch,
    LabelCheck,
    Reviewer,
    Revision,
    ScheduledChange,
    SignOff,
)

SIGN_OFF_PERMISSION = "monographs.sign_off_article"
WITHDRAW_PERMISSION = "monographs.withdraw_article"
CHANGE_PERMISSION = "monographs.change_article"
PREVIEW_PERMISSION = "monographs.preview_article"


class EditorialError(Exception):
    """A step that is not allowed now, with a message for the person who tried it."""


class EditConflict(EditorialError):
    """Someone saved the answer after the editor opened it."""

    def __init__(self, article, seen_version):
        self.article = article
        self.seen_version = seen_version
        self.revisions = list(
            article.revisions.filter(number__gt=seen_version).select_related("created_by").order_by("number")
        )
        # A version from the future (a forged form) conflicts with the latest revision.
        latest = self.revisions[-1] if self.revisions else latest_revision(article) or Revision(number=0, content={})
        self.base = _content_at(article, seen_version)
        self.theirs = latest.content
        self.their_number = latest.number
        self.changed_fields = changed_fields(self.base, self.theirs)
        self.who = ", ".join(sorted({_person(r.created_by) for r in self.revisions or [latest]}))
        self.when = timezone.localtime(latest.created_at).strftime("%H:%M on %B %-d")
        what = ", ".join(self.changed_fields) or "nothing visible"
        super().__init__(
            f"{self.who} saved this answer at {self.when}, after you opened it (changed: {what}). "
            "Nothing was saved: check the form and save again."
        )


def _person(user):
    return (user.get_full_name() or user.get_username()) if user else "An import"


def _content_at(article, number):
    revision = article.revisions.filter(number=number).first()
    return revision.content if revision else {}


def changes_through_a_draft(article: Article) -> bool:
    """Return whether edits to an answer go to a pending draft: it is live, or withdrawn (readers get its 410)."""
    return article.draft_of_id is None and (article.is_live or article.state == Article.State.WITHDRAWN)


def working_copy(article: Article) -> Article:
    """Return where edits to an answer go: its pending draft if it has one, else itself."""
    try:
        return article.pending_draft
    except Article.DoesNotExist:
        return article


def check_version(article: Article, seen_version: int) -> None:
    """Raise EditConflict if anyone saved since `seen_version`; else hold the answer until this transaction ends.

    Checking writes nothing, so a form shown again has nothing to undo; the lock
    (PostgreSQL's row lock, SQLite's write lock) keeps the check true until the save claims the version.
    """
    current = Article.objects.select_for_update().values_list("version", flat=True).get(pk=article.pk)
    if current != seen_version:
        raise EditConflict(article, seen_version)


def claim_version(article: Article, seen_version: int) -> int:
    """Take the next revision number, or raise EditConflict if anyone saved since `seen_version`."""
    if not Article.objects.filter(pk=article.pk, version=seen_version).update(version=F("version") + 1):
        raise EditConflict(article, seen_version)
    article.version = seen_version + 1
    return article.version


def claim_versions(pks) -> dict[int, int]:
    """Give many answers their next version at once; return the new versions by id.

    The update locks the rows to the end of the transaction, so no one else takes the same number.
    Every revision number comes from here or from `claim_version` (an editor's save, checked for conflicts).
    """
    pks = set(pks)
    Article.objects.filter(any_of("pk", pks)).update(version=F("version") + 1)
    return dict(Article.objects.filter(any_of("pk", pks)).values_list("pk", "version"))


def _next_version(article: Article) -> int:
    article.version = claim_versions([article.pk])[article.pk]
    return article.version


@dataclass(frozen=True)
class NewRevision:
    """One revision of many recorded at once, signed off by a reviewer on a date if it says so."""

    article_id: int
    number: int
    content: dict
    signed_off_by: int | None = None  # a reviewer's id
    reviewed_on: date | None = None


def record_revisions(revisions: list[NewRevision], *, source, batch: ImportBatch | None = None, note="", now=None):
    """Record many revisions, and the sign-offs some carry, at once (an import batch, its undo): a COPY of each kind.

    Like `record_revision` and `publish` one at a time, without the checks a person's
    sign-off goes through: the records were validated before (an importer's job), or
    the sign-offs are ones given before (an undo). Numbers come from `claim_versions`.
    """
    now = now or timezone.now()
    ids = bulk.reserve_ids(Revision, len(revisions))
    bulk.insert_rows(
        Revision,
        ("id", "article_id", "number", "created_at", "source", "batch_id", "note", "content"),
        [
            (pk, r.article_id, r.number, now, source, batch and batch.pk, note, r.content)
            for pk, r in zip(ids, revisions, strict=True)
        ],
    )
    bulk.insert_rows(
        SignOff,
        ("revision_id", "article_id", "reviewer_id", "reviewed_on", "signed_at", "change_note"),
        [
            (pk, r.article_id, r.signed_off_by, r.reviewed_on, now, "")
            for pk, r in zip(ids, revisions, strict=True)
            if r.signed_off_by
        ],
    )


def write_imported(*, new, updated, fields, rendered, moved, relive, batch_size):
    """Write the answers' rows of an import batch at once: validated and compared by the loader, versions claimed.

    `new` is (columns, rows) of new answers, COPied; `updated` changed answers, saved in `fields`; `rendered`
    those whose text changed. Addresses are kept as for any other change: `moved` (answer, its live address
    before or None) have a new address; `relive` a new address or state. Revisions follow (`record_revisions`).
    """
    for article, live_slug in moved:
        keep_old_address(article, live_slug)
    for article in relive:
        if article.state == Article.State.PUBLISHED:
            keep_past_addresses(article)  # live again, or elsewhere: where readers knew it leads here
    bulk.insert_rows(Article, *new)
    Article.objects.bulk_update(updated, fields, batch_size=batch_size)
    Article.objects.bulk_update(rendered, ["answer", "answer_html", "answer_text"], batch_size=batch_size)


def record_revision(article, *, content=None, number=None, user=None, note="", source=Revision.Source.ADMIN):
    """Record the next revision of a canonical answer: its working copy's content unless given.

    A version signed off ahead of its time that changes again no longer goes live unseen: its schedule ends.
    """
    content = snapshot(working_copy(article)) if content is None else content
    revision = Revision.objects.create(
        article=article,
        number=number or _next_version(article),
        created_by=user,
        note=note,
        source=source,
        content=content,
    )
    if scheduled := _scheduled_publication(article):
        _cancel(
            article,
            scheduled,
            user,
            f"Revision {revision.number} changed it after its sign-off: it goes live only with a new sign-off.",
        )
    return revision


@transaction.atomic
def start_draft(article: Article) -> Article:
    """Return the pending draft of a live (or withdrawn) answer, creating it from the answer's content."""
    # Two editors starting a draft at once get the same one.
    article = Article.objects.select_for_update().get(pk=article.pk)
    draft = working_copy(article)
    if draft is article:
        draft = apply_content(Article(draft_of=article), snapshot(article), state=Article.State.DRAFT)
    return draft


def publish(article, revision, *, reviewer, reviewed_on, signed_by=None, change_note="", **sign_off) -> SignOff:
    """Make `revision` the live content of `article`, signed off by `reviewer` on `reviewed_on`."""
    new_slug = revision.content.get("slug", article.slug)
    if Article.objects.canonical().filter(slug=new_slug).exclude(pk=article.pk).exists():
        raise EditorialError(f"Another answer already uses the address “{new_slug}”; change the slug first.")
    before = live_content(article)
    # The address readers last used: the live one, or where a withdrawn answer answered 410.
    last_address = before["slug"] if before else article.slug if article.state == Article.State.WITHDRAWN else None
    change_log = article.change_log
    if change_note:
        change_log = [{"on": reviewed_on.isoformat(), "note": change_note}, *change_log]
    apply_content(
        article,
        revision.content,
        reviewer=reviewer,
        reviewed_on=reviewed_on,
        state=Article.State.PUBLISHED,
        change_log=change_log,
    )
    keep_old_address(article, last_address)
    keep_past_addresses(article)
    _clear_label_checks(article, signed_by, LabelCheck.Cleared.SIGNED_OFF)  # read again and signed off
    after = live_content(article)
    purge(cache_tags.answer_change(article.pk, before, after))
    signed = SignOff.objects.create(
        revision=revision,
        article=article,
        reviewer=reviewer,
        reviewed_on=reviewed_on,
        signed_by=signed_by,
        change_note=change_note,
        **sign_off,
    )
    changefeed.record([changefeed.change(article.pk, before, after, revision.number)])  # last: it takes a lock
    return signed


def keep_old_address(article: Article, old_slug: str | None):
    """Keep a live answer's old address answering, with a 301, now that its slug has changed."""
    # An address in use again is no longer a redirect.
    ArticleRedirect.objects.filter(old_slug=article.slug).delete()
    if old_slug and old_slug != article.slug:
        ArticleRedirect.objects.update_or_create(old_slug=old_slug, defaults={"article": article})


def keep_past_addresses(article: Article):
    """Make every address a live answer was ever live at lead to it, where no other answer holds that address.

    Those are the slugs of its signed-off revisions: an answer taken offline (withdrawn, an import
    undone) and renamed meanwhile still answers where readers knew it, once it is live again.
    """
    past = {slug for slug in article.revisions.filter(sign_off__isnull=False).values_list("content__slug", flat=True)}
    past -= {article.slug, None}
    if not past:
        return
    held = set(
        Article.objects.canonical().filter(slug__in=past).exclude(pk=article.pk).values_list("slug", flat=True)
    ) | set(
        ArticleRedirect.objects.filter(old_slug__in=past).exclude(article=article).values_list("old_slug", flat=True)
    )
    kept = sorted(past - held)
    # Redirects kept from before (while the answer was offline, they led nowhere) stay; the others are made.
    ours = set(ArticleRedirect.objects.filter(old_slug__in=kept, article=article).values_list("old_slug", flat=True))
    ArticleRedirect.objects.bulk_create(
        ArticleRedirect(old_slug=slug, article=article) for slug in kept if slug not in ours
    )
    purge({cache_tags.answer_address(slug) for slug in kept})  # a 404 cached there gives way to the redirect


def reserved_by(slug: str, article_pk: int | None) -> ArticleRedirect | None:
    """Return the redirect that keeps `slug` for another answer than `article_pk`, if any: it is not free to take."""
    return (
        ArticleRedirect.objects.select_related("article").filter(old_slug=slug).exclude(article_id=article_pk).first()
    )


def release_address(slug: str, user, for_article: Article):
    """Free an old address for `for_article`, recording it in the history of the answer that loses it."""
    redirect = reserved_by(slug, for_article.pk)
    if redirect is None:
        return
    ArticleEvent.objects.create(
        article=redirect.article,
        kind=ArticleEvent.Kind.ADDRESS_RELEASED,
        created_by=user,
        note=f"/{slug}/ no longer leads here: it was released for “{for_article}”.",
    )
    redirect.delete()


def reviewer_for(user) -> Reviewer:
    """Return the reviewer profile a user signs off as, or raise EditorialError."""
    reviewer = Reviewer.objects.filter(user=user).first() if user.is_authenticated else None
    if reviewer is None:
        raise EditorialError(
            "Your account is not linked to a reviewer profile, so a sign-off could not name you. "
            "Ask an administrator to link it under Reviewers (or to add you with manage.py add_staff)."
        )
    return reviewer


def latest_revision(article: Article) -> Revision | None:
    """Return the answer's newest revision: the one a sign-off would approve."""
    return article.revisions.order_by("-number").first()


def needs_sign_off(revision: Revision | None) -> bool:
    """Return whether a revision exists and still awaits a medical sign-off.

    A revision that only normalised the text (migration 0013) changed no word: it
    needs a sign-off only if the revision it normalised did.
    """
    while revision is not None and not SignOff.objects.filter(revision=revision).exists():
        if revision.source != Revision.Source.NORMALISE:
            return True
        revision = revision.article.revisions.filter(number__lt=revision.number).order_by("-number").first()
    return False


def authors_since_sign_off(article: Article, up_to: int):
    """Return the accounts that wrote any revision of `article` after its last sign-off, up to `up_to`."""
    # An import's sign-off vouches for the import's text only: a draft written before it and
    # taken into it since (take_into_drafts) still counts its writers.
    signed = (
        article.revisions.filter(sign_off__isnull=False)
        .exclude(source=Revision.Source.IMPORT)
        .order_by("-number")
        .values("number")[:1]
    )
    revisions = article.revisions.filter(number__lte=up_to).exclude(created_by=None)
    if signed:
        revisions = revisions.filter(number__gt=signed[0]["number"])
    User = Revision._meta.get_field("created_by").related_model
    return User.objects.filter(pk__in=revisions.values("created_by"))


def _check_current(article: Article, revision_number: int) -> Revision:
    """Return the answer's latest revision if it is `revision_number` and waits for review; else refuse."""
    latest = latest_revision(article)
    if latest is None or latest.number != revision_number:
        raise EditorialError(
            f"The answer changed after you opened it: revision {latest.number if latest else 0} is now the "
            f"latest, not {revision_number}. Read it again before you sign it off."
        )
    if refusal := _not_waiting(article, latest):
        raise EditorialError(refusal)
    return latest


# Text that marks an answer as not yet written: never signed off, whoever asks.
PLACEHOLDER = re.compile(r"^\s*draft answer for\b|\b(?:TODO|TBD|FIXME|lorem ipsum)\b", re.IGNORECASE)


def placeholder_refusal(content: dict) -> str:
    """Return why a revision's content cannot be signed off as an answer (empty, or a placeholder), or ""."""
    answer = (content.get("answer") or "").strip()
    if not answer:
        return "It has no answer text: there is nothing for readers to read."
    if found := PLACEHOLDER.search(answer):
        return f"Its answer still holds placeholder text (“{found.group(0).strip()}”): write the answer first."
    return ""


def _not_waiting(article: Article, revision: Revision) -> str:
    """Return why `revision` (the answer's latest) is not waiting for a reviewer's decision, or ""."""
    if scheduled := _scheduled_publication(article):
        return (
            f"Revision {revision.number} is signed off and goes live at {_local(scheduled.at)}. "
            "There is nothing to sign."
        )
    if not needs_sign_off(revision):
        return f"Revision {revision.number} is already signed off. There is nothing to sign."
    if working_copy(article).state != Article.State.IN_REVIEW:
        return (
            f"Revision {revision.number} has not been submitted for review yet: its editor submits it when it is ready."
        )
    return ""


def sign_off_refusal(article: Article, revision: Revision, user) -> str:
    """Return why `user` cannot sign off `revision`, the answer's latest, or "" if they can.

    The one statement of the rules: the sign-off page shows it, and `sign_off` refuses with it.
    """
    if refusal := _not_waiting(article, revision):
        return refusal
    if refusal := placeholder_refusal(revision.content):
        return f"Revision {revision.number} cannot be signed off. {refusal}"
    if settings.DRUGREF_SIGN_OFF_NEEDS_SOURCE and not revision.content.get("sources"):
        return (
            f"Revision {revision.number} cannot be signed off. It cites no source: add at least one under "
            "Sources (what readers can check it against) first."
        )
    if not settings.DRUGREF_SAME_PERSON_SIGN_OFF and user in authors_since_sign_off(article, revision.number):
        return (
            f"You wrote part of revision {revision.number}, so another medical reviewer must sign it off: "
            "two people check every answer."
        )
    return ""


def why_not_you(article: Article, revision: Revision, user) -> str:
    """Return why `user` is not offered the sign-off of `revision` (in review), or "" if they are."""
    if not user.has_perm(SIGN_OFF_PERMISSION):
        return "Your account is not in the Medical reviewers group, so it cannot sign off answers."
    try:
        reviewer_for(user)
    except EditorialError as refusal:
        return str(refusal)
    return sign_off_refusal(article, revision, user)


def who_may_sign_off(article: Article, revision: Revision) -> list[Reviewer]:
    """Return the reviewers whose accounts may sign off `revision` now: its second pair of eyes."""
    reviewers = Reviewer.objects.filter(user__in=notifications.medical_reviewers()).select_related("user")
    if settings.DRUGREF_SAME_PERSON_SIGN_OFF:
        return list(reviewers)
    authors = set(authors_since_sign_off(article, revision.number))
    return [reviewer for reviewer in reviewers if reviewer.user not in authors]


@transaction.atomic
def sign_off(article, *, user, revision_number, change_note="") -> SignOff | ScheduledChange:
    """Publish exactly revision `revision_number` of a canonical answer, signed by `user` today.

    If its editor set a "publish at" still to come, the sign-off is kept and it goes live then
    (`carry_out_schedules`); the returned ScheduledChange says when.
    """
    if not user.has_perm(SIGN_OFF_PERMISSION):
        raise PermissionDenied("Only medical reviewers can sign off answers.")
    reviewer = reviewer_for(user)
    article = Article.objects.select_for_update().get(pk=article.pk)
    latest = _check_current(article, revision_number)
    if refusal := sign_off_refusal(article, latest, user):
        raise EditorialError(refusal)
    editors = list(authors_since_sign_off(article, latest.number))
    same_person = user in editors
    draft = working_copy(article)
    if publish_time(draft):
        return _schedule_publication(
            article, draft, latest, user=user, reviewer=reviewer, change_note=change_note, same_person=same_person
        )
    return _go_live(
        article,
        draft,
        latest,
        editors,
        reviewer=reviewer,
        reviewed_on=timezone.localdate(),
        signed_by=user,
        change_note=change_note.strip(),
        same_person=same_person,
    )


def publish_time(draft: Article):
    """Return when a working copy asks to go live, if that is still to come (a sign-off now schedules it), or None."""
    return draft.publish_at if draft.publish_at and draft.publish_at > timezone.now() else None


def _go_live(article, draft, revision, editors, **sign_off) -> SignOff:
    """Publish a signed-off `revision` now, done with its working copy `draft`, and tell its `editors`.

    `editors` are read before: once the revision is signed off, nobody wrote anything since.
    """
    article.publish_at = None  # its time, if it had one, has come
    signed = publish(article, revision, draft_id=draft.pk if draft is not article else None, **sign_off)
    if draft is not article:
        draft.delete()
    notifications.signed_off(article, signed, editors)
    return signed


def _said_by_permitted(user, permission, text: str, *, refused: str, empty: str) -> str:
    """Check that `user` may take a step that needs their words, and gave some; return them, trimmed."""
    if not user.has_perm(permission):
        raise PermissionDenied(refused)
    text = text.strip()
    if not text:
        raise EditorialError(empty)
    return text


@transaction.atomic
def request_changes(article, *, user, revision_number, comment) -> ArticleEvent:
    """Send a submitted answer back to its editors with a reviewer's comment; it is a draft again."""
    comment = _said_by_permitted(
        user,
        SIGN_OFF_PERMISSION,
        comment,
        refused="Only medical reviewers can request changes.",
        empty="Say what should change: the editor gets your comment.",
    )
    article = Article.objects.select_for_update().get(pk=article.pk)
    latest = _check_current(article, revision_number)
    draft = working_copy(article)
    draft.state = Article.State.DRAFT
    draft.save(update_fields=["state", "updated_at"])
    event = ArticleEvent.objects.create(
        article=article,
        kind=ArticleEvent.Kind.CHANGES_REQUESTED,
        revision_number=latest.number,
        created_by=user,
        note=comment,
    )
    notifications.changes_requested(article, event, authors_since_sign_off(article, latest.number))
    return event


# What editors answer by submitting again: a reviewer's request, or an import that changed what the draft changes.
ANSWERED_BY_SUBMITTING = (ArticleEvent.Kind.CHANGES_REQUESTED, ArticleEvent.Kind.IMPORT_CONFLICT)


def open_change_requests(article: Article, kinds=ANSWERED_BY_SUBMITTING):
    """Return the requests to the editors (`kinds`) they have not yet answered by submitting again."""
    return article.events.filter(kind__in=kinds, resolved_at=None).select_related("created_by")


@transaction.atomic
def submit_for_review(article: Article, user) -> Article:
    """Move an answer's draft to "in review", answering any change requests; return the draft."""
    if not user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied("You may not edit answers.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    draft = working_copy(article)
    if draft.state != Article.State.DRAFT:
        raise EditorialError(f"“{article}” has no draft to submit (it is {draft.get_state_display().lower()}).")
    if refusal := _unchanged_since_sent_back(article):
        raise EditorialError(refusal)
    draft.state = Article.State.IN_REVIEW
    draft.save(update_fields=["state", "updated_at"])
    now = timezone.now()
    open_change_requests(article).update(resolved_at=now)
    number = article.version
    ArticleEvent.objects.create(
        article=article, kind=ArticleEvent.Kind.SUBMITTED, revision_number=number, created_by=user, created_at=now
    )
    notifications.submitted(article, number, user)
    return draft


def _unchanged_since_sent_back(article: Article) -> str:
    """Return why the answer may not go back to review unchanged after a reviewer sent it back, or ""."""
    sent_back = open_change_requests(article, [ArticleEvent.Kind.CHANGES_REQUESTED]).order_by("-created_at").first()
    latest = latest_revision(article)
    if sent_back is None or latest is None or latest.content != _content_at(article, sent_back.revision_number):
        return ""
    return (
        f"Revision {sent_back.revision_number} was sent back by {_person(sent_back.created_by)}, who asked: "
        f"“{sent_back.note}”. Change the answer before you submit it again."
    )


def take_into_drafts(pks, *, source: str) -> list[Article]:
    """Bring a change just made to live answers `pks` (an import) into their pending drafts, field by field.

    The same rule as an edit conflict (`content.three_way`): fields only the change touched
    are taken into the draft; a field the draft changes too keeps the draft's text, and the
    draft goes back to its editors with an open IMPORT_CONFLICT naming the fields, which
    they answer by submitting again. Either way the draft's history says so, and a later
    sign-off of the draft cannot undo the change unseen. Returns the drafts with a conflict.
    """
    conflicted = []
    for draft in Article.objects.filter(any_of("draft_of_id", set(pks))).select_related("draft_of"):
        article = draft.draft_of
        changed = latest_revision(article)
        base = article.revisions.filter(number__lt=changed.number, sign_off__isnull=False).order_by("-number").first()
        mine = snapshot(draft)
        sorted_out = three_way(base.content if base else {}, changed.content, mine, FIELDS)
        if not (sorted_out["theirs"] or sorted_out["both"]):
            continue
        taken = {name: changed.content[name] for name in sorted_out["theirs"] if name in changed.content}
        back_to_editors = {"state": Article.State.DRAFT} if sorted_out["both"] else {}
        apply_content(draft, mine | taken, **back_to_editors)
        what = _field_names(sorted_out["theirs"]) or "nothing"
        merged = record_revision(
            article,
            source=Revision.Source.MERGE,
            note=f"{source} changed the live answer (revision {changed.number}): taken into this draft: {what}."
            + (
                f" Changed by both, the draft's text kept: {_field_names(sorted_out['both'])}."
                if sorted_out["both"]
                else ""
            ),
        )
        if sorted_out["both"]:
            ArticleEvent.objects.create(
                article=article,
                kind=ArticleEvent.Kind.IMPORT_CONFLICT,
                revision_number=merged.number,
                note=f"{source} changed {_field_names(sorted_out['both'])} of the live answer (revision "
                f"{changed.number}), which this draft changes too. The draft keeps its own text: compare it with "
                f"revision {changed.number}, choose, and submit again.",
            )
            conflicted.append(draft)
    return conflicted


def _field_names(names) -> str:
    return ", ".join(name.replace("_", " ") for name in names)


def linking_answers(article: Article):
    """Return the live answers whose curated links point to `article`."""
    linked = Q()
    for model in LINK_MODELS.values():
        linked |= Q(pk__in=model.objects.filter(target=article).values("source_id"))
    return Article.objects.live().filter(linked).for_list()


@transaction.atomic
def withdraw(article: Article, user, reason: str, at=None) -> Article:
    """Take a live answer off the site, recording who did and why: now, or at `at` if that is still to come."""
    reason = _said_by_permitted(
        user,
        WITHDRAW_PERMISSION,
        reason,
        refused="Only medical reviewers can withdraw answers.",
        empty="Give the reason for withdrawing: it goes in the answer's history.",
    )
    article = Article.objects.select_for_update().get(pk=article.pk)
    if not article.is_live:
        raise EditorialError(f"“{article}” is not published, so there is nothing to withdraw.")
    if at is not None and at > timezone.now():
        _schedule(article, ScheduledChange.Kind.TAKE_DOWN, at, user, note=reason)
        ArticleEvent.objects.create(
            article=article,
            kind=ArticleEvent.Kind.TAKE_DOWN_SCHEDULED,
            created_by=user,
            note=f"To be taken down at {_local(at)}: {reason}",
        )
        return article
    return _take_down(article, user, reason)


def _take_down(article: Article, user, reason: str) -> Article:
    """Withdraw a live answer (locked by the caller) now, with the purge; any take-down scheduled for it is done."""
    article.scheduled_changes.filter(kind=ScheduledChange.Kind.TAKE_DOWN).delete()
    before = live_content(article)
    article.state = Article.State.WITHDRAWN
    article.save(update_fields=["state", "updated_at"])
    ArticleEvent.objects.create(
        article=article,
        kind=ArticleEvent.Kind.WITHDRAWN,
        revision_number=article.version,
        created_by=user,
        note=reason,
    )
    purge(cache_tags.answer_change(article.pk, before, None))
    changefeed.record([changefeed.change(article.pk, before, None)])
    return article


@transaction.atomic
def restore(article: Article, revision: Revision, user) -> Revision:
    """Make an old revision the answer's new draft; it still needs a sign-off to go live.

    A live or withdrawn answer keeps what readers get (the page, or its 410) until then.
    """
    if not user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied("You may not edit answers.")
    draft = start_draft(article) if changes_through_a_draft(article) else working_copy(article)
    apply_content(draft, revision.content, state=Article.State.DRAFT)
    return record_revision(
        article, user=user, note=f"Restored revision {revision.number}", source=Revision.Source.RESTORE
    )


# Scheduled changes: a version signed off ahead of its "publish at", a take-down at a set time.
# Readers see them from their time on: `carry_out_schedules` runs in every app server (with the purge
# delivery), from `manage.py carry_out_schedules`, and before any public page is rendered once one is due
# (caching.pages), whichever comes first; until then no cached page outlives the next one's time.


def _scheduled_publication(article: Article) -> ScheduledChange | None:
    return article.scheduled_changes.filter(kind=ScheduledChange.Kind.PUBLISH).first()


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%B %-d, %Y, %H:%M %Z}"


def _schedule(article, kind, at, user, **fields) -> ScheduledChange:
    change, _ = ScheduledChange.objects.update_or_create(
        article=article, kind=kind, defaults={"at": at, "created_by": user, "created_at": timezone.now(), **fields}
    )
    return change


def _schedule_publication(article, draft, revision, *, user, reviewer, change_note, same_person) -> ScheduledChange:
    """Keep a sign-off of `revision` until the draft's "publish at"; readers see the live version till then."""
    change = _schedule(
        article,
        ScheduledChange.Kind.PUBLISH,
        draft.publish_at,
        user,
        revision=revision,
        reviewer=reviewer,
        reviewed_on=timezone.localdate(),
        change_note=change_note.strip(),
        same_person=same_person,
    )
    draft.state = Article.State.SCHEDULED
    draft.save(update_fields=["state", "updated_at"])
    ArticleEvent.objects.create(
        article=article,
        kind=ArticleEvent.Kind.SIGNED_OFF_AHEAD,
        revision_number=revision.number,
        created_by=user,
        note=f"Signed off as {reviewer}; it goes live at {_local(change.at)}.",
    )
    return change


def _cancel(article, change: ScheduledChange, user, why: str) -> None:
    """End a scheduled change; a version that was to go live waits for a sign-off again."""
    change.delete()
    draft = working_copy(article)
    if change.kind == ScheduledChange.Kind.PUBLISH and draft.state == Article.State.SCHEDULED:
        draft.state = Article.State.IN_REVIEW
        draft.save(update_fields=["state", "updated_at"])
    ArticleEvent.objects.create(
        article=article,
        kind=ArticleEvent.Kind.SCHEDULE_CANCELLED,
        created_by=user,
        note=f"{change.get_kind_display()} at {_local(change.at)}: cancelled. {why}",
    )


@transaction.atomic
def cancel_schedule(article: Article, kind: str, user) -> None:
    """Cancel a scheduled go-live (a reviewer) or take-down (who may withdraw); refuse if there is none."""
    permission = SIGN_OFF_PERMISSION if kind == ScheduledChange.Kind.PUBLISH else WITHDRAW_PERMISSION
    if not user.has_perm(permission):
        raise PermissionDenied("Only medical reviewers can change what readers see and when.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    change = article.scheduled_changes.filter(kind=kind).first()
    if change is None:
        raise EditorialError(f"“{article}” has nothing scheduled of that kind: it may have been carried out already.")
    why = "Signed off again, it goes live then." if kind == ScheduledChange.Kind.PUBLISH else "It stays live."
    _cancel(article, change, user, why)


def next_scheduled_change():
    """Return the time of the next scheduled change anywhere on the site, or None: no public page may outlive it."""
    return ScheduledChange.objects.order_by("at").values_list("at", flat=True).first()


def carry_out_schedules(now=None) -> int:
    """Carry out every scheduled change whose time has come, each in its own transaction; return how many."""
    now = now or timezone.now()
    due = ScheduledChange.objects.filter(at__lte=now).order_by("at", "pk").values_list("pk", "article_id")
    return sum(_carry_out(pk, article_id) for pk, article_id in list(due[:500]))


@transaction.atomic
def _carry_out(pk: int, article_id: int) -> int:
    # The answer is locked first, as every other step of its life does, then the change (gone if another did it).
    article = Article.objects.select_for_update().filter(pk=article_id).first()
    change = ScheduledChange.objects.select_for_update().filter(pk=pk).first()
    if article is None or change is None:
        return 0
    if change.kind == ScheduledChange.Kind.TAKE_DOWN:
        if article.is_live:
            _take_down(article, change.created_by, change.note)
        change.delete()
        return 1
    try:
        _go_live(
            article,
            working_copy(article),
            change.revision,
            list(authors_since_sign_off(article, change.revision.number)),
            reviewer=change.reviewer,
            reviewed_on=change.reviewed_on,
            signed_by=change.created_by,
            change_note=change.change_note,
            same_person=change.same_person,
        )
    except EditorialError as refusal:  # checked before anything was written: the address was taken meanwhile
        _cancel(article, change, None, f"It could not go live: {refusal}")
        return 1
    change.delete()
    return 1


# Undoing an import batch: the same owner puts back what it made live.


class UndoRefused(Exception):
    """The batch cannot be undone without losing later work; nothing was changed."""


class Undone(NamedTuple):
    restored: int  # answers put back as they were
    removed: int  # answers the batch created, deleted
    subjects_restored: int
    subjects_removed: int


@transaction.atomic
def undo_batch(batch_id: int) -> Undone:
    """Undo batch `batch_id`: its answers, then the subjects (drugs, conditions, ...) it made or changed."""
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise UndoRefused(f"There is no import batch {batch_id}.")
    if batch.undone_at:
        raise UndoRefused(f"Import batch {batch_id} was already undone on {batch.undone_at:%Y-%m-%d %H:%M}.")
    revisions = list(Revision.objects.filter(batch=batch).select_related("article"))
    later = [r for r in revisions if r.article.version > r.number]
    later += [r for r in revisions if Article.objects.filter(draft_of=r.article).exists() and r not in later]
    if later:
        names = "\n".join(
            f"  {r.article.slug}: changed after the import (now at revision {r.article.version})" for r in later[:50]
        )
        raise UndoRefused(
            f"Import batch {batch_id} cannot be undone: undoing it would lose later edits to "
            f"{len(later)} answer{'s' if len(later) != 1 else ''}:\n{names}"
        )
    restored = removed = 0
    purges, undone, changes = set(), [], []
    for revision in revisions:
        article = revision.article
        before = live_content(article)
        if revision.number == 1:
            article.delete()
            purges |= cache_tags.answer_change(article.pk or revision.article_id, before, None)
            changes.append(changefeed.change(revision.article_id, before, None))
            removed += 1
            continue
        previous = Revision.objects.select_related("sign_off").get(article=article, number=revision.number - 1)
        signed = SignOff.objects.filter(revision=previous).first()
        if signed and article.is_live:
            byline = {"reviewer": signed.reviewer, "reviewed_on": signed.reviewed_on}
        else:
            # Content nobody signed off never stays public.
            byline = {"state": Article.State.DRAFT if article.is_live else article.state}
        apply_content(article, previous.content, **byline)
        if article.is_live:
            # The address the import gave it leads back to it, and its own address is no longer a redirect.
            keep_old_address(article, before["slug"])
            keep_past_addresses(article)
        keeps_sign_off = signed and article.is_live
        undone.append(
            NewRevision(
                article_id=article.pk,
                number=claim_versions([article.pk])[article.pk],
                content=snapshot(article),
                signed_off_by=signed.reviewer_id if keeps_sign_off else None,
                reviewed_on=signed.reviewed_on if keeps_sign_off else None,
            )
        )
        after = live_content(article)
        purges |= cache_tags.answer_change(article.pk, before, after)
        changes.append(changefeed.change(article.pk, before, after, undone[-1].number))
        restored += 1
    record_revisions(undone, source=Revision.Source.UNDO, note=f"Undid import batch {batch_id}")
    changefeed.record(changes)
    subjects_restored, subjects_removed = _undo_subjects(batch)  # after the answers, which may name them
    purge(purges)
    batch.undone_at = timezone.now()
    batch.save(update_fields=["undone_at"])
    return Undone(restored, removed, subjects_restored, subjects_removed)


def _undo_subjects(batch) -> tuple[int, int]:
    """Put back the subjects `batch` changed and delete those it made; refuse where that would lose later work.

    Saves, deletes and relation changes go through the ORM, so their pages are purged as an editor's would be.
    """
    restored = removed = 0
    for change in reversed(batch.subjects):
        kind = SUBJECT_KINDS[change["kind"]]
        obj = kind.model.objects.filter(pk=change["pk"]).first()
        if obj is None:
            continue  # deleted since: nothing to put back
        name = f"{kind.name.replace('_', ' ')} {getattr(obj, kind.name_field)!r}"
        if change.get("created"):
            # Kept where something still names it (another answer, a sign-off in an answer's history).
            if not any(getattr(obj, rel.get_accessor_name()).exists() for rel in obj._meta.related_objects):
                obj.delete()
                removed += 1
            continue
        fields, relations = change.get("fields", {}), change.get("relations", {})
        later = [f for f, (_, after) in fields.items() if getattr(obj, f) != after]
        now = {r: sorted(getattr(obj, r).values_list("pk", flat=True)) for r in relations}
        later += [r for r, (_, after) in relations.items() if now[r] != after]
        if later:
            raise UndoRefused(
                f"Import batch {batch.pk} cannot be undone: the {name} was changed after the import "
                f"({', '.join(later)})."
            )
        for attr, (before, _) in fields.items():
            setattr(obj, attr, before)
        if fields:
            obj.save(update_fields=list(fields))
        for relation, (before, _) in relations.items():
            getattr(obj, relation).set(before)
        restored += 1
    return restored, removed


# Drug labels: a new version that changed a watched section puts the live answers about the drug up for re-review.


def open_label_checks(label, changed: list[str]) -> int:
    """Mark every live answer about a drug with `label`'s set id to be checked against it; return how many.

    `changed` names the watched sections that differ from the version before (labels.changed_sections).
    Readers see that the answer is being checked again; reviewers hear of it once, with this version.
    """
    answers = list(
        Article.objects.live().filter(drugs__label_set_id__iexact=label.set_id).distinct().only("pk", "question")
    )
    LabelCheck.objects.bulk_create(
        [LabelCheck(article=article, label=label, changed=changed) for article in answers], ignore_conflicts=True
    )
    purge({cache_tags.for_pk("article", article.pk) for article in answers})
    if answers:
        notifications.label_changed(label, changed, answers)
    return len(answers)


@transaction.atomic
def no_change_needed(article, *, user, note) -> int:
    """A reviewer's word that the live answer still holds against its drug's new label; return checks cleared."""
    note = _said_by_permitted(
        user,
        SIGN_OFF_PERMISSION,
        note,
        refused="Only medical reviewers can clear a label check.",
        empty="Say what you checked: the note is kept in the answer's history.",
    )
    article = Article.objects.select_for_update().get(pk=article.pk)
    cleared = _clear_label_checks(article, user, LabelCheck.Cleared.NO_CHANGE, note)
    if not cleared:
        raise EditorialError("There is no label change to check on this answer.")
    ArticleEvent.objects.create(article=article, kind=ArticleEvent.Kind.LABEL_CHECKED, created_by=user, note=note)
    purge({cache_tags.for_pk("article", article.pk)})
    return cleared


def _clear_label_checks(article, user, how, note="") -> int:
    return LabelCheck.objects.filter(article=article, cleared_at__isnull=True).update(
        cleared_at=timezone.now(), cleared_by=user, cleared_how=how, note=note
    )
