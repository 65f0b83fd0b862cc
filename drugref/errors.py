"""The server-error page: 503 with Retry-After while the database cannot be reached, 500 otherwise.

Django calls this view (handler500) for any exception a view or middleware let
escape, and logs the exception with the request's details. A database that is
down, restarting or busy is a temporary condition: the load balancer and the
reader are told to come back, and the next request reconnects by itself
(CONN_HEALTH_CHECKS). Neither page reveals anything of the error, and neither
touches the database.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

RETRY_AFTER_SECONDS = 5


def server_error(request):
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response = HttpResponse(loader.get_template("500.html").render(), status=500)
    response["Cache-Control"] = "no-store"
    return response


def permission_denied(request, exception):
    """403: in the admin, an admin page that says what happened and leads back; elsewhere the plain error page."""
    from django.contrib import admin
    from django.template.response import TemplateResponse
    from django.urls import reverse

    if request.path.startswith(reverse("admin:index")) and getattr(request, "user", None) and request.user.is_staff:
        response = TemplateResponse(
            request,
            "admin/403.html",
            {**admin.site.each_context(request), "title": "You cannot do that", "message": str(exception)},
            status=403,
        )
    else:
        response = HttpResponse(loader.get_template("403.html").render(), status=403)
    response["Cache-Control"] = "no-store"
    return response
