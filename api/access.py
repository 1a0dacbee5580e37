"""Who may use /api/v1/, and how often.

Clients sign in with a token an admin issues (`Authorization: Token KEY`), or with the session
of the pages (which keeps CSRF for writes). A token acts as its user, with the user's roles.
Anonymous clients get 401 with `WWW-Authenticate: Token`; a client without the permission an
endpoint needs gets 403; both in the API's error body (api.support).

Throttles: per user, and per address for anonymous clients, at the rates of
settings.API_THROTTLE_RATES, read on every request. Past them the answer is 429 with
`Retry-After`.
"""

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from engagement.roles import IMPORT_INTERACTIONS, READ_FIGURES


class ReadsFigures(BasePermission):
    """Every read endpoint: analysts and the roles built on them."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm(READ_FIGURES))


class ImportsInteractions(BasePermission):
    """POST /api/v1/interactions/: force data managers (for their own forces) and superusers."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm(IMPORT_INTERACTIONS))


class _SettingsRate:
    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATES[self.scope]


class AnonymousThrottle(_SettingsRate, AnonRateThrottle):
    """Anonymous clients, by address."""


class UserThrottle(_SettingsRate, UserRateThrottle):
    """Signed-in clients (token or session), by user."""
