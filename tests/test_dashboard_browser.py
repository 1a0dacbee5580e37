"""The dashboard in a real browser before any figures exist: Debian's Chromium, Playwright.

The pages with figures are tested in tests/test_pages_browser.py, on one set of figures shared by
the whole module. Here, without figures: the empty state and the definition page must read well
and axe-core must find no serious or critical violation. Screenshots go to
test-artifacts/screenshots/.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.browser_checks import charts_drawn, serious_violations
from tests.dashboard_data import ensure_reference_data, make_dashboard_data
from tests.factories import StaffFactory

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
__all__ = ["charts_drawn"]  # shared with the other browser modules


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


@pytest.fixture
def data(signed_in):
    """The dashboard's figures (43 forces), for a test of its own (tests/test_pages_browser.py
    shares one set per module)."""
    return make_dashboard_data()


@pytest.fixture
def signed_in(page, live_server):
    """The page, signed in as a definition admin, collecting console errors as it goes.

    The page (and so Playwright) comes first: touching the database before Playwright starts
    leaves the later transactional tests a connection without the serialized contents that
    their rollback restores.
    """
    ensure_reference_data()
    client = Client()
    client.force_login(StaffFactory(username="analyst"))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.errors = []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.base = live_server.url
    return page


def open_page(page, path: str):
    response = page.goto(page.base + path)
    assert response.status == 200, f"{path} answered {response.status}"
    page.wait_for_load_state("networkidle")
    return page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    height = min(1400, page.evaluate("() => document.documentElement.scrollHeight"))
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}-top.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1280, "height": height},
    )
    return path


def assert_sound(page, name: str) -> None:
    """Screenshots saved; no console error; no serious or critical axe-core violation."""
    screenshot(page, name)
    assert page.errors == []
    assert serious_violations(page) == []


def test_definition_page_reads_well_and_passes_axe(signed_in):
    page = open_page(signed_in, "/definition/")
    assert page.locator("#rungs-table tbody tr").count() == 7
    assert page.get_by_role("link", name=re.compile("Edit the definition")).count() == 1
    assert_sound(page, "definition")


def test_empty_overview_before_the_first_recompute_passes_axe(signed_in):
    page = open_page(signed_in, "/")
    assert "No figures yet" in page.get_by_test_id("empty-state").inner_text()
    assert "No recompute has run yet" in page.get_by_test_id("recompute-status").inner_text()
    assert_sound(page, "empty")
