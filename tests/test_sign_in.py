"""The product's own sign-in page, signing out, and the lock after repeated failures."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.factories import AnalystFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = "/sign-in/"
PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Each attempt checks a password: a fast hasher keeps the lockout tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def analyst():
    return AnalystFactory(username="reader", password=PASSWORD)


def sign_in(client, password: str, username: str = "reader"):
    return client.post(SIGN_IN, {"username": username, "password": password})


def test_the_sign_in_page_is_the_products_own(client):
    page = client.get(SIGN_IN).content.decode()
    assert '<a class="site-name"' in page  # the dashboard's header, not the admin's
    assert 'name="username"' in page and 'type="password"' in page
    assert "Django administration" not in page


def test_an_analyst_without_the_staff_flag_signs_in_and_lands_on_the_overview(client, analyst):
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:overview")
    page = client.get("/").content.decode()
    assert "Signed in as <strong>reader</strong>" in page
    assert 'action="/sign-out/"' in page


def test_sign_in_returns_to_the_page_asked_for(client, analyst):
    response = client.post(
        SIGN_IN, {"username": "reader", "password": PASSWORD, "next": "/compare/"}
    )
    assert response["Location"] == "/compare/"


def test_a_wrong_password_is_answered_on_the_sign_in_page(client, analyst):
    response = sign_in(client, "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_five_failures_lock_the_account_even_for_the_right_password(client, analyst):
    for _ in range(4):
        assert sign_in(client, "wrong").status_code == 200
    locked = sign_in(client, "wrong")
    assert locked.status_code == 429
    assert "This account is locked" in locked.content.decode()

    again = sign_in(client, PASSWORD)
    assert again.status_code == 429
    assert "locked for 15 minutes" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_ends_after_15_minutes(client, analyst):
    for _ in range(5):
        sign_in(client, "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, PASSWORD).status_code == 302


def test_a_success_clears_the_failures(client, analyst):
    for _ in range(4):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 302
    client.post("/sign-out/")
    for _ in range(4):
        assert sign_in(client, "wrong").status_code == 200


def test_signing_out_is_a_post_that_ends_the_session(client, analyst):
    client.force_login(analyst)
    assert client.get("/sign-out/").status_code == 405
    response = client.post("/sign-out/")
    assert response["Location"] == SIGN_IN
    assert client.get("/")["Location"] == f"{SIGN_IN}?next=/"


def test_the_admins_sign_in_sends_people_to_the_products(client):
    response = client.get("/admin/login/?next=/admin/forces/")
    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN}?next=/admin/forces/"


def test_a_signed_in_person_without_the_staff_flag_is_refused_the_admin(client, analyst):
    client.force_login(analyst)
    assert client.get("/admin/login/").status_code == 403


def test_a_person_with_no_role_sees_a_refusal_not_the_figures(client):
    client.force_login(UserFactory(password=None, is_staff=True))
    response = client.get("/")
    assert response.status_code == 403
    assert "You may not see this page" in response.content.decode()
