"""The routes on the pages (issue #25): the overview's "Routes by rung" grid and each rung
nationally, and a force's routes by rung and over time, from the 43 forces' figures."""

import re

import pytest

from engagement.store.suppression import SUPPRESSED
from tests.routes_data import offer_routes

pytestmark = pytest.mark.django_db

PERIOD = "2026-09"


@pytest.fixture
def routes(module_figures, empty_cache):
    return module_figures, offer_routes(module_figures)


def grid_row(page: str, slug: str) -> str:
    grid = page[page.index('id="routes-grid"') :]
    start = grid.index(f'data-key="{slug}"')
    return grid[start : grid.index("</tr>", start)]


def cell(row: str, rung: int) -> str:
    start = row.index(f'data-rung="{rung}"')
    return row[start : row.index("</td>", start)]


def test_the_grid_lists_every_force_by_rungs_1_to_6(reader, routes):
    page = reader.get(f"/?period={PERIOD}").content.decode()
    grid = page[
        page.index('id="routes-grid"') : page.index("</table>", page.index('id="routes-grid"'))
    ]
    assert grid.count('<th scope="row"') == 43
    assert grid.count('data-state="open"') + grid.count('data-state="closed"') == 43 * 6


def test_an_open_route_nobody_takes_is_marked_offered_but_not_taken(reader, routes):
    data, made = routes
    page = reader.get(f"/?period={PERIOD}").content.decode()
    rung_5 = cell(grid_row(page, made["not_taken"].force.slug), 5)
    assert 'data-state="open"' in rung_5
    assert "Use 0" in rung_5
    assert "Offered, not taken" in rung_5


def test_a_closed_rung_where_people_are_counted_is_marked_reached_without_a_route(reader, routes):
    data, made = routes
    page = reader.get(f"/?period={PERIOD}").content.decode()
    rung_3 = cell(grid_row(page, made["closed"].force.slug), 3)
    assert 'data-state="closed"' in rung_3
    assert "Reached without a route" in rung_3


def test_a_cells_use_is_its_routes_use_as_the_api_gives_it(reader, routes, api_client):
    data, made = routes
    page = reader.get(f"/?period={PERIOD}").content.decode()
    answer = api_client.get("/api/v1/routes/", {"period": PERIOD}).json()["results"]
    group = next(row for row in answer if row["route"] == "Independent advisory group")
    taken = cell(grid_row(page, made["taken"].force.slug), 6)
    shown = re.search(r"Use ([^<]+)</span>", taken).group(1).replace(",", "")
    assert shown == (SUPPRESSED if group["suppressed"] else str(group["use"]))
    assert group["suppressed"] or group["use"] > 0
    assert "Use unknown" in cell(grid_row(page, made["no_channel"].force.slug), 4)


def test_each_rung_nationally_counts_the_forces_with_it_open_and_the_change(reader, routes):
    page = reader.get(f"/?period={PERIOD}").content.decode()
    national = page[page.index('id="routes-national"') :]
    rows = {
        int(rung): national[national.index(f'data-rung="{rung}"') :][:600]
        for rung in ("3", "5", "6")
    }
    assert 'data-open="1"' in rows[6] and 'data-change="0"' in rows[6]
    # Rung 5 opens on the last day of September: one more force than in August.
    assert 'data-open="1"' in rows[5] and 'data-change="1"' in rows[5]
    # Rung 3 closed on the last day of August: one fewer.
    assert 'data-open="0"' in rows[3] and 'data-change="-1"' in rows[3]


def test_the_force_page_lists_its_routes_by_rung_with_links_dates_and_use(reader, routes):
    data, made = routes
    force = made["taken"].force
    page = reader.get(f"/forces/{force.slug}/?period={PERIOD}").content.decode()
    table = page[page.index('id="force-routes-table"') :]
    table = table[: table.index("</table>")]
    assert (
        '<a href="https://example.org/iag" rel="noopener">Independent advisory group</a>' in table
    )
    assert f'href="/forces/{force.slug}/channels/community/' in table
    assert "1 Apr 2025 to open-ended" in table
    assert "1 Apr 2025 to 31 Aug 2026" in table
    assert "Reached without a route" in table  # rung 3: its meetings closed in August


def test_the_force_page_shows_each_routes_use_over_time(reader, routes):
    data, made = routes
    force = made["taken"].force
    page = reader.get(f"/forces/{force.slug}/?period={PERIOD}").content.decode()
    history = page[page.index('id="force-routes-history"') :]
    history = history[: history.index("</table>")]
    august = history[history.index('data-period="2026-08"') :]
    august = august[: august.index("</tr>")]
    assert august.count("✓ Open") == 3  # the group, the briefings, the meetings' last month
    assert history.count("<tr data-period=") == 18  # April 2025 to September 2026
