"""Serving public pages from the page cache, and marking which responses may go into it.

Views of public pages are wrapped in `public_page`: their 200, 301, 404 and 410
answers get shared-cache headers, `Vary: Accept-Encoding` and their cache tags.
`PageCacheMiddleware` sits near the top of the stack: for an anonymous GET it
answers from the cache before sessions, authentication or any view run (zero
queries), and on a miss stores the response, compressed once, with a strong
ETag. Anything else (a logged-in editor, a POST, a preview, a response that
sets a cookie or varies on one) passes by untouched.
"""

import gzip
import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps

import brotli
from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import get_resolver
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from django.views.decorators.http import require_safe

from . import store
from . import tags as cache_tags

CACHEABLE_STATUSES = {200, 301, 404, 410}
# Shared caches (Varnish, a CDN) purge by the tags in this header; Varnish's VCL copies it to xkey.
TAG_HEADER = "Surrogate-Key"
# Worth compressing: text, bigger than a packet.
COMPRESSIBLE_TYPES = ("text/", "application/xml", "application/rss+xml", "application/atom+xml", "application/json")
MIN_COMPRESS_BYTES = 512
API_PATH = "/api/"


def public_page(view=None, *, answers=True):
    """Mark a public view's responses as shareable, with its cache tags; a 404 is rendered and marked too.

    Public pages answer GET and HEAD only. For a page that may show answers (all but `answers=False`:
    robots.txt, the favicon) a scheduled change whose time has come is carried out before it is
    rendered, and it is cached no longer than the next one's time.
    """
    if view is None:
        return lambda view: public_page(view, answers=answers)

    @require_safe
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        next_change = _scheduled() if answers else None
        try:
            response = view(request, *args, **kwargs)
        except Http404 as exception:
            response = get_resolver().resolve_error_handler(404)(request, exception)
        if response.status_code in CACHEABLE_STATUSES:
            mark_public(response, request, until=next_change)
        return response

    return wrapped


def _scheduled():
    """Carry out the scheduled changes now due (a go-live, a take-down); return when the next one is, or None."""
    from .. import editorial  # the owner of an answer's life; imported here, as pages are below it

    at = editorial.next_scheduled_change()
    if at is not None and at <= timezone.now():
        editorial.carry_out_schedules()
        at = editorial.next_scheduled_change()
    return at


@dataclass
class Shown:
    """What a page shows: the tags whose change purges it, and when the newest thing on it last changed."""

    tags: set = field(default_factory=set)
    updated_at: datetime | None = None
    until: datetime | None = None  # when what it shows changes by itself (an answer's review falling due)


# The one place a request carries what its page shows (written by `shows`, read by `mark_public`).
_SHOWN = "_drugref_shown"


def shows(request, tags=(), updated_at=None, until=None) -> None:
    """Declare what the page answering `request` shows: cache tags (`answer-12`…), and when it last changed.

    `until` is when the page would read differently with nothing edited (a date it shows passes): no cache
    keeps it longer. Every public view calls this (directly, or through `views.render_page`); a page may be
    declared in parts.
    """
    shown = request.__dict__.setdefault(_SHOWN, Shown())
    shown.tags.update(tags)
    if updated_at is not None and (shown.updated_at is None or updated_at > shown.updated_at):
        shown.updated_at = updated_at
    if until is not None and (shown.until is None or until < shown.until):
        shown.until = until


def mark_public(response, request, until=None):
    """Give a public response its shared-cache headers and tags: what the view says it shows, and its address.

    Only responses marked here (with `cache_tags`, read by `storable` and the middleware alone) may
    enter the page cache. `until` (the next scheduled change), or the page's own `until` if sooner, ends
    its life in every cache: `Expires`.
    """
    shown = request.__dict__.get(_SHOWN) or Shown()
    tags = {*shown.tags, cache_tags.for_path(request.path)}
    response.cache_tags = tags
    until = min((at for at in (until, shown.until) if at is not None), default=None)
    expires = until.timestamp() if until is not None else None
    if expires is not None and expires - time.time() < settings.DRUGREF_SHARED_CACHE_SECONDS:
        response["Expires"] = http_date(expires)
    else:
        expires = None
    set_lifetime(response, expires)
    patch_vary_headers(response, ["Accept-Encoding"])
    response[TAG_HEADER] = " ".join(sorted(tags))
    if shown.updated_at is not None:
        response["Last-Modified"] = http_date(shown.updated_at.timestamp())


def set_lifetime(response, expires=None) -> None:
    """Say how long caches may keep a public response: the configured times, or to `expires` (a timestamp).

    A page that ends at a scheduled change is never served stale past it, not even while revalidating.
    """
    if expires is None:
        patch_cache_control(
            response,
            public=True,
            max_age=settings.DRUGREF_BROWSER_CACHE_SECONDS,
            s_maxage=settings.DRUGREF_SHARED_CACHE_SECONDS,
            stale_while_revalidate=settings.DRUGREF_BROWSER_CACHE_SECONDS,
            stale_if_error=settings.DRUGREF_STALE_IF_ERROR_SECONDS,
        )
        return
    left = max(0, int(expires - time.time()))
    response["Cache-Control"] = (
        f"public, max-age={min(left, settings.DRUGREF_BROWSER_CACHE_SECONDS)}, s-maxage={left}, must-revalidate"
    )


