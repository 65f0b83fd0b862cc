"""URL slugs, made one way for every kind of page."""

from django.utils.text import slugify

SLUG_MAX_LENGTH = 200


def slug_for(text: str) -> str:
    """Return the URL slug for a question or name, cut at a word boundary."""
    slug = slugify(text)
    if len(slug) > SLUG_MAX_LENGTH:
        slug = slug[:SLUG_MAX_LENGTH].rsplit("-", 1)[0]
    return slug
