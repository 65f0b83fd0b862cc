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
from ..partners import ApiKey
from ..prepared import Prepared
from .errors import ApiError

log = logging.getLogger(__name__)
SCHEME = "Api-Key"
_UNAUTHORIZED = {"WWW-Authenticate": SCHEME}


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
        request.page_cache_generation = store.generation() if settings.DRUGREF_PAGE_CACHE else None
        record = _record(parts[0], request.page_cache_generation) if parts else None
        if record is None or not ApiKey(hashed=record[1]).matches(parts[1]):
            raise ApiError(401, "unauthorized", "That key is not valid.", _UNAUTHORIZED)
        pk, _, revoked_at, partner_active = record
        if revoked_at is not None or not partner_active:
            raise ApiError(403, "key_revoked", "That key has been revoked.")
        _limit(pk)
        request.api_key_id = pk
        return pk


def _record(lookup: str, generation):
    """Return (id, hash, revoked at, partner active) of the key with `lookup`, or None.

    Each process remembers the records it read while the page cache's purge generation stays the same (the
    generation it reads for the kept body anyway), and a minute at most; any save of a key or its partner
    moves the generation on (partners.forget), so a revoked key is refused on every app server at once.
    """
    now = time.monotonic()
    known = _known.get(lookup)
    if generation is not None and known and known[0] == generation and now - known[1] < 60:
        return known[2]
    rows = KEY.rows(lookup=lookup)
    if not rows:
        return None  # unknown keys are not remembered: guessing cannot fill the memory
    if len(_known) > 1000:
        _known.clear()
    record = tuple(rows[0])
    if generation is not None:
        _known[lookup] = (generation, now, record)
    return record


_known = {}  # lookup -> (purge generation, when read, record): this process's


# Read on every request, so compiled to SQL once (prepared.py): whether a key is valid, revoked, its partner active.
KEY = Prepared(
    lambda lookup: ApiKey.objects.filter(lookup=lookup).values_list("pk", "hashed", "revoked_at", "partner__active"),
    lookup=str,
)


def _limit(key_id: int):
    """Count the request against the key's minute; refuse it (429) beyond the limit."""
    now = time.time()
    minute = int(now // 60)
    counter = f"api:rate:{key_id}:{minute}"
    cache = caches[settings.DRUGREF_API_RATE_CACHE_ALIAS]
    try:
        count = _count(cache, counter)
    except Exception as failure:  # the cache is down: serve, unlimited, rather than fail every partner
        log.error("API rate limit not counted (cache unavailable): %r", failure)
        return
    if count == 1:
        ApiKey.objects.filter(pk=key_id).update(last_used_at=timezone.now())
    if count > settings.DRUGREF_API_REQUESTS_PER_MINUTE:
        wait = max(1, int((minute + 1) * 60 - now + 0.999))
        raise ApiError(
            429,
            "rate_limited",
            f"This key may make {settings.DRUGREF_API_REQUESTS_PER_MINUTE} requests a minute; try again in {wait} s.",
            {"Retry-After": str(wait)},
        )


def _count(cache, counter: str) -> int:
    """Add one to `counter`, kept two minutes; return it. On Redis one INCR (Django's `incr` asks twice)."""
    backend = getattr(cache, "_cache", None)
    if hasattr(backend, "get_client"):
        client, key = backend.get_client(write=True), cache.make_and_validate_key(counter)
        count = client.incr(key)
        if count == 1:
            client.expire(key, 120)
        return count
    try:
        return cache.incr(counter)
    except ValueError:
        return 1 if cache.add(counter, 1, timeout=120) else cache.incr(counter)
