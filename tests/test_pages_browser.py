"""Every page on any screen: 320, 390 and 1440 px wide, in Debian's Chromium (Playwright).

One live server and one set of figures serve the whole module (`pages_site`). At each width each
page must not scroll sideways, must not clip a table (a wide table scrolls inside its own box),
must draw its charts without a console error, and axe-core must find no serious or critical
violation. Screenshots go to test-artifacts/screenshots/, or to SCREENSHOTS_DIR when set:
`make screenshots` refreshes the README's in docs/screenshots/.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from engagement.models import PeriodType, Scope, Transition
from engagement.store.similarity import similar_forces_in
from tests.browser_checks import serious_violations
from tests.dashboard_data import store_counts

# Playwright's sync API runs an event loop in this thread; the fixtures' ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# django_db: the test database is set up for this module (the figures are written by
# `pages_site`, outside each test's transaction; the tests only read them through the browser).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SCREENSHOTS = Path(
    os.environ.get("SCREENSHOTS_DIR") or Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
)
WIDTHS = (320, 390, 1440)
PAGES = {
    "overview": ("/", 200),
    "force": ("/forces/kent/", 200),
    "channel": ("/forces/kent/channels/facebook-main/", 200),
    "compare": ("/compare/?forces=kent,essex,dyfed-powys", 200),
    "definition": ("/definition/", 200),
    "reports": ("/reports/?period=2026-Q2&force=kent", 200),
    "imports": ("/imports/", 200),
    "saved-reports": ("/reports/saved/", 200),
    "not-found": ("/forces/atlantis/", 404),
}


@pytest.fixture(scope="module")
def signed_in(browser, pages_site):
    context = browser.new_context(locale="en-GB")
    context.add_cookies([pages_site.cookie])
    yield context
    context.close()


def opened(context, base: str, path: str, width: int, status: int = 200):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.errors = []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    response = page.goto(base + path)
    assert response.status == status, f"{path} answered {response.status}"
    page.wait_for_load_state("networkidle")
    return page


def sideways_overflow(page) -> dict:
    """The page's width against the window's, and the outermost elements that stick out."""
    return page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth, width: window.innerWidth,
                   out: Array.from(document.querySelectorAll('body *')).filter(e =>
                       e.getBoundingClientRect().right > window.innerWidth + 1
                       && !(e.parentElement && e.parentElement.getBoundingClientRect().right
                            > window.innerWidth + 1)
                   ).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className)})"""
    )


def clipped_tables(page) -> list[str]:
    """Tables wider than the room they have, outside a box that scrolls them."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('table')).filter(table => {
               const box = table.closest('.table-wrap');
               if (box && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) {
                   return false;
               }
               const room = (table.parentElement || document.body).clientWidth;
               return table.scrollWidth > room + 1
                   || table.getBoundingClientRect().right > window.innerWidth + 1;
           }).map(table => table.id || table.className)"""
    )