class Entry:
    """A stored response: status, headers, the body in each encoding, and its strong ETag."""

    def __init__(self, response, codings=("gzip", "br")):
        self.status = response.status_code
        self.headers = [(k, v) for k, v in response.items() if k.lower() not in ("content-length", "etag")]
        body = response.content
        self.etag = hashlib.blake2b(body, digest_size=16).hexdigest()
        self.bodies = {"identity": body}
        content_type = response.get("Content-Type", "")
        if len(body) >= MIN_COMPRESS_BYTES and content_type.startswith(COMPRESSIBLE_TYPES):
            if "gzip" in codings:
                self.bodies["gzip"] = gzip.compress(body, compresslevel=6, mtime=0)
            if "br" in codings:
                self.bodies["br"] = brotli.compress(body, mode=brotli.MODE_TEXT, quality=6)
        self.last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
        self.expires = parse_http_date_safe(response.get("Expires", ""))  # a scheduled change ends it
        self.versions = {}

    def expired(self) -> bool:
        return self.expires is not None and self.expires <= time.time()

    def seconds_left(self, longest: int) -> int:
        return longest if self.expires is None else max(1, min(longest, int(self.expires - time.time())))

    def etag_for(self, coding):
        # A strong ETag names one representation: each encoding gets its own.
        return f'"{self.etag}"' if coding == "identity" else f'"{self.etag}-{coding}"'

    def respond(self, request) -> HttpResponse:
        """Answer `request` from this entry: the encoding it accepts, or 304 if it already has the page."""
        coding = choose_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""), self.bodies)
        body = self.bodies[coding]
        if self.status == 200 and self.not_modified(request):
            response = HttpResponse(status=304)
            for name, value in self.headers:
                if name.lower() in ("cache-control", "vary", "last-modified", TAG_HEADER.lower()):
                    response[name] = value
        else:
            response = HttpResponse(b"" if request.method == "HEAD" else body, status=self.status)
            for name, value in self.headers:
                response[name] = value
            response["Content-Length"] = str(len(body))
            if coding != "identity":
                response["Content-Encoding"] = coding
        if self.expires is not None:
            set_lifetime(response, self.expires)  # what is left of its life, not what it had when stored
        if self.status == 200:
            response["ETag"] = self.etag_for(coding)
        return response

    def not_modified(self, request) -> bool:
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match is not None:
            # Weak comparison, as RFC 9110 asks for If-None-Match; any encoding of this body will do.
            ours = {self.etag_for(coding) for coding in self.bodies}
            return any(etag == "*" or etag.removeprefix("W/") in ours for etag in parse_etags(if_none_match))
        since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
        return bool(since and self.last_modified and self.last_modified <= since)


def choose_encoding(accept_encoding: str, bodies=("br", "gzip")) -> str:
    """Return the best of `bodies`' encodings that the client accepts: Brotli, then gzip, else none."""
    accepted = set()
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            if float(q) > 0:
                accepted.add(coding.strip())
        except ValueError:
            continue
    for coding in ("br", "gzip"):
        if coding in bodies and (coding in accepted or "*" in accepted):
            return coding
    return "identity"


def cache_key(request) -> str:
    """Key a page by scheme, host, path and query string (GET and HEAD share it)."""
    raw = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()


def applies(request) -> bool:
    """Return whether a request may be answered from, and stored in, the page cache."""
    return (
        request.method in ("GET", "HEAD")
        # WhiteNoise serves static files; they never enter the page cache.
        and not request.path.startswith(settings.STATIC_URL)
        # The content API checks a partner's key first, and keeps its bodies itself (api/responses.py).
        and not request.path.startswith(API_PATH)
        # A signed-in editor sees fresh pages, never a copy, and never leaves one behind.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def storable(response) -> bool:
    """Return whether a response is a public page that is the same for every anonymous reader."""
    return (
        hasattr(response, "cache_tags")
        and response.status_code in CACHEABLE_STATUSES
        and not response.streaming
        and not response.cookies
        and "cookie" not in response.get("Vary", "").lower()
    )


class PageCacheMiddleware:
    """Answer anonymous readers from the page cache; fill it on a miss."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not applies(request):
            return self.get_response(request)
        if not settings.DRUGREF_PAGE_CACHE:
            # No cache: still a strong ETag, a 304 and compression, done for this request alone.
            response = self.get_response(request)
            if not storable(response):
                return response
            return Entry(response, codings={choose_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""))}).respond(
                request
            )
        key = cache_key(request)
        entry = store.get(key)
        if entry is not None and not entry.expired():
            return entry.respond(request)
        generation = store.generation()
        response = self.get_response(request)
        if not storable(response):
            return response
        entry = Entry(response)
        store.put(key, entry, response.cache_tags, generation, entry.seconds_left(settings.DRUGREF_PAGE_CACHE_SECONDS))
        return entry.respond(request)
