"""Linked identities on the force page, in Debian's Chromium (Playwright), on the worked example
`examples/linked/` imported and recomputed: Gwent's page says how many identifiers it linked into
how many people, and its mobility names the climb from the social-media rungs to Volunteer or
Co-Designer (the Twitter climber who became a Co-Designer on the panel), at 390 and 1440 px."""

import os

import pytest

from tests.browser_checks import serious_violations
from tests.conftest import live_site
from tests.recompute_helpers import import_files, succeed
from tests.test_linked_examples import LINKED, add_links

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

GWENT = "/forces/gwent/?period_type=quarter&period=2025-Q4"


def linked_example() -> None:
    import_files(LINKED)
    add_links()
    succeed(full=True)


@pytest.fixture(scope="module")
def linked_site(django_db_setup, django_db_blocker, browser):
    yield from live_site(django_db_blocker, linked_example)


@pytest.fixture(scope="module")
def signed_in(browser, linked_site):
    context = browser.new_context(locale="en-GB")
    context.add_cookies([linked_site.cookie])
    yield context
    context.close()


@pytest.mark.parametrize("width", [390, 1440])
def test_the_force_page_says_how_many_identifiers_are_linked_into_how_many_people(
    signed_in, linked_site, width
):
    page = signed_in.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(linked_site.url + GWENT)

    note = page.get_by_test_id("linked-note")
    assert note.is_visible()
    text = note.inner_text()
    assert text.startswith("Counts are of people, not accounts: Gwent Police has linked ")
    assert " identifiers across platforms, with consent, into " in text
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not serious_violations(page)
    page.close()


def test_the_mobility_section_names_the_move_from_social_media_to_co_designer(
    signed_in, linked_site
):
    page = signed_in.new_page()
    page.goto(linked_site.url + GWENT)

    line = page.locator('[data-headline="to-top"]')
    assert line.get_attribute("data-part") == "1"
    assert line.get_attribute("data-whole") == "64"
    assert line.inner_text() == (
        "1.6% of the 64 people at Passive to Activist in 2025 Q3 (the rungs reached on social "
        "media) stood at Volunteer or Co-Designer in 2025 Q4."
    )
    cell = page.locator('#mobility-table tr[data-from="2"] td[data-to="6"] .count')
    assert cell.inner_text() == "1"
    page.close()


def test_a_force_without_links_has_no_linked_people_note(signed_in, linked_site):
    page = signed_in.new_page()
    page.goto(linked_site.url + "/forces/avon-and-somerset/?period_type=quarter&period=2025-Q4")

    assert page.get_by_test_id("linked-note").count() == 0
    page.close()
