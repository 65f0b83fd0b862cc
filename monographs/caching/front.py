"""Purging a front cache (Varnish, or a CDN that purges by tag) when pages change.

Configured from the environment (see settings): off by default. `xkey` sends
the tags to each Varnish in an `xkey-purge` header, which the VCL in
deploy/varnish/drugref.vcl hands to vmod_xkey: every page carrying one of the
tags goes, exactly. `url` sends `PURGE` for the addresses among the tags (the
changed objects' own pages); pages that merely list them wait for their
s-maxage, so keep DRUGREF_SHARED_CACHE_SECONDS short in that mode.
"""

import urllib.request
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from .tags import PATH_PREFIX

TIMEOUT_SECONDS = 3
# Varnish refuses headers over 8 KB by default: send tags in chunks well under it.
MAX_HEADER_CHARS = 6000


def send(base: str, tags) -> None:
    """Purge the pages carrying `tags` from the front cache at `base`; raise OSError if it does not acknowledge.

    The outbox (`outbox.py`) calls this for each front cache and retries the ones that failed.
    """
    mode = settings.DRUGREF_FRONT_CACHE_PURGE
    if mode == "xkey":
        for chunk in _chunks(sorted(tags)):
            _send(base, "/", {"xkey-purge": chunk})
    elif mode == "url":
        for path in sorted(tag.removeprefix(PATH_PREFIX) for tag in tags if tag.startswith(PATH_PREFIX)):
            for host in _site_hosts():
                _send(base, path, {"Host": host})


def _send(base, path, headers):
    request = urllib.request.Request(urljoin(base, path), method="PURGE", headers=headers)
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        response.read()


def _chunks(tags):
    chunk = []
    size = 0
    for tag in tags:
        if chunk and size + len(tag) + 1 > MAX_HEADER_CHARS:
            yield " ".join(chunk)
            chunk, size = [], 0
        chunk.append(tag)
        size += len(tag) + 1
    if chunk:
        yield " ".join(chunk)


def _site_hosts():
    """Return the host names pages are cached under: the allowed hosts that are names, not patterns."""
    return [host for host in settings.ALLOWED_HOSTS if host and not host.startswith(".") and host != "*"] or [
        urlsplit(base).netloc for base in settings.DRUGREF_FRONT_CACHE_URLS[:1]
    ]
