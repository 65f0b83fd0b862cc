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

from ..partners import ApiKey
from .errors import ApiError

log = logging.getLogger(__name__)
SCHEME = "Api-Key"
_UNAUTHORIZED = {"WWW-Authenticate": SCHEME}


class KeyAuth(APIKeyHeader):
    """The partner's key, checked before anything else a request asks for, a cached body included."""

    param_name = "Authorization"
    openapi_description = f"A partner's key, sent as `Authorization: {SCHEME} <key>`."

    def __call__(self, request):
        # Ninja reads the header itself; the whole value is read here, to say what is wrong with it.
        return self.authenticate(request, request.headers.get("Authorization"))

    def authenticate(self, request, value):
        if not value:
            raise ApiError(401, "unauthorized", f"Send your key as “Authorization: {SCHEME} <key>”.", _UNAUTHORIZED)
        scheme, _, presented = value.partition(" ")
        parts = ApiKey.split(presented.strip()) if scheme == SCHEME else None
        key = None
        if parts:
            key = ApiKey.objects.select_related("partner").filter(lookup=parts[0]).first()
        if key is None or not key.matches(parts[1]):
            raise ApiError(401, "unauthorized", "That key is not valid.", _UNAUTHORIZED)
        if key.revoked or not key.partner.active:
            raise ApiError(403, "key_revoked", "That key has been revoked.")
        _limit(key)
        request.api_key = key
        return key


def _limit(key: ApiKey):
    """Count the request against the key's minute; refuse it (429) beyond the limit."""
    now = time.time()
    minute = int(now // 60)
    counter = f"api:rate:{key.pk}:{minute}"
    cache = caches[settings.DRUGREF_API_RATE_CACHE_ALIAS]
    try:
        cache.add(counter, 0, timeout=120)
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between the two calls: this is the minute's first request
            cache.add(counter, 1, timeout=120)
            count = 1
    except Exception as failure:  # the cache is down: serve, unlimited, rather than fail every partner
        log.error("API rate limit not counted (cache unavailable): %r", failure)
        return
    if count == 1:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    if count > settings.DRUGREF_API_REQUESTS_PER_MINUTE:
        wait = max(1, int((minute + 1) * 60 - now + 0.999))
        raise ApiError(
            429,
            "rate_limited",
            f"This key may make {settings.DRUGREF_API_REQUESTS_PER_MINUTE} requests a minute; try again in {wait} s.",
            {"Retry-After": str(wait)},
        )
