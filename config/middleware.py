"""Requests refused before any view sees them."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from api.support import error_body

NUL_REFUSED = "The address holds a NUL character (%00); remove it and try again."


class RefuseNul:
    """A NUL character in the path or the query string is a 400, whatever the page.

    No form, filter or database field accepts one (PostgreSQL cannot store it), and some
    readers of a parameter would fail on it with a 500 rather than refuse it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = unquote_plus(request.META.get("QUERY_STRING", ""), errors="replace")
        if "\x00" in request.path or "\x00" in query:
            return refusal(request)
        return self.get_response(request)


def refusal(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(status_code=400, code="invalid", message=NUL_REFUSED), status=400
        )
    return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
