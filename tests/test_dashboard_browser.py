"""The dashboard in a real browser: Debian's Chromium, driven by Playwright, on demo figures.

Each page is opened signed in; the charts must be drawn by Chart.js (a canvas holding a chart, no
console error), the tables must hold the store's numbers, the filters and sorting must change what
is shown, and axe-core must find no serious or critical accessibility violation. Screenshots of
every page are saved to test-artifacts/screenshots/.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from engagement.models import PeriodType, Scope, Transition
from engagement.store.similarity import similar_forces_in
from tests.dashboard_data import ensure_reference_data, make_dashboard_data, store_counts
from tests.factories import StaffFactory

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (part of `make test`).")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


@pytest.fixture
def data(signed_in):
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


def charts_drawn(page) -> int:
    """How many canvases hold a Chart.js chart with data; fails on any canvas left empty."""
    state = page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => {
               const chart = Chart.getChart(c);
               return {id: c.id, drawn: !!chart && chart.data.datasets.length > 0
                       && c.width > 0 && c.height > 0};
           })"""
    )
    assert state, "the page has no chart"
    assert all(chart["drawn"] for chart in state), state
    return len(state)


def serious_violations(page) -> list[dict]:
    # Evaluated through the DevTools protocol, not added as a <script> element: the pages'
    # Content-Security-Policy refuses inline scripts, and this one is the test's, not the page's.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


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


# --- Overview -------------------------------------------------------------------------------------


def test_overview_draws_its_charts_without_errors_and_passes_axe(data, signed_in):
    page = open_page(signed_in, "/")
    assert charts_drawn(page) == 1
    labels = page.evaluate("() => Chart.getChart('forces-chart-canvas').data.labels")
    assert len(labels) == 1 + 43
    assert page.locator("#forces-table tbody tr").count() == 43
    assert_sound(page, "overview")


def test_overview_table_holds_the_stores_numbers(data, signed_in):
    page = open_page(signed_in, "/")
    period = page.locator("#f-period").input_value()
    store = store_counts(data.snapshot, period_type=PeriodType.MONTH, period=period)
    shown = table_counts(page, "forces-table")
    assert len(shown) == 43 * 6
    for (slug, rung), citizens in shown.items():
        assert citizens == (store.get((slug, "", rung)) or 0), (slug, rung)


def test_overview_region_filter_keeps_only_that_regions_forces(data, signed_in):
    page = open_page(signed_in, "/")
    show_figures(page, region="Wales")
    regions = {
        row.get_attribute("data-region") for row in page.locator("#forces-table tbody tr").all()
    }
    assert regions == {"Wales"}
    assert page.locator("#forces-table tbody tr").count() == 4
    assert page.locator("#references-table tbody tr").count() == 2
    assert charts_drawn(page) == 1
    labels = page.evaluate("() => Chart.getChart('forces-chart-canvas').data.labels")
    assert labels[:2] == ["England and Wales", "Wales"]
    assert len(labels) == 2 + 4


def test_overview_sorts_by_a_rungs_share(data, signed_in):
    page = open_page(signed_in, "/")
    show_figures(page, sort="rung-6")
    shares = [
        float(text.rstrip("%"))
        for text in page.locator('#forces-table tbody td[data-rung="6"] .share').all_inner_texts()
    ]
    assert shares == sorted(shares, reverse=True)
    assert shares[0] > shares[-1]
    chart_labels = page.evaluate("() => Chart.getChart('forces-chart-canvas').data.labels")
    table_labels = page.locator("#forces-table tbody th").all_inner_texts()
    assert chart_labels == ["England and Wales", *(label.strip() for label in table_labels)]


def test_overview_switches_rung_0_on(data, signed_in):
    page = open_page(signed_in, "/")
    assert page.locator('#forces-table thead th[data-rung="0"]').count() == 0
    page.check("#f-rung0")
    show_figures(page)
    assert page.locator('#forces-table thead th[data-rung="0"]').count() == 1
    datasets = page.evaluate("() => Chart.getChart('forces-chart-canvas').data.datasets.length")
    assert datasets == 7


