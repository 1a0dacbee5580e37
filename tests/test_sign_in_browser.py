"""Signing in and out on the product's own page, in a real browser (Debian's Chromium)."""

import os

import pytest

from tests.factories import AnalystFactory
from tests.test_ingestion_upload_browser import browser_type_launch_args  # noqa: F401

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-test-password"


@pytest.fixture
def analyst(page, settings, migrations_data):
    """An analyst without the staff flag (Playwright's page first: see conftest.migrations_data)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return AnalystFactory(username="reader", password=PASSWORD, is_staff=False)


def sign_in(page, password: str) -> None:
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_an_analyst_signs_in_on_the_products_page_sees_the_overview_and_signs_out(
    page, live_server, analyst
):
    page.goto(live_server.url + "/")
    assert page.url == f"{live_server.url}/sign-in/?next=/"
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"

    sign_in(page, PASSWORD)

    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text() == "The 43 forces on the ladder"
    assert "Signed in as reader" in page.get_by_test_id("signed-in").inner_text()
    assert page.get_by_role("link", name="Administration").count() == 0

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/sign-in/"
    page.goto(live_server.url + "/compare/")
    assert page.url.startswith(f"{live_server.url}/sign-in/")


def test_a_locked_account_is_told_so_on_the_sign_in_page(page, live_server, analyst):
    page.goto(live_server.url + "/sign-in/")
    for _ in range(4):
        sign_in(page, "wrong")
        assert "You were not signed in" in page.get_by_role("alert").inner_text()
    sign_in(page, "wrong")
    sign_in(page, PASSWORD)

    alert = page.get_by_role("alert").inner_text()
    assert "This account is locked" in alert
    assert "locked for 15 minutes" in alert
    assert page.get_by_test_id("signed-in").count() == 0
