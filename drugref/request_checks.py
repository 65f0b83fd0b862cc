"""Refuse, with a 400, addresses carrying text that no field can hold: NUL characters.

PostgreSQL cannot store or even compare text containing NUL, so a NUL in a
filter, search term or autocomplete term would reach the database as an error.
Those come in the query string, not through forms, so the whole class is
refused here, at the edge, for every page. Posted forms are left to the forms:
they reject NUL field by field (Django's ProhibitNullCharactersValidator) and
show the editor's input again with the error, so nothing typed is lost.
"""

from django.core.exceptions import BadRequest


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # "%00" only ever encodes NUL (a literal "%00" is sent as "%2500"): a substring test suffices.
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
            if request.path.startswith("/api/"):  # the API answers every error in JSON
                from monographs.api.errors import error_response

                return error_response(400, "bad_request", "The address holds a NUL character.")
            raise BadRequest("NUL character in the address")
        return self.get_response(request)
