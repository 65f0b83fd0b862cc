"""API keys on every request (`Authorization: Api-Key <key>`), and each key's limit of requests a minute.

The limit is counted in the shared cache (every app server sees the same
count): one counter per key and minute, added to atomically. A key's first
request in a minute also records when it was last used, so a busy key writes
to the database once a minute, not once a request.
"""

import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from ninja.security import APIKeyHeader

from ..caching import store
from ..partners import ApiKey, hash_matches
from ..prepared import Prepared
from .errors import ApiError

log = logging.getLogger(__name__)
SCHEME = "Api-Key"
_UNAUTHORIZED = {"WWW-Authenticate": SCHEME}
COUNTED_SECONDS = 120  # a minute's count is kept into the next, then dropped


class KeyAuth(APIKeyHeader):
    """The partner's key, checked before anything else a request asks for, a cached body included."""

    param_name = "Authorization"
    openapi_description = f"A partner's key, sent as `Authorization: {SCHEME} <key>`."

    def __call__(self, request):
        if getattr(request, "api_key_id", None) is not None:
            return request.api_key_id  # checked and counted already (responses.KeptAnswerMiddleware)
        # Ninja reads the header itself; the whole value is read here, to say what is wrong with it.
        return self.authenticate(request, request.headers.get("Authorization"))

    def authenticate(self, request, value):
        if not value:
            raise ApiError(401, "unauthorized", f"Send your key as “Authorization: {SCHEME} <key>”.", _UNAUTHORIZED)
        scheme, _, presented = value.partition(" ")
        parts = ApiKey.split(presented.strip()) if scheme == SCHEME else None
        record, count, request.page_cache_generation = _check(*parts) if parts else (None, None, None)
        if record is None:
            raise ApiError(401, "unauthorized", "That key is not valid.", _UNAUTHORIZED)
        pk, _, revoked_at, partner_active = record
        if revoked_at is not None or not partner_active:
            raise ApiError(403, "key_revoked", "That key has been revoked.")
        _limit(pk, count)
        request.api_key_id = pk
        return pk


def _check(lookup: str, secret: str):
    """Return the key's record (id, hash, revoked at, partner active) or None, its count this minute, and
    the page cache's purge generation (None without a page cache).

    Each process remembers the records it read while the purge generation stays the same, and a minute at
    most; any save of a key or its partner moves the generation on (partners.forget), so a revoked key is
    refused on every app server at once. A key this process knows is counted in the same round trip that
    reads the generation; any other is counted only once its secret matched.
    """
    known = _known.get(lookup)
    if known is not None and hash_matches(known[2][1], secret):
        count, generation = _count_and_generation(known[2][0])
        fresh = generation is not None and known[0] == generation and time.monotonic() - known[1] < 60
        return known[2] if fresh else _read(lookup, secret, generation), count, generation
    generation = store.generation() if settings.DRUGREF_PAGE_CACHE else None
    record = _read(lookup, secret, generation)
    return record, record and _count(record[0]), generation


def _read(lookup: str, secret: str, generation):
    """The key's record from the database if `secret` is its secret, remembered at `generation`; else None."""
    rows = KEY.rows(lookup=lookup)
    if not rows or not hash_matches(rows[0][1], secret):
        return None  # unknown keys are not remembered: guessing cannot fill the memory
    if len(_known) > 1000:
        _known.clear()
    record = tuple(rows[0])
    if generation is not None:
        _known[lookup] = (generation, time.monotonic(), record)
    return record


_known = {}  # lookup -> (purge generation, when read, record): this process's


# Read on every request, so compiled to SQL once (prepared.py): whether a key is valid, revoked, its partner active.
KEY = Prepared(
    lambda lookup: ApiKey.objects.filter(lookup=lookup).values_list("pk", "hashed", "revoked_at", "partner__active"),
    lookup=str,
)


def _limit(key_id: int, count):
    """Refuse the request (429) if its `count` is beyond the key's limit; None (not counted) is let through."""
    if count == 1:
        ApiKey.objects.filter(pk=key_id).update(last_used_at=timezone.now())
    if count is not None and count > settings.DRUGREF_API_REQUESTS_PER_MINUTE:
        now = time.time()
        wait = max(1, int((now // 60 + 1) * 60 - now + 0.999))
        raise ApiError(
            429,
            "rate_limited",
            f"This key may make {settings.DRUGREF_API_REQUESTS_PER_MINUTE} requests a minute; try again in {wait} s.",
            {"Retry-After": str(wait)},
        )


def _counter(key_id: int) -> str:
    return f"api:rate:{key_id}:{int(time.time() // 60)}"


def _count_and_generation(key_id: int):
    """Count a request of a key this process knows, and read the purge generation: in one round trip where
    the counts are kept in the page cache's Redis (store.generation_counting)."""
    shared = settings.DRUGREF_PAGE_CACHE and settings.DRUGREF_API_RATE_CACHE_ALIAS == settings.DRUGREF_PAGE_CACHE_ALIAS
    if shared and (both := store.generation_counting(_counter(key_id), COUNTED_SECONDS)) is not None:
        return both
    return _count(key_id), store.generation() if settings.DRUGREF_PAGE_CACHE else None


def _count(key_id: int):
    """Add one to the key's count this minute and return it; None if the cache is down (served unlimited)."""
    cache = caches[settings.DRUGREF_API_RATE_CACHE_ALIAS]
    counter = _counter(key_id)
    try:
        if hasattr(cache, "count"):  # drugref's Redis: one INCR (Django's incr asks twice)
            return cache.count(counter, COUNTED_SECONDS)
        try:
            return cache.incr(counter)
        except ValueError:
            return 1 if cache.add(counter, 1, timeout=COUNTED_SECONDS) else cache.incr(counter)
    except Exception as failure:
        log.error("API rate limit not counted (cache unavailable): %r", failure)
        return None
