"""The changes feed: every change to what readers see of an answer, written with the change, in commit order.

Whoever changes a live answer (editorial.py: a sign-off, a withdrawal, an undone
import; interchange/load.py: an import) hands `record` what readers saw before
and see after, as it hands the same to the cache purge. A partner who reads the
feed from the start, and goes on from the last id it read, holds exactly the
live answers: each change says published, updated, address changed, withdrawn
or restored, with the answer's address and the revision readers now see.
"""

from django.db import connection

from .lookups import any_of
from .models import ContentChange

Kind = ContentChange.Kind
# Changes are numbered while this lock is held, and it is held until their transaction commits: ids appear
# in commit order, so no smaller id turns up after a partner has read past it. (SQLite writes one at a time.)
_LOCK = 0x64726366


def change(article_id: int, before: dict | None, after: dict | None, revision: int | None = None):
    """Return the feed's entry for a change from `before` to `after` (live content, or None): None if none is due."""
    if after is None:
        if before is None:
            return None
        return ContentChange(article_id=article_id, kind=Kind.WITHDRAWN, slug=before["slug"])
    entry = ContentChange(article_id=article_id, kind=Kind.UPDATED, slug=after["slug"], revision=revision)
    if before is None:
        entry.kind = Kind.PUBLISHED  # or RESTORED: `record` knows whether it was live before
    elif before["slug"] != after["slug"]:
        entry.kind, entry.previous_slug = Kind.ADDRESS_CHANGED, before["slug"]
    return entry


def record(entries) -> int:
    """Write the feed's entries for changes made in the current transaction (None entries are skipped)."""
    entries = [entry for entry in entries if entry is not None]
    if not entries:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
    first = {entry.article_id for entry in entries if entry.kind == Kind.PUBLISHED}
    if first:
        # Live before (and since taken down): back again, not new.
        known = set(ContentChange.objects.filter(any_of("article_id", first)).values_list("article_id", flat=True))
        for entry in entries:
            if entry.kind == Kind.PUBLISHED and entry.article_id in known:
                entry.kind = Kind.RESTORED
    ContentChange.objects.bulk_create(entries, batch_size=2000)
    return len(entries)
