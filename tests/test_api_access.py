"""API clients: per-user tokens issued and revoked by an admin, sessions with CSRF, throttles."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.access import AnonymousThrottle, UserThrottle
from tests.factories import AnalystFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/forces/"
IMPORT = "/api/v1/interactions/"


def with_token(token: Token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def token() -> Token:
    return Token.objects.create(user=AnalystFactory(password=None))


@pytest.fixture
def superuser_client() -> Client:
    client = Client()
    client.force_login(StaffFactory(password=None))
    return client


def test_a_token_reads_as_its_user(token):
    assert with_token(token).get(URL).status_code == 200


def test_a_token_carries_its_users_role(token):
    response = with_token(token).post(IMPORT, [], format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_admin_issues_a_token_for_a_user(superuser_client):
    analyst = AnalystFactory(password=None)
    response = superuser_client.post("/admin/authtoken/tokenproxy/add/", {"user": analyst.pk})
    assert response.status_code == 302
    assert with_token(Token.objects.get(user=analyst)).get(URL).status_code == 200


def test_a_token_revoked_by_an_admin_is_refused_with_401(token, superuser_client):
    client = with_token(token)
    assert client.get(URL).status_code == 200

    response = superuser_client.post(
        f"/admin/authtoken/tokenproxy/{token.user_id}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Token.objects.filter(user=token.user).exists()

    refused = client.get(URL)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Token"
    assert refused.json() == {
        "status": 401,
        "code": "authentication_failed",
        "message": "Invalid token.",
        "errors": {},
    }


def test_an_anonymous_client_gets_401_with_www_authenticate_and_the_error_body(client):
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_session_writes_still_need_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(password=None, roles=["Force data managers"]))
    response = client.post(IMPORT, "[]", content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def forget(throttle, ident: str) -> None:
    """Counts live in the shared cache: start each test from none."""
    cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": ident})


def test_a_user_past_the_rate_gets_429_with_retry_after_in_the_error_body(settings, token):
    settings.API_THROTTLE_RATES = {"anon": "100/minute", "user": "3/minute"}
    forget(UserThrottle, str(token.user_id))
    client = with_token(token)
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]

    response = client.get(URL)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert (body["status"], body["code"], body["errors"]) == (429, "throttled", {})


def test_each_user_has_their_own_allowance(settings, token):
    settings.API_THROTTLE_RATES = {"anon": "100/minute", "user": "1/minute"}
    other = Token.objects.create(user=AnalystFactory(password=None))
    for user_id in (token.user_id, other.user_id):
        forget(UserThrottle, str(user_id))
    assert with_token(token).get(URL).status_code == 200
    assert with_token(other).get(URL).status_code == 200
    assert with_token(token).get(URL).status_code == 429


def test_anonymous_clients_are_throttled_by_address(settings, client):
    settings.API_THROTTLE_RATES = {"anon": "2/minute", "user": "100/minute"}
    address = "192.0.2.7"
    forget(AnonymousThrottle, address)
    answers = [client.get(URL, REMOTE_ADDR=address).status_code for _ in range(3)]
    assert answers == [401, 401, 429]
    assert client.get(URL, REMOTE_ADDR=address)["Retry-After"]


def test_guessing_tokens_is_throttled_by_address(settings):
    settings.API_THROTTLE_RATES = {"anon": "2/minute", "user": "100/minute"}
    address = "192.0.2.8"
    forget(AnonymousThrottle, address)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    answers = [client.get(URL, REMOTE_ADDR=address).status_code for _ in range(3)]
    assert answers == [401, 401, 429]
