"""Who may use /api/v1/, and how often.

Clients sign in with a token an admin issues (`Authorization: Token KEY`), or with the session
of the pages (which keeps CSRF for writes). A token acts as its user, with the user's roles.
Anonymous clients get 401 with `WWW-Authenticate: Token`; a client without the permission an
endpoint needs gets 403; both in the API's error body (api.support).

Throttles: per user, and per address for anonymous clients, at the rates of
settings.API_THROTTLE_RATES, read on every request. Past them the answer is 429 with
`Retry-After`. DRF checks throttles only after a client is let in; a request refused for its
credentials (none, or a wrong token) is counted here too, so guessing tokens is throttled.
"""

from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, Throttled
from rest_framework.permissions import BasePermission
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from engagement.roles import IMPORT_INTERACTIONS, READ_FIGURES


class ReadsFigures(BasePermission):
    """Every read endpoint: analysts and the roles built on them."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm(READ_FIGURES))


class ImportsInteractions(BasePermission):
    """POST /api/v1/interactions/ and /api/v1/links/ (links and their withdrawal): force data
    managers (for their own forces) and superusers."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm(IMPORT_INTERACTIONS))


class _SettingsRate:
    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATES[self.scope]


class AnonymousThrottle(_SettingsRate, AnonRateThrottle):
    """Anonymous clients, by address."""


class UserThrottle(_SettingsRate, UserRateThrottle):
    """Signed-in clients (token or session), by user."""


def counted_refusal(exc: Exception, context: dict) -> Exception:
    """A refusal for credentials, counted against the view's throttles: Throttled once past them."""
    view, request = context.get("view"), context.get("request")
    if not isinstance(exc, NotAuthenticated | AuthenticationFailed) or view is None:
        return exc
    waits = [
        throttle.wait()
        for throttle in view.get_throttles()
        if not throttle.allow_request(request, view)
    ]
    if not waits:
        return exc
    known = [wait for wait in waits if wait is not None]
    return Throttled(wait=max(known) if known else None)
