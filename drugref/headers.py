"""Security headers on every response: Content-Security-Policy, Permissions-Policy, Cross-Origin-Resource-Policy.

The policy is one fixed string (settings.CONTENT_SECURITY_POLICY), with no nonces,
so a page stored in the page cache or a front cache stays valid for every reader.
Scripts and styles come from files on this site only: no inline script or style,
no eval, no plug-ins, no framing.
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        name = "Content-Security-Policy"
        if settings.CONTENT_SECURITY_POLICY_REPORT_ONLY:
            name += "-Report-Only"
        self.headers = {
            name: settings.CONTENT_SECURITY_POLICY,
            "Permissions-Policy": settings.PERMISSIONS_POLICY,
            "Cross-Origin-Resource-Policy": "same-site",
        }

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        if not request.is_secure() and response.get("Location", "").startswith("https://"):
            # A redirect from plain HTTP to HTTPS is never kept by any cache: a front cache would
            # send it to HTTPS readers too, and they would loop on it.
            add_never_cache_headers(response)
        return response
