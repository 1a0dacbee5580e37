"""Response headers every answer carries (middleware)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def private_no_store(get_response: Callable[[HttpRequest], HttpResponse]):
    """Every page, API answer and export says `Cache-Control: private, no-store`.

    The figures are internal: no shared cache (a proxy, a CDN) may keep them, and a browser
    should not leave them on disk once the page is closed. Static files are served by WhiteNoise
    above this middleware and keep their long cache lifetimes.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
