"""API bodies as the pages are served: a strong ETag and 304, compression, and detail bodies in the page cache.

A cached body is kept under the same tags as the page that shows the same
thing, so the purge that refreshes a page refreshes its API body too. It is
looked up only after the key was checked (auth runs first), and it is the same
for every key: nothing in it depends on who asks.
"""

import re

from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

from ..caching import store
from ..caching.pages import Entry, cache_key, choose_encoding
from .auth import KeyAuth
from .errors import ApiError, error_response


def _key(request) -> str:
    # Apart from the pages' keys: the page cache's middleware never finds an API body (it needs a key).
    return "api:" + cache_key(request)


def cached(request):
    """Return the stored response for `request` (304 if the partner has it), or None."""
    if not settings.DRUGREF_PAGE_CACHE:
        return None
    entry = store.get(_key(request), getattr(request, "page_cache_generation", None))
    if entry is None or entry.expired():
        return None
    return entry.respond(request)


def generation():
    """Read before building a body that may be stored: a purge meanwhile means it is not (store.put)."""
    return store.generation() if settings.DRUGREF_PAGE_CACHE else None


def respond(request, payload: dict, *, tags=None, seen_generation=None, updated_at=None, until=None):
    """Answer with `payload` as JSON; with `tags`, store it in the page cache too (until `until`, if given)."""
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    # Partners keep copies and ask again with If-None-Match; shared caches in between keep none (a key is needed).
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Accept-Encoding"])
    if updated_at is not None:
        response["Last-Modified"] = http_date(updated_at.timestamp())
    if until is not None:
        response["Expires"] = http_date(until.timestamp())
    if tags is None or not settings.DRUGREF_PAGE_CACHE:
        coding = choose_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        return Entry(response, codings={coding}).respond(request)
    entry = Entry(response)
    store.put(_key(request), entry, tags, seen_generation, entry.seconds_left(settings.DRUGREF_PAGE_CACHE_SECONDS))
    return entry.respond(request)


# An answer's address in the API: GETs of it may be answered from the page cache before the rest of the stack.
_ANSWER = re.compile(r"^/api/v1/answers/[^/]+/$")
_check_key = KeyAuth()  # made once: ninja's security classes inspect themselves when made


class KeptAnswerMiddleware:
    """Answer a partner's GET of a kept answer early, as PageCacheMiddleware answers a reader's page.

    The key is checked and counted first (auth.KeyAuth, the same check the API runs); then the kept body,
    if any, is served with no session, view or query. Anything else goes on to the API as usual.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and settings.DRUGREF_PAGE_CACHE and _ANSWER.match(request.path):
            try:
                _check_key(request)
            except ApiError as error:
                return error_response(error.status, error.code, error.message, error.headers)
            if (hit := cached(request)) is not None:
                return hit
        return self.get_response(request)