def test_clicking_a_force_on_the_overview_opens_its_page(data, signed_in):
    page = open_page(signed_in, "/")
    page.locator("#forces-table").get_by_role("link", name="Kent Police").click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(page.base + "/forces/kent/")
    assert page.get_by_role("heading", level=1).inner_text() == "Kent Police"


# --- Force page -----------------------------------------------------------------------------------


def test_force_page_draws_its_charts_without_errors_and_passes_axe(data, signed_in):
    page = open_page(signed_in, "/forces/kent/")
    assert charts_drawn(page) == 5  # ladder, mobility, trend, channels, shapes
    page.get_by_text("Show the figures over time as a table").click()
    assert_sound(page, "force")


def test_force_page_ladder_and_channels_hold_the_stores_numbers(data, signed_in):
    page = open_page(signed_in, "/forces/kent/")
    period = page.locator("#f-period").input_value()
    forces = store_counts(data.snapshot, period_type=PeriodType.MONTH, period=period)
    for row in page.locator("#ladder-table tbody tr").all():
        rung = int(row.get_attribute("data-rung"))
        assert count_in(row) == forces[("kent", "", rung)]
    channels = store_counts(
        data.snapshot, period_type=PeriodType.MONTH, period=period, scope=Scope.CHANNEL
    )
    shown = table_counts(page, "channels-table")
    assert len(shown) == 3 * 6
    for (slug, rung), citizens in shown.items():
        assert citizens == channels.get(("kent", slug, rung), 0)


def test_force_page_names_the_rungs_without_a_route(data, signed_in):
    force = data.no_volunteers[0]
    page = open_page(signed_in, f"/forces/{force.slug}/")
    warning = page.get_by_test_id("no-route").inner_text()
    assert "No route to Volunteer or Co-Designer" in warning


def test_force_page_period_type_changes_the_trend(data, signed_in):
    page = open_page(signed_in, "/forces/kent/")
    months = page.evaluate("() => Chart.getChart('trend-chart-canvas').data.labels")
    show_figures(page, period_type=PeriodType.FINANCIAL_YEAR)
    years = page.evaluate("() => Chart.getChart('trend-chart-canvas').data.labels")
    assert len(months) == 18
    assert years == ["2025-26", "2026-27"]


def test_force_page_matrix_and_forces_most_alike_hold_the_stores_figures(data, signed_in):
    page = open_page(signed_in, "/forces/kent/?period_type=quarter&period=2026-Q2")
    moves = {
        (m.from_rung, m.to_rung): m.citizens
        for m in Transition.objects.filter(
            snapshot=data.snapshot, force__slug="kent", period_type="quarter", to_period="2026-Q2"
        )
    }
    assert moves and all(
        m.from_period == "2026-Q1" for m in Transition.objects.filter(to_period="2026-Q2")
    )
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
    assert (
        f"{100 * climbed / at_passive:.1f}% of the {at_passive:,} people at Passive in 2026-Q1"
        in (line.inner_text())
    )
    nearest = similar_forces_in(data.snapshot, period_type="quarter", period="2026-Q2")
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


# --- Compare and definition -----------------------------------------------------------------------


def test_compare_page_draws_forces_side_by_side_and_passes_axe(data, signed_in):
    page = open_page(signed_in, "/compare/?forces=kent,essex,dyfed-powys")
    assert charts_drawn(page) == 2
    labels = page.evaluate("() => Chart.getChart('compare-chart-canvas').data.labels")
    assert labels == ["Kent Police", "Essex Police", "Dyfed-Powys Police", "England and Wales"]
    period = page.locator("#f-period").input_value()
    store = store_counts(data.snapshot, period_type=PeriodType.MONTH, period=period)
    for (slug, rung), citizens in table_counts(page, "compare-table").items():
        assert citizens == store[(slug, "", rung)]
    assert_sound(page, "compare")


def test_compare_page_chooses_forces_with_checkboxes(data, signed_in):
    page = open_page(signed_in, "/compare/")
    page.check("#c-kent")
    page.check("#c-surrey")
    show_figures(page)
    assert page.locator("#compare-table tbody tr").count() == 2
    assert charts_drawn(page) == 2


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
