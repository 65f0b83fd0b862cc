"""The one way a change throws away the cached pages that show it."""

from django.db import transaction

from . import front, store


def purge(tags):
    """Purge the pages carrying any of `tags` from the page cache and the front cache.

    The page cache is purged at once, so that the rest of this request sees the
    change, and again when the transaction commits, so that no app server keeps
    a page it rendered from the database before the commit. The front cache is
    purged after the commit, once the app cache can no longer hand it old pages.
    """
    tags = frozenset(tags)
    if not tags:
        return
    store.purge(tags)

    def after_commit():
        store.purge(tags)
        front.purge(tags)

    transaction.on_commit(after_commit, robust=True)
