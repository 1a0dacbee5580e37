"""The routes on the pages in Debian's Chromium (Playwright), at 390 and 1440 px: the overview's
"Routes by rung" grid answers "which rungs does each force offer a route to?" in two actions
(open the overview, follow its link to the grid), and a force's routes read on its page; nothing
scrolls sideways at 390 px and every column shows at 1440 px."""

import os

import pytest

from tests.browser_checks import serious_violations
from tests.routes_data import offer_routes
from tests.test_pages_browser import SCREENSHOTS, opened, sideways_overflow

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WIDTHS = (390, 1440)


@pytest.fixture(scope="module")
def routed(pages_site, django_db_blocker):
    """Routes in two forces of the module's figures (written beside them, for the module)."""
    with django_db_blocker.unblock():
        made = offer_routes(pages_site.data)
    return pages_site, made["taken"].force, made["not_taken"].force


@pytest.fixture(scope="module")
def signed_in(browser, routed):
    context = browser.new_context(locale="en-GB")
    context.add_cookies([routed[0].cookie])
    yield context
    context.close()


def columns_outside(page, selector: str) -> list[str]:
    """The header cells of a table that end beyond the window's right edge."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector + ' thead th'))
               .filter(th => th.getBoundingClientRect().right > window.innerWidth + 1)
               .map(th => th.textContent.trim())""",
        selector,
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_which_rungs_each_force_offers_a_route_to_takes_two_actions(signed_in, routed, width):
    site, taken, not_taken = routed
    page = opened(signed_in, site.url, "/", width)  # action 1: the overview
    page.get_by_test_id("routes-link").click()  # action 2: its link to the grid
    grid = page.locator("#routes-grid")
    assert page.evaluate("() => location.hash") == "#routes"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#routes").screenshot(path=str(SCREENSHOTS / f"routes-grid-{width}.png"))
    assert page.locator("#routes-heading").is_visible()
    rows = grid.locator("tbody tr")
    assert rows.count() == 43
    for index in range(rows.count()):
        states = rows.nth(index).locator("td[data-rung] .route-state").all_inner_texts()
        assert len(states) == 6 and all(s.endswith(("Open", "Closed")) for s in states)
    taken_row = grid.locator(f'tr[data-key="{taken.slug}"]')
    assert taken_row.locator('td[data-rung="6"] .route-state').inner_text().endswith("Open")
    assert "Reached without a route" in taken_row.locator('td[data-rung="3"]').inner_text()
    not_taken_row = grid.locator(f'tr[data-key="{not_taken.slug}"]')
    assert "Offered, not taken" in not_taken_row.locator('td[data-rung="5"]').inner_text()
    overflow = sideways_overflow(page)
    assert overflow["scroll"] <= overflow["width"], overflow
    assert serious_violations(page) == []
    if width == 1440:
        assert columns_outside(page, "#routes-grid") == []
        assert columns_outside(page, "#routes-national") == []
    else:
        # Each force is a block of labelled cells: the rung's name is read beside its state.
        label = page.evaluate(
            """() => getComputedStyle(
                   document.querySelector('#routes-grid td[data-rung="6"]'), '::before'
               ).content"""
        )
        assert "Co-Designer" in label
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_force_page_lists_its_routes_by_rung_and_over_time(signed_in, routed, width):
    site, taken, _ = routed
    page = opened(signed_in, site.url, f"/forces/{taken.slug}/", width)
    table = page.locator("#force-routes-table")
    table.scroll_into_view_if_needed()
    assert table.is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    table.screenshot(path=str(SCREENSHOTS / f"force-routes-{width}.png"))
    link = table.get_by_role("link", name="Independent advisory group")
    assert link.get_attribute("href") == "https://example.org/iag"
    assert table.get_by_role("link", name="community").is_visible()
    assert "1 Apr 2025 to 31 Aug 2026" in table.inner_text()
    history = page.locator("#force-routes-history")
    assert history.locator("tbody tr").count() == 18
    overflow = sideways_overflow(page)
    assert overflow["scroll"] <= overflow["width"], overflow
    assert serious_violations(page) == []
    if width == 1440:
        assert columns_outside(page, "#force-routes-table") == []
        assert columns_outside(page, "#force-routes-history") == []
    page.close()
