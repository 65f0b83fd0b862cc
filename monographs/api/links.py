"""Addresses in API bodies: each thing's page on the site, and its place in the API, absolute."""

from django.urls import reverse


def page(request, obj) -> str:
    return request.build_absolute_uri(obj.get_absolute_url())


def api(request, name: str, slug: str) -> str:
    return request.build_absolute_uri(reverse(f"api:{name}", kwargs={"slug": slug}))


def listing(request, name: str, **query) -> str:
    """The address of a list endpoint with `query` (its cursor and filters)."""
    from urllib.parse import urlencode

    params = urlencode({key: value for key, value in query.items() if value not in (None, "")})
    return request.build_absolute_uri(reverse(f"api:{name}") + (f"?{params}" if params else ""))
