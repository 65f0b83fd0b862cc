"""The page cache: whole responses in the configured Django cache, valid while their tags' versions hold.

Each tag has a version (a random token) in the cache. An entry records the
versions of its tags when it was stored; purging a tag gives it a new version,
so every entry carrying it stops matching, on every app server sharing the
cache, without anyone listing the entries. A purge also bumps a generation
counter first: a page rendered while a purge ran is not stored, since it may
show what the purge was about.

A cache that fails or is slow is treated as empty for a few seconds: pages come
from the database, slower, never failing.
"""

import logging
import secrets
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

log = logging.getLogger(__name__)

GENERATION = "pagecache:generation"
TAG_PREFIX = "pagecache:tag:"
ENTRY_PREFIX = "pagecache:page:"
# After an error, leave the cache alone this long instead of waiting on it for every request.
BACKOFF_SECONDS = 5.0

_down_until = 0.0


def _cache():
    return caches[settings.DRUGREF_PAGE_CACHE_ALIAS]


def _guarded(default, backoff=True):
    """Run a cache operation; on any error, log it, back off for a while, and return `default`."""

    def decorate(operation):
        def run(*args, **kwargs):
            global _down_until
            if backoff and time.monotonic() < _down_until:
                return default
            try:
                return operation(*args, **kwargs)
            except Exception as failure:
                _down_until = time.monotonic() + BACKOFF_SECONDS
                # One line: an outage repeats it for every request and every retried purge.
                log.error("Page cache unavailable during %s: %r", operation.__name__, failure)
                return default

        run.__name__ = operation.__name__
        run.__doc__ = operation.__doc__
        return run

    return decorate


def _tag_keys(tags):
    return {TAG_PREFIX + tag: tag for tag in tags}


class _Recent:
    """This process's most recently validated entries, each with the generation it was validated at.

    While no purge has run since (the generation is unchanged), such an entry is
    still valid: a hit then costs one small read from a shared cache instead of
    fetching the page and its tags' versions.
    """

    SIZE = 500

    def __init__(self):
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, generation):
        with self.lock:
            found = self.entries.get(key)
            if found is None or found[1] != generation:
                return None
            self.entries.move_to_end(key)
            return found[0]

    def put(self, key, entry, generation):
        with self.lock:
            self.entries[key] = (entry, generation)
            self.entries.move_to_end(key)
            while len(self.entries) > self.SIZE:
                self.entries.popitem(last=False)


_recent = _Recent()


@_guarded(default=None)
def get(key: str, generation=None):
    """Return the entry stored under `key` if all its tags are still at the versions it was stored with.

    `generation`, if the caller has just read it (`generation()`), saves reading it again.
    """
    cache = _cache()
    shared = not isinstance(cache, LocMemCache)
    # The generation is read before the tags' versions: a purge changes it before them.
    if shared and generation is None:
        generation = _generation(cache)
    if shared and (entry := _recent.get(key, generation)) is not None:
        return entry
    entry = cache.get(ENTRY_PREFIX + key)
    if entry is None:
        return None
    current = cache.get_many(list(entry.versions))
    if not all(current.get(k) == v for k, v in entry.versions.items()):
        return None
    if shared:
        _recent.put(key, entry, generation)
    return entry


def _generation(cache):
    # From the primary, when the cache has replicas: a replica may not have seen the latest purge yet.
    generation = getattr(cache, "get_from_primary", cache.get)(GENERATION)
    if generation is None:  # never set, or evicted: a new value, which no earlier stamp can match
        cache.add(GENERATION, secrets.token_hex(8), timeout=None)
        generation = cache.get(GENERATION)
    return generation


@_guarded(default=None)
def generation_counting(counter: str, timeout: int):
    """Return (count, generation): `counter` added one to (kept `timeout` seconds) and the purge generation,
    in one round trip; None where the cache cannot do both at once (only drugref's Redis can) or is down."""
    cache = _cache()
    if not hasattr(cache, "count_and_get_from_primary"):
        return None
    count, generation = cache.count_and_get_from_primary(counter, GENERATION, timeout)
    return count, generation if generation is not None else _generation(cache)


@_guarded(default=None)
def generation():
    """Return the purge generation; read before rendering, so `put` can tell whether a purge ran meanwhile."""
    return _generation(_cache())


@_guarded(default=False)
def put(key: str, entry, tags, seen_generation, timeout=None) -> bool:
    """Store `entry` under `key` with its tags' current versions, unless a purge ran since `seen_generation`.

    It is kept `timeout` seconds (DRUGREF_PAGE_CACHE_SECONDS unless given).
    """
    cache = _cache()
    keys = _tag_keys(tags)
    versions = cache.get_many(list(keys))
    missing = [k for k in keys if k not in versions]
    for k in missing:
        cache.add(k, secrets.token_hex(8), timeout=None)
    if missing:
        versions |= cache.get_many(missing)
    if _generation(cache) != seen_generation or len(versions) != len(keys):
        return False
    entry.versions = versions
    cache.set(ENTRY_PREFIX + key, entry, timeout=timeout or settings.DRUGREF_PAGE_CACHE_SECONDS)
    return True


# A purge is always tried, even while reads back off: it must not be skipped because of an earlier blip.
@_guarded(default=False, backoff=False)
def purge(tags) -> bool:
    """Give every tag a new version, so no stored entry carrying one of them matches any more."""
    cache = _cache()
    # The generation goes first: a render that read the database before the change must not be
    # stored, and no app server may keep serving its recent entries without checking their tags.
    cache.set(GENERATION, secrets.token_hex(8), timeout=None)
    cache.set_many({k: secrets.token_hex(8) for k in _tag_keys(tags)}, timeout=None)
    return True


def clear_backoff():
    """Forget a past failure and this process's recent entries (for tests)."""
    global _down_until
    _down_until = 0.0
    _recent.entries.clear()
