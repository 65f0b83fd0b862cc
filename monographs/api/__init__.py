"""drugref's content API for partners (`/api/v1/`): signed-off answers as JSON, behind a key, built on django-ninja.

Only live content, read as the public pages read it (`Article.objects.live()`,
answer_page.py). Every request needs a partner's key (auth.py); every error is
JSON (errors.py); the OpenAPI schema is at `/api/v1/schema/` and readable
documentation at `/api/v1/docs/`.
"""

import logging

from django.conf import settings
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from . import answers, changes, subjects
from .auth import KeyAuth
from .errors import ApiError, error_response

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="drugref content API",
    version="1",
    description=(
        "Signed-off drug answers for partners: each answer as its page shows it, drugs, conditions, reviewers, "
        "and a feed of every change readers see. Send your key as `Authorization: Api-Key <key>`. "
        "Show the `attribution` line with the content and link to each answer's `url`."
    ),
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
    auth=KeyAuth(),
)
for module in (answers, subjects, changes):
    api.add_router("", module.router)


@api.exception_handler(ApiError)
def _api_error(request, error):
    return error_response(error.status, error.code, error.message, error.headers)


@api.exception_handler(ValidationError)
def _bad_request(request, error):
    said = "; ".join(
        f"{'.'.join(str(part) for part in problem['loc'][1:]) or problem['loc'][0]}: {problem['msg']}"
        for problem in error.errors
    )
    return error_response(400, "bad_request", said or "The request is not valid.")


@api.exception_handler(AuthenticationError)
def _unauthorized(request, error):
    return error_response(401, "unauthorized", "Send your key as “Authorization: Api-Key <key>”.")


@api.exception_handler(Http404)
def _not_found(request, error):
    return error_response(404, "not_found", f"There is nothing at {request.path}.")


@api.exception_handler(HttpError)
def _http_error(request, error):
    return error_response(error.status_code, "error", str(error))


@api.exception_handler(Exception)
def _server_error(request, error):
    # Logged with its traceback, as Django logs a 500; the partner gets JSON, not a page.
    log.error("API error at %s", request.path, exc_info=error, extra={"status_code": 500, "request": request})
    if settings.DEBUG:
        raise error
    return error_response(500, "server_error", "Something went wrong on our side; it has been logged.")
