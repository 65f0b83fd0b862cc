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
