"""Every API error is JSON with a code and a message, never an HTML page: `{"error": {"code", "message"}}`."""

from django.conf import settings
from django.http import JsonResponse


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(
        {"error": {"code": code, "message": message}, "attribution": settings.DRUGREF_API_ATTRIBUTION},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def not_found(request, rest=""):
    """Any other address under the API: JSON, as the API's own 404s are."""
    return error_response(404, "not_found", f"There is no API endpoint at {request.path}.")
