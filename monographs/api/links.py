"""Addresses in API bodies: each thing's page on the site, and its place in the API, absolute."""

from urllib.parse import urlencode

from ..slugs import fixed_url, url_for_slug


def _origin(request) -> str:
    """`scheme://host` of the request, worked out once a request: a body has dozens of links, and each
    build_absolute_uri() checks the host against ALLOWED_HOSTS again."""
    origin = getattr(request, "_link_origin", None)
    if origin is None:
        origin = request._link_origin = request.build_absolute_uri("/")[:-1]
    return origin


def page(request, obj) -> str:
    return _origin(request) + obj.get_absolute_url()


def api(request, name: str, slug: str) -> str:
    return _origin(request) + url_for_slug(f"api:{name}", slug)


def listing(request, name: str, **query) -> str:
    """The address of a list endpoint with `query` (its cursor and filters)."""
    params = urlencode({key: value for key, value in query.items() if value not in (None, "")})
    return _origin(request) + fixed_url(f"api:{name}") + (f"?{params}" if params else "")
