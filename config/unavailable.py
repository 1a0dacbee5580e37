"""The answer when the database cannot be reached: 503 and the product's own words, no traceback.

Every request that meets a database outage ends here, wherever the error was raised (a view,
the sign-in middleware reading the session, a template): Django hands any uncaught exception to
`handler500` (config.urls). A database outage is a 503 the visitor may retry: the pages' own page
("figures unavailable for a moment"), or the API's error body (api.support). Anything else is
the 500 page, as before. Neither touches the database, and neither names the exception.

Nothing has to be restarted when the database comes back: a connection broken by the outage is
closed at the end of its request, and CONN_HEALTH_CHECKS (settings) checks a kept connection
before a request uses it.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader

from api.support import DATABASE_OUTAGE, RETRY_AFTER_SECONDS, UNAVAILABLE, unavailable_body


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage is 503 (page or API body), anything else the 500 page."""
    if not isinstance(sys.exception(), DATABASE_OUTAGE):
        return HttpResponseServerError(loader.get_template("500.html").render())
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(unavailable_body(), status=503)
    else:
        page = loader.get_template("503.html").render({"message": UNAVAILABLE})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
