"""Undo an import batch: put back what it changed, remove what it created."""

from django.db import transaction
from django.utils import timezone

from .. import editorial
from ..caching import tags as cache_tags
from ..caching.purge import purge
from ..content import apply_content, live_content, snapshot
from ..models import Article, ImportBatch, Revision, SignOff


class UndoRefused(Exception):
    """The batch cannot be undone without losing later work; nothing was changed."""


@transaction.atomic
def undo_batch(batch_id: int) -> tuple[int, int]:
    """Undo batch `batch_id`; return (answers restored, answers removed)."""
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
    purges, undone = set(), []
    for revision in revisions:
        article = revision.article
        before = live_content(article)
        if revision.number == 1:
            article.delete()
            purges |= cache_tags.answer_change(article.pk or revision.article_id, before, None)
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
            editorial.keep_old_address(article, before["slug"])
        keeps_sign_off = signed and article.is_live
        undone.append(
            editorial.NewRevision(
                article_id=article.pk,
                number=editorial.claim_versions([article.pk])[article.pk],
                content=snapshot(article),
                signed_off_by=signed.reviewer_id if keeps_sign_off else None,
                reviewed_on=signed.reviewed_on if keeps_sign_off else None,
            )
        )
        purges |= cache_tags.answer_change(article.pk, before, live_content(article))
        restored += 1
    editorial.record_revisions(undone, source=Revision.Source.UNDO, note=f"Undid import batch {batch_id}")
    purge(purges)
    batch.undone_at = timezone.now()
    batch.save(update_fields=["undone_at"])
    return restored, removed
