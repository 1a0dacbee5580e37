"""Every page on any screen: 320, 390 and 1440 px wide, in Debian's Chromium (Playwright).

One live server and one set of figures serve the whole module (`pages_site`). At each width each
page must not scroll sideways, must not clip a table (a wide table scrolls inside its own box),
must draw its charts without a console error, and axe-core must find no serious or critical
violation. Screenshots go to test-artifacts/screenshots/, or to SCREENSHOTS_DIR when set:
`make screenshots` refreshes the README's in docs/screenshots/.
"""

import csv
import io
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
    "compare-first-view": ("/compare/", 200),
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


def test_the_sort_is_one_control_and_no_column_header_is_a_tab_stop(signed_in, pages_site):
    page = show_figures(opened(signed_in, pages_site.url, "/", 1440), sort="conversation-up")
    assert page.locator("thead button, thead a, thead [tabindex]").count() == 0
    values = [
        float(v or "-1")
        for v in page.locator("#forces-table tbody td[data-conversation-up]").evaluate_all(
            "cells => cells.map(c => c.getAttribute('data-value'))"
        )
    ]
    assert values == sorted(values, reverse=True)
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
    assert "per 1,000 residents" in page.locator("#forces-table thead").text_content()
    title = page.evaluate("() => Chart.getChart('forces-chart-canvas').options.scales.x.title.text")
    assert title == "per 1,000 residents of the area"
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


# --- Every chart in colour, every column in sight -------------------------------------------------

CHART_PAGES = {
    "overview": "/",
    "force": "/forces/kent/?period_type=quarter",
    "compare": "/compare/?forces=kent,essex,dyfed-powys",
    "channel": "/forces/kent/channels/community/",
}


def chart_colours(page) -> list[dict]:
    """Per canvas: the share of its pixels in colour (not white, grey or black) and, for bar
    charts, whether each dataset has a fill of its own (a rung's colour and pattern)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => {
               const chart = Chart.getChart(c);
               const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               let coloured = 0;
               for (let i = 0; i < pixels.length; i += 4) {
                   const r = pixels[i], g = pixels[i + 1], b = pixels[i + 2], a = pixels[i + 3];
                   if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) { coloured++; }
               }
               const kind = chart.config.type;
               const bars = chart.data.datasets.filter(d => (d.type || kind) === 'bar');
               const grey = ['#505a5f', 'rgba(0, 0, 0, 0.1)', undefined];
               return {id: c.id, coloured: coloured / (c.width * c.height),
                       plain: bars.filter(d => grey.includes(d.backgroundColor)).map(d => d.label)};
           })"""
    )


@pytest.mark.parametrize("name", list(CHART_PAGES))
def test_every_chart_draws_its_bars_in_colour(browser, pages_site, name):
    """As the analyst (small-number protection on); Passive shown too, so every rung is drawn."""
    context = browser.new_context(locale="en-GB")
    context.add_cookies([pages_site.analyst_cookie])
    page = opened(context, pages_site.url, CHART_PAGES[name], 1440)
    try:
        for toggle in page.locator("[data-passive-for]").all():
            toggle.check()
        charts = chart_colours(page)
        assert charts
        for chart in charts:
            assert chart["plain"] == [], chart
            assert chart["coloured"] > 0.01, chart
    finally:
        page.close()
        context.close()


