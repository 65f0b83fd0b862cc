"""URL slugs, made one way for every kind of page, and the addresses made from them."""

from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.text import slugify

from .lookups import any_of

SLUG_MAX_LENGTH = 200
# Stands in for a slug while reversing: it is a valid slug, and no real one.
_MARK = "slug-mark-7f3a9c"


def slug_for(text: str) -> str:
    """Return the URL slug for a question or name, cut at a word boundary."""
    slug = slugify(text)
    if len(slug) > SLUG_MAX_LENGTH:
        slug = slug[:SLUG_MAX_LENGTH].rsplit("-", 1)[0]
    return slug


def give_slugs(model, objects, name_field):
    """Give new objects (drugs, conditions, groups, reviewers) slugs from their names that no row uses yet."""
    bases = [slug_for(getattr(obj, name_field)) or "item" for obj in objects]
    taken = set(model.objects.filter(any_of("slug", set(bases))).values_list("slug", flat=True))
    for base in {base for base in bases if base in taken}:
        taken |= set(model.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True))
    for obj, base in zip(objects, bases, strict=True):
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        obj.slug = slug
        taken.add(slug)


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
