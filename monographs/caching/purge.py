"""The one way a change throws away the cached pages that show it."""

from . import outbox, store


def purge(tags):
    """Purge the pages carrying any of `tags` from the page cache and the front caches.

    The page cache is purged at once, so that the rest of this request sees the
    change and no page rendered meanwhile is stored. The purge is also written
    to the outbox with the change, and delivered to the page cache and then the
    front caches after the commit (retried until each acknowledges), so that no
    app server or front cache keeps a page rendered before the commit.
    """
    tags = frozenset(tags)
    if not tags:
        return
    store.purge(tags)
    outbox.record(tags)