def test_the_moving_up_chart_draws_each_rung_as_its_legend_does(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/forces/kent/?period_type=quarter", 1440)
    spec = page.evaluate("() => JSON.parse(document.getElementById('mobility-chart').textContent)")
    legend = (
        page.locator("#mobility-heading ~ .legend")
        .first.locator(".swatch")
        .evaluate_all("spans => spans.map(s => s.className)")
    )
    assert [f"swatch rung-{d['position']}" for d in spec["datasets"]] == legend
    assert spec["axis"].startswith("% of the bar's citizens: those at its rung in")
    page.close()


@pytest.mark.parametrize("name", list(CHART_PAGES))
def test_no_table_hides_a_column_at_1440(signed_in, pages_site, name):
    page = opened(signed_in, pages_site.url, CHART_PAGES[name], 1440)
    for details in page.locator("details").all():
        details.evaluate("d => d.open = true")
    hidden = page.evaluate(
        """() => Array.from(document.querySelectorAll('table')).filter(t => {
               const box = t.closest('.table-wrap') || t.parentElement;
               return t.scrollWidth > box.clientWidth + 1;
           }).map(t => t.id)"""
    )
    assert hidden == []
    assert page.evaluate("() => document.querySelector('main').clientWidth") >= 1380
    page.close()


# --- The analyst's tasks, counting actions (clicks, selections, key presses) ----------------------


class Actions:
    """A page driven by counted actions; scrolling and reading are free."""

    def __init__(self, page):
        self.page, self.count, self.trail = page, 0, []

    def select(self, selector: str, value: str) -> None:
        self.page.select_option(selector, value)
        self.count += 1

    def click(self, locator) -> None:
        locator.click()
        self.count += 1
        self.page.wait_for_load_state("networkidle")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1
        self.trail.append(key)


@pytest.fixture
def analyst(browser, pages_site):
    """A non-staff analyst (small-number protection applies) on the overview at 1440 px."""
    context = browser.new_context(locale="en-GB", accept_downloads=True)
    context.add_cookies([pages_site.analyst_cookie])
    page = opened(context, pages_site.url, "/", 1440)
    yield Actions(page)
    page.close()
    context.close()


def test_the_five_forces_that_moved_most_people_up_last_full_quarter_in_3_actions(analyst):
    analyst.select("#f-period-type", "quarter")
    analyst.select("#f-sort", "moved-up-people")
    analyst.click(analyst.page.get_by_role("button", name="Show figures"))
    page = analyst.page
    assert analyst.count <= 3
    assert page.locator("#f-period").input_value() == "2026-Q3"  # the latest complete quarter
    rows = page.locator("#forces-table tbody tr").all()[:5]
    moved = [int(row.locator("td[data-moved-up]").get_attribute("data-moved")) for row in rows]
    assert moved == sorted(moved, reverse=True) and moved[-1] > 0
    counts = [row.locator(".moved-count").inner_text() for row in rows]
    assert counts == [f"{n:,}" for n in moved]
    assert "Moved up since 2026 Q2" in page.locator("#forces-table thead").inner_text()
    ranked = page.evaluate("() => JSON.parse(document.getElementById('ranked-chart').textContent)")
    names = [row.locator("th").inner_text().strip() for row in rows]
    assert ranked["labels"][:5] == names  # the chart follows the sort (people: no reference)


def test_kent_against_its_three_most_alike_this_year_against_last_in_4_actions(analyst):
    analyst.select("#f-period-type", "year")
    analyst.click(analyst.page.get_by_role("button", name="Show figures"))
    analyst.click(analyst.page.locator("#forces-table").get_by_role("link", name="Kent Police"))
    analyst.click(analyst.page.get_by_test_id("compare-three"))
    page = analyst.page
    assert analyst.count <= 4
    keys = page.locator("#compare-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.key)"
    )
    assert len(keys) == 4 and keys[0] == "kent"
    assert page.locator("#f-period").input_value() == "2026"
    for row in page.locator("#compare-table tbody tr").all():
        assert row.locator("td[data-conversation-up]").inner_text().endswith("%")
        assert row.locator('td[data-change="year_before"]').inner_text() not in ("", "–")
    periods = page.locator("#compare-trend-table tbody th").all_text_contents()
    assert [p.strip() for p in periods] == ["2025 (partial)", "2026 (partial)"]


def test_kents_last_four_quarters_as_a_csv_file_in_3_actions(analyst):
    analyst.click(analyst.page.locator("#forces-table").get_by_role("link", name="Kent Police"))
    with analyst.page.expect_download() as download:
        analyst.click(analyst.page.get_by_test_id("csv-last-quarters"))
    assert analyst.count <= 3
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["force"] for row in rows} == {"kent"}
    assert [row["period"] for row in rows] == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    assert {row["partial"] for row in rows} == {"false"}
    assert all(row["conversation_or_above"] for row in rows)


def test_changing_the_period_and_opening_a_force_takes_15_key_presses_at_most(analyst):
    page = analyst.page
    before = page.locator("#f-period").input_value()

    def focused() -> dict:
        now = page.evaluate(
            """() => ({id: document.activeElement.id, tag: document.activeElement.tagName,
                       text: (document.activeElement.textContent || '').trim(),
                       table: (document.activeElement.closest('table') || {}).id || ''})"""
        )
        analyst.trail.append(now["id"] or f"{now['tag']}:{now['text'][:20]}")
        return now

    analyst.press("Tab")  # "Skip to main content"
    assert focused()["text"] == "Skip to main content"
    analyst.press("Enter")
    while focused()["id"] != "f-period" and analyst.count < 15:
        analyst.press("Tab")
    analyst.press("ArrowDown")  # the period before
    chosen = page.locator("#f-period").input_value()
    assert chosen != before
    while focused()["text"] != "Show figures" and analyst.count < 15:
        analyst.press("Tab")
    with page.expect_navigation():
        analyst.press("Enter")
    page.wait_for_load_state("networkidle")
    assert focused()["id"] == "figures"  # focus moves to the results
    while not (focused()["tag"] == "A" and focused()["table"] == "forces-table"):
        assert analyst.count < 15
        analyst.press("Tab")
    with page.expect_navigation():
        analyst.press("Enter")
    assert analyst.count <= 15, analyst.trail
    assert "/forces/" in page.url and f"period={chosen}" in page.url


def test_compare_offers_every_period_type_and_platform_from_its_first_view(signed_in, pages_site):
    page = opened(signed_in, pages_site.url, "/compare/", 390)
    types = page.locator("#f-period-type option").evaluate_all("o => o.map(x => x.value)")
    assert types == ["month", "quarter", "year", "financial_year"]
    assert page.locator("#f-platform option").count() > 2
    page.close()


@pytest.mark.parametrize("width", (320, 390))
def test_the_api_root_fits_a_phone_and_leads_back_to_the_dashboard(signed_in, pages_site, width):
    page = opened(signed_in, pages_site.url, "/api/v1/", width)
    assert sideways_overflow(page)["scroll"] <= width, sideways_overflow(page)
    page.get_by_test_id("back-to-dashboard").click()
    page.wait_for_load_state("networkidle")
    assert page.url == pages_site.url + "/"
    page.close()
