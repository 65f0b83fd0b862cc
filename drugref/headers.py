"""Security headers on every response: Content-Security-Policy, Permissions-Policy, Cross-Origin-Resource-Policy.

The policy is one fixed string (settings.CONTENT_SECURITY_POLICY), with no nonces,
so a page stored in the page cache or a front cache stays valid for every reader.
Scripts and styles come from files on this site only: no inline script or style,
no eval, no plug-ins, no framing.
"""

from django.conf import settings
from django.middleware.security import SecurityMiddleware as DjangoSecurityMiddleware
from django.utils.cache import add_never_cache_headers


class SecurityMiddleware(DjangoSecurityMiddleware):
    """Django's, with its redirect to HTTPS never kept by any cache.

    A front cache that stored the redirect a plain-HTTP request got would send it
    to HTTPS readers too, and they would loop on it.
    """

    def process_request(self, request):
        redirect = super().process_request(request)
        if redirect is not None:
            add_never_cache_headers(redirect)
        return redirect


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
        return response
