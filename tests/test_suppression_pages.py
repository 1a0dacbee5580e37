"""Small-number protection on the pages: with SUPPRESS_BELOW on, a reader without
engagement.view_small_numbers sees small counts as [c], the same cells on every page, and no row
or column (a force's ladder, a rung down the forces and their nation) holds a single withheld cell
that subtraction would give away."""

import csv
import io
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from dashboard.mobility import headlines, protected_headlines
from dashboard.withheld import gives_away, moved_up_withheld
from engagement.ladder.similarity import MIN_ENGAGED
from engagement.models import Distribution, Scope
from engagement.store.exports import distribution_export
from engagement.store.mobility import mobility_export
from engagement.store.selectors import DistributionFilters
from engagement.store.suppression import SUPPRESSED, matrix_withheld
from tests.dashboard_data import store_counts
from tests.factories import AnalystFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

THRESHOLD = 60  # high enough that the made-up figures have small cells in every month
MONTH = "2026-09"
ROW = re.compile(r'<tr data-key="([^"]+)"[^>]*>(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="numeric" data-rung="(\d)"[^>]*><span class="count">([^<]*)</span>')


def table_rows(page: str, table_id: str) -> dict[str, dict[int, str]]:
    """{row key: {rung: the count as shown}} of one ladders table."""
    table = page[page.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    return {
        key: {int(p): text for p, text in CELL.findall(cells)} for key, cells in ROW.findall(table)
    }


@pytest.fixture
def figures(settings, module_figures):
    settings.SUPPRESS_BELOW = THRESHOLD
    return module_figures


def overview(client, user, **query) -> str:
    client.force_login(user)
    params = {"period": MONTH, **query}
    return client.get(reverse("dashboard:overview"), params).content.decode()


def test_an_analyst_sees_every_small_count_on_the_overview_as_c(client, figures):
    store = store_counts(figures.snapshot, period_type="month", period=MONTH)

    forces = table_rows(overview(client, AnalystFactory()), "forces-table")

    small = [(slug, p) for (slug, _, p), n in store.items() if p and n and 0 < n < THRESHOLD]
    assert small
    for slug, p in small:
        assert forces[slug][p] == SUPPRESSED
    for slug, cells in forces.items():
        for p, text in cells.items():
            if text != SUPPRESSED and p:
                assert int(text.replace(",", "")) == (store.get((slug, "", p)) or 0)


def test_no_force_row_or_rung_column_of_the_overview_holds_a_single_withheld_cell(client, figures):
    page = overview(client, AnalystFactory())
    forces = table_rows(page, "forces-table")
    nation = table_rows(page, "references-table")["England and Wales"]

    for slug, cells in forces.items():
        assert list(cells.values()).count(SUPPRESSED) != 1, slug
    for p in range(1, 7):
        column = [cells[p] for cells in forces.values()] + [nation[p]]
        assert column.count(SUPPRESSED) != 1, p
    assert any(SUPPRESSED in cells.values() for cells in forces.values())


def test_a_region_row_never_gives_away_one_of_its_forces_cells(client, figures):
    region = figures.forces[0].region
    page = overview(client, AnalystFactory(), region=region)
    forces = table_rows(page, "forces-table")
    regional = table_rows(page, "references-table")[region]

    for p in range(1, 7):
        column = [cells[p] for cells in forces.values()] + [regional[p]]
        assert column.count(SUPPRESSED) != 1, p


def test_the_page_says_what_c_means_when_protection_is_on(client, figures):
    page = overview(client, AnalystFactory())

    assert 'data-testid="withheld-note"' in page
    assert f"a count from 1 to {THRESHOLD - 1}" in page


def test_a_superuser_sees_every_count(client, figures):
    page = overview(client, StaffFactory())

    assert SUPPRESSED not in page
    assert 'data-testid="withheld-note"' not in page


def test_with_the_setting_off_an_analyst_sees_every_count(client, figures, settings):
    settings.SUPPRESS_BELOW = 0

    page = overview(client, AnalystFactory())

    assert SUPPRESSED not in page
    assert 'data-testid="withheld-note"' not in page


def withheld_forces(page: str) -> dict[str, set[int]]:
    return {
        slug: {p for p, text in cells.items() if text == SUPPRESSED}
        for slug, cells in table_rows(page, "forces-table").items()
    }


def test_a_force_page_withholds_the_same_cells_as_the_overview(client, figures):
    analyst = AnalystFactory()
    on_overview = withheld_forces(overview(client, analyst))
    slug = next(slug for slug, withheld in on_overview.items() if withheld)

    page = client.get(reverse("dashboard:force", args=[slug]), {"period": MONTH}).content.decode()

    table = page[
        page.index('id="ladder-table"') : page.index("</table>", page.index('id="ladder-table"'))
    ]
    shown = dict(
        re.findall(r'<tr data-rung="(\d)">.*?<span class="count">([^<]*)</span>', table, re.S)
    )
    assert {int(p) for p, text in shown.items() if text == SUPPRESSED} == on_overview[slug]


def test_the_compare_page_withholds_the_same_cells_as_the_overview(client, figures):
    analyst = AnalystFactory()
    on_overview = withheld_forces(overview(client, analyst))
    slugs = [slug for slug, withheld in on_overview.items() if withheld][:2]

    page = client.get(
        reverse("dashboard:compare"), {"forces": ",".join(slugs), "period": MONTH}
    ).content.decode()

    compared = {
        key: {p for p, text in cells.items() if text == SUPPRESSED}
        for key, cells in table_rows(page, "compare-table").items()
    }
    for slug in slugs:
        assert compared[slug] == on_overview[slug]


def test_charts_leave_withheld_shares_out_and_mark_their_counts(client, figures):
    page = overview(client, AnalystFactory())
    chart = json.loads(
        re.search(
            r'<script id="forces-chart" type="application/json">(.*?)</script>', page, re.S
        ).group(1)
    )

    marked = [
        (dataset["data"][i], count)
        for dataset in chart["datasets"]
        for i, count in enumerate(dataset["counts"])
        if count == SUPPRESSED
    ]
    assert marked
    assert all(share is None for share, _ in marked)


def test_a_mobility_matrix_withholds_across_rows_and_down_columns():
    """Rows add up to the rungs before, columns to the rungs after: both are published."""
    matrix = {(1, 1): 50, (1, 2): 3, (1, 0): 40, (2, 2): 30, (2, 1): 20, (2, 0): 25, (0, 1): 70}

    hidden = matrix_withheld(matrix, threshold=5)

    assert (1, 2) in hidden
    rows = {before for before, _ in matrix}
    columns = {after for _, after in matrix}
    for before in rows:
        assert sum((before, after) in hidden for after in columns if (before, after) in matrix) != 1
    for after in columns:
        assert sum((before, after) in hidden for before in rows if (before, after) in matrix) != 1


def test_moved_up_is_withheld_where_few_moved_and_once_more_in_its_region():
    figures = {
        1: ("North", 3, 200),
        2: ("North", 40, 300),
        3: ("North", 60, 500),
        4: ("South", 90, 400),
    }

    hidden = moved_up_withheld(figures, threshold=5)

    assert hidden[("force", 1)]
    assert sum(hidden[("force", pk)] for pk in (2, 3)) + hidden[("region", "North")] >= 1


def test_a_headline_that_would_give_a_withheld_cell_away_is_withheld():
    """Of 374 at Passive, 15 reached Conversation and 1 Activist: "climbed" (16) minus the
    shown 15 would be the withheld 1."""
    matrix = {(1, 1): 349, (1, 2): 15, (1, 4): 1, (1, 0): 9, (2, 2): 20, (2, 0): 9, (0, 1): 47}
    hidden = matrix_withheld(matrix, threshold=10)
    lines = headlines(matrix, {}, before="2026-09", after="2026-10")

    shown = protected_headlines(lines, matrix, hidden=hidden, threshold=10, withheld_keys=set())

    assert (1, 4) in hidden
    climbed = next(line for line in shown if line["key"] == "climbed")
    assert climbed["withheld"] and climbed["part"] == SUPPRESSED and climbed["share"] is None


def test_a_sum_of_every_withheld_cell_of_a_line_gives_nothing_away():
    hidden = {(1, 0), (1, 4)}

    assert not gives_away({(1, 0), (1, 4), (1, 1)}, hidden)
    assert gives_away({(1, 4), (1, 2)}, hidden)


def exported_withheld(**filters) -> set[tuple[str, int]]:
    export = distribution_export(
        DistributionFilters(period_type="month", period=MONTH, scope="force", **filters),
        suppress_below=THRESHOLD,
    )
    rows = csv.DictReader(io.StringIO("".join(export.lines)))
    return {(row["force"], int(row["rung_position"])) for row in rows if row["citizens"] == "[c]"}


def test_the_export_withholds_the_same_cells_as_the_pages(client, figures):
    on_overview = withheld_forces(overview(client, AnalystFactory()))

    exported = exported_withheld()

    assert exported == {(slug, p) for slug, rungs in on_overview.items() for p in rungs}


def test_an_export_of_one_force_withholds_what_the_table_of_every_force_decides(client, figures):
    on_overview = withheld_forces(overview(client, AnalystFactory()))
    slug = next(slug for slug, withheld in on_overview.items() if withheld)

    assert exported_withheld(forces=(slug,)) == {(slug, p) for p in on_overview[slug]}


def matrix_on_page(client, slug: str) -> set[tuple[int, int]]:
    """The [c] cells of a force page's mobility table, (rung before, rung after)."""
    page = client.get(reverse("dashboard:force", args=[slug]), {"period": MONTH}).content.decode()
    table = page[page.index('id="mobility-table"') :]
    table = table[: table.index("</table>")]
    return {
        (int(before), int(after))
        for before, cells in re.findall(r'<tr data-from="(\d)">(.*?)</tr>', table, re.S)
        for after in re.findall(r'data-to="(\d)"><span class="count">\[c\]', cells)
    }


def test_the_mobility_export_withholds_the_same_cells_as_the_force_page(client, figures):
    client.force_login(AnalystFactory())
    slug, on_page = next(
        (force.slug, cells)
        for force in figures.forces
        if (cells := matrix_on_page(client, force.slug))
    )

    export = mobility_export(
        DistributionFilters(period_type="month", forces=(slug,)), suppress_below=THRESHOLD
    )
    exported = {
        (int(row["from_rung_position"]), int(row["to_rung_position"]))
        for row in csv.DictReader(io.StringIO("".join(export.lines)))
        if row["to_period"] == MONTH and row["citizens"] == "[c]"
    }
    assert exported == on_page


def split_otherwise(figures) -> str:
    """Swaps two small counts of one force's ladder in MONTH (both withheld before and after):
    what a reader may know of that force is unchanged. Returns the force's slug."""
    rows = Distribution.objects.filter(
        snapshot=figures.snapshot, period_type="month", period=MONTH, scope=Scope.FORCE
    )
    for force in figures.forces:
        ladder = list(rows.filter(force=force, rung_position__gt=0))
        pair = [row for row in ladder if 0 < row.citizens < THRESHOLD][:2]
        engaged = sum(row.citizens for row in ladder)
        if len(pair) == 2 and pair[0].citizens != pair[1].citizens and engaged >= MIN_ENGAGED:
            first, second = pair
            first.citizens, second.citizens = second.citizens, first.citizens
            Distribution.objects.bulk_update(pair, ["citizens"])
            cache.clear()
            return force.slug
    raise AssertionError("no force with two different small counts and a shape")


def similar_answer(client) -> list[dict]:
    response = client.get(
        "/api/v1/similar-forces/", {"period_type": "month", "period": MONTH, "format": "json"}
    )
    assert response.status_code == 200
    return response.json()


def test_the_forces_most_alike_give_no_withheld_split_away(client, figures):
    client.force_login(AnalystFactory())
    before = similar_answer(client)
    split_otherwise(figures)
    assert similar_answer(client) == before


def test_a_superuser_reads_the_forces_most_alike_from_every_count(client, figures):
    client.force_login(StaffFactory())
    before = similar_answer(client)
    split_otherwise(figures)
    assert similar_answer(client) != before


def test_the_force_page_says_its_distances_come_from_published_figures(client, figures):
    client.force_login(AnalystFactory())
    slug = split_otherwise(figures)
    page = client.get(reverse("dashboard:force", args=[slug]), {"period": MONTH})
    assert "worked out from the published figures only" in page.content.decode()
