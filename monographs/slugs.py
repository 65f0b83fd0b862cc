"""URL slugs, made one way for every kind of page, and the addresses made from them."""

from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.text import slugify

SLUG_MAX_LENGTH = 200
# Stands in for a slug while reversing: it is a valid slug, and no real one.
_MARK = "slug-mark-7f3a9c"


def slug_for(text: str) -> str:
    """Return the URL slug for a question or name, cut at a word boundary."""
    slug = slugify(text)
    if len(slug) > SLUG_MAX_LENGTH:
        slug = slug[:SLUG_MAX_LENGTH].rsplit("-", 1)[0]
    return slug


def url_for_slug(viewname: str, slug: str) -> str:
    """Return the address of the page `viewname` for `slug`, as reverse() would, reversing once per process.

    A page lists dozens of links; reverse() costs more than the rest of a link.
    Slugs hold only letters, digits, hyphens and underscores, so putting one in
    the reversed pattern needs no quoting.
    """
    return _pattern(viewname, get_script_prefix()).replace(_MARK, slug)


def fixed_url(viewname: str) -> str:
    """Return the address of a page that takes no arguments (the home page), reversing once per process."""
    return _fixed(viewname, get_script_prefix())


@lru_cache(maxsize=64)
def _fixed(viewname, script_prefix):
    return reverse(viewname)


@lru_cache(maxsize=64)
def _pattern(viewname, script_prefix):
    return reverse(viewname, kwargs={"slug": _MARK})