def charts_drawn(page) -> list[dict]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => {
               const chart = Chart.getChart(c);
               return {id: c.id, drawn: !!chart && chart.data.datasets.length > 0
                       && c.width > 0 && c.height > 0 && c.width <= window.innerWidth};
           })"""
    )


def screenshot(page, name: str, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = min(1600, page.evaluate("() => document.documentElement.scrollHeight"))
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}-{width}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_fits_the_screen_and_passes_axe(signed_in, pages_site, name, width):
    path, status = PAGES[name]
    page = opened(signed_in, pages_site.url, path, width, status)
    try:
        assert sideways_overflow(page)["scroll"] <= width, sideways_overflow(page)
        assert clipped_tables(page) == []
        charts = charts_drawn(page)
        assert all(chart["drawn"] for chart in charts), charts
        screenshot(page, name, width)
        # A 404 page reports its own status in the console; nothing else may.
        expected = [e for e in page.errors if status == 404 and "status of 404" in e]
        assert page.errors == expected
        assert serious_violations(page) == []
    finally:
        page.close()


def test_the_ranked_chart_and_the_forces_table_show_one_number(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/?period=2026-06", 1440)
    chart = page.evaluate("() => JSON.parse(document.getElementById('ranked-chart').textContent)")
    index = chart["labels"].index("Kent Police")
    cell = page.locator('#forces-table tr[data-key="kent"] td[data-conversation-up]')
    assert float(cell.get_attribute("data-value")) == pytest.approx(chart["data"][index], abs=1e-4)
    page.close()


def test_showing_passive_adds_it_to_the_chart(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/forces/kent/", 1440)
    labels = "() => Chart.getChart('trend-chart-canvas').data.datasets.map(d => d.label)"
    assert "Passive" not in page.evaluate(labels)
    page.check("#trend-chart-passive")
    assert "Passive" in page.evaluate(labels)
    page.close()


def test_a_table_sorts_by_a_column(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/", 1440)
    # Force, then a count and a share per rung, the engaged, then Conversation or above.
    page.locator("#forces-table thead th").nth(1 + 6 * 2 + 1).get_by_role("button").click()
    values = [
        float(v or "-1")
        for v in page.locator("#forces-table tbody td[data-conversation-up]").evaluate_all(
            "cells => cells.map(c => c.getAttribute('data-value'))"
        )
    ]
    assert values == sorted(values)
    page.close()


def test_a_force_page_opens_each_channel(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/forces/kent/?platform=facebook", 1440)
    page.locator("#channels-table").get_by_role("link").first.click()
    page.wait_for_load_state("networkidle")
    assert "/forces/kent/channels/facebook-main/" in page.url
    assert "platform=facebook" in page.url
    assert page.locator("#ladder-table tbody tr").count() == 6
    page.close()


# --- What the pages show, on the shared figures ---------------------------------------------------


def show_figures(page, **choices: str):
    """Choose in the filter form (`period_type="quarter"` picks #f-period-type) and submit."""
    for field, value in choices.items():
        page.select_option(f"#f-{field.replace('_', '-')}", value)
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_load_state("networkidle")
    return page


def count_in(cell) -> int | None:
    text = cell.locator(".count").inner_text().strip()
    return None if text == "unknown" else int(text.replace(",", ""))


def table_counts(page, table_id: str) -> dict[tuple[str, int], int | None]:
    """{(row key, rung): count} as the page's table shows it."""
    shown = {}
    for row in page.locator(f"#{table_id} tbody tr").all():
        key = row.get_attribute("data-key")
        for cell in row.locator("td[data-rung]").all():
            shown[(key, int(cell.get_attribute("data-rung")))] = count_in(cell)
    return shown


def chart_labels(page, chart_id: str) -> list[str]:
    return page.evaluate(f"() => Chart.getChart('{chart_id}-canvas').data.labels")


def test_overview_table_holds_the_stores_numbers(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/", 1440)
    period = page.locator("#f-period").input_value()
    store = store_counts(pages_site.data.snapshot, period_type=PeriodType.MONTH, period=period)
    shown = table_counts(page, "forces-table")
    assert len(shown) == 43 * 6
    for (slug, rung), citizens in shown.items():
        assert citizens == (store.get((slug, "", rung)) or 0), (slug, rung)
    assert len(chart_labels(page, "ranked-chart")) == 1 + 43
    page.close()


def test_overview_region_filter_keeps_only_that_regions_forces(signed_in, pages_site):
    page = show_figures(opened(signed_in, pages_site.url, "/", 1440), region="Wales")
    regions = {
        row.get_attribute("data-region") for row in page.locator("#forces-table tbody tr").all()
    }
    assert regions == {"Wales"}
    assert page.locator("#forces-table tbody tr").count() == 4
    assert page.locator("#references-table tbody tr").count() == 2
    assert chart_labels(page, "forces-chart")[:2] == ["England and Wales", "Wales"]
    assert len(chart_labels(page, "forces-chart")) == 2 + 4
    page.close()


def test_overview_sorts_by_a_rungs_share(signed_in, pages_site):
    page = show_figures(opened(signed_in, pages_site.url, "/", 1440), sort="rung-6")
    shares = [
        float(value or "-1")
        for value in page.locator('#forces-table tbody td[data-share-of-engaged="6"]').evaluate_all(
            "cells => cells.map(c => c.getAttribute('data-value'))"
        )
    ]
    assert shares == sorted(shares, reverse=True) and shares[0] > shares[-1]
    table_labels = page.locator("#forces-table tbody th").all_inner_texts()
    assert chart_labels(page, "forces-chart") == [
        "England and Wales",
        *(label.strip() for label in table_labels),
    ]
    page.close()


def test_overview_switches_rung_0_on_as_a_rate_per_thousand(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/", 1440)
    assert page.locator('#forces-table thead th[data-rung="0"]').count() == 0
    page.check("#f-rung0")
    show_figures(page)
    assert page.locator('#forces-table thead th[data-rung="0"]').count() == 1
    assert "per 1,000 residents" in page.locator("#forces-table thead").inner_text()
    title = page.evaluate("() => Chart.getChart('forces-chart-canvas').options.scales.x.title.text")
    assert title == "per 1,000 residents"
    page.close()


def test_clicking_a_force_on_the_overview_opens_its_page(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/", 1440)
    page.locator("#forces-table").get_by_role("link", name="Kent Police").click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(pages_site.url + "/forces/kent/")
    assert page.get_by_role("heading", level=1).inner_text() == "Kent Police"
    page.close()


def test_force_page_ladder_and_channels_hold_the_stores_numbers(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/forces/kent/", 1440)
    snapshot = pages_site.data.snapshot
    period = page.locator("#f-period").input_value()
    forces = store_counts(snapshot, period_type=PeriodType.MONTH, period=period)
    for row in page.locator("#ladder-table tbody tr").all():
        assert count_in(row) == forces[("kent", "", int(row.get_attribute("data-rung")))]
    channels = store_counts(
        snapshot, period_type=PeriodType.MONTH, period=period, scope=Scope.CHANNEL
    )
    shown = table_counts(page, "channels-table")
    assert len(shown) == 3 * 6
    for (slug, rung), citizens in shown.items():
        assert citizens == channels.get(("kent", slug, rung), 0)
    page.close()


def test_force_page_names_the_rungs_no_channel_reached(signed_in, pages_site):
    force = pages_site.data.no_volunteers[0]
    page = opened(signed_in, pages_site.url, f"/forces/{force.slug}/", 1440)
    assert (
        "No channel has reached Volunteer or Co-Designer"
        in page.get_by_test_id("not-reached").inner_text()
    )
    page.close()


def test_force_page_period_type_changes_the_trend(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/forces/kent/", 1440)
    assert len(chart_labels(page, "trend-chart")) == 18
    show_figures(page, period_type=PeriodType.FINANCIAL_YEAR)
    assert chart_labels(page, "trend-chart") == ["2025-26", "2026-27 (partial)"]
    page.close()


def test_compare_page_holds_the_stores_numbers_in_the_chosen_order(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/compare/?forces=kent,essex,dyfed-powys", 1440)
    assert chart_labels(page, "compare-chart") == [
        "Kent Police",
        "Essex Police",
        "Dyfed-Powys Police",
        "England and Wales",
    ]
    period = page.locator("#f-period").input_value()
    store = store_counts(pages_site.data.snapshot, period_type=PeriodType.MONTH, period=period)
    for (slug, rung), citizens in table_counts(page, "compare-table").items():
        assert citizens == store[(slug, "", rung)]
    page.close()


def test_compare_page_chooses_forces_with_checkboxes(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/compare/", 1440)
    page.check("#c-kent")
    page.check("#c-surrey")
    show_figures(page)
    assert page.locator("#compare-table tbody tr").count() == 2
    assert all(chart["drawn"] for chart in charts_drawn(page))
    page.close()


def test_force_page_matrix_and_forces_most_alike_hold_the_stores_figures(signed_in, pages_site):
    snapshot = pages_site.data.snapshot
    page = opened(
        signed_in, pages_site.url, "/forces/kent/?period_type=quarter&period=2026-Q2", 1440
    )
    moves = {
        (m.from_rung, m.to_rung): m.citizens
        for m in Transition.objects.filter(
            snapshot=snapshot, force__slug="kent", period_type="quarter", to_period="2026-Q2"
        )
    }
    assert moves
    for row in page.locator("#mobility-table tbody tr").all():
        before = int(row.get_attribute("data-from"))
        for cell in row.locator("td[data-to]").all():
            after = int(cell.get_attribute("data-to"))
            if (before, after) != (0, 0):
                assert count_in(cell) == moves.get((before, after), 0)
    at_passive = sum(n for (before, _), n in moves.items() if before == 1)
    climbed = sum(n for (before, after), n in moves.items() if before == 1 and after >= 2)
    line = page.locator("[data-headline='climbed']")
    assert (line.get_attribute("data-part"), line.get_attribute("data-whole")) == (
        str(climbed),
        str(at_passive),
    )
    nearest = similar_forces_in(snapshot, period_type="quarter", period="2026-Q2")
    expected = [n.key for n in nearest.forces["kent"].neighbours]
    assert len(expected) == 5
    assert (
        page.locator("#similar-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
        == expected
    )
    page.get_by_test_id("compare-similar").click()
    page.wait_for_load_state("networkidle")
    shown = page.locator("#compare-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.key)"
    )
    assert shown == ["kent", *expected]
    assert page.locator("#f-period").input_value() == "2026-Q2"
    page.close()


@pytest.mark.parametrize("width", (320, 1440))
def test_an_analyst_reads_small_numbers_as_c_on_the_overview(browser, pages_site, settings, width):
    """With SUPPRESS_BELOW on, the page says what [c] means, the tables show it, the charts leave
    those shares out, and the page still fits the screen."""
    settings.SUPPRESS_BELOW = 60
    context = browser.new_context(locale="en-GB")
    context.add_cookies([pages_site.analyst_cookie])
    page = opened(context, pages_site.url, "/?period=2026-09", width)
    try:
        assert page.get_by_test_id("withheld-note").is_visible()
        withheld = page.locator("#forces-table td[data-rung] .count", has_text="[c]")
        assert withheld.count() > 0
        datasets = page.evaluate(
            "() => Chart.getChart('forces-chart-canvas').data.datasets"
            ".map(d => ({data: d.data, counts: d.counts}))"
        )
        marked = [
            data["data"][i]
            for data in datasets
            for i, count in enumerate(data["counts"])
            if count == "[c]"
        ]
        assert marked and all(share is None for share in marked)
        assert sideways_overflow(page)["scroll"] <= width
        assert page.errors == []
        screenshot(page, "overview-small-numbers", width)
    finally:
        page.close()
        context.close()
