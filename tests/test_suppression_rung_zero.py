"""Small-number protection's rung-0 hole, closed: at force scope, when the only non-zero rung
among 1 to 6 is withheld, the public population minus rung 0 would be that rung, so rung 0 (with
its share, and the engaged total on the pages) is withheld too: in the one decision the pages,
the API and the files read."""

import csv
import io

import pytest
from django.core.cache import cache
from django.urls import reverse

from dashboard.ladders import Ladder
from engagement.store.exports import distribution_export
from engagement.store.selectors import DistributionFilters
from engagement.store.suppression import (
    SUPPRESSED,
    force_row,
    rung_zero_gives_away,
    withheld_across_forces,
)
from tests.factories import AnalystFactory, DistributionFactory, ForceFactory, SnapshotFactory


def test_rung_zero_is_withheld_where_the_only_engaged_rung_is():
    decided = withheld_across_forces(
        [
            ("lone", "North", {0: 997, 1: 0, 2: 0, 3: 3}),
            ("busy", "North", {0: 800, 1: 120, 2: 50, 3: 30}),
        ],
        threshold=5,
    )

    assert decided[force_row("lone")] == {0, 3}
    assert 0 not in decided[force_row("busy")]


def test_rung_zero_stays_shown_where_two_rungs_are_withheld_or_the_population_is_unknown():
    assert not rung_zero_gives_away({0: 900, 1: 40, 3: 3}, {1, 3})
    assert not rung_zero_gives_away({0: None, 3: 3}, {3})
    assert rung_zero_gives_away({0: 997, 3: 3}, {3})


def test_a_ladder_whose_only_engaged_rung_is_withheld_withholds_its_engaged_total_too():
    channel = Ladder(label="A channel", counts={3: 3}, withheld=frozenset({3}))
    busy = Ladder(label="Another", counts={1: 40, 3: 3, 4: 2}, withheld=frozenset({3, 4}))

    assert channel.shown_engaged == SUPPRESSED
    assert busy.shown_engaged == 45


@pytest.fixture
def lone(db):
    """Population 1,000: 3 people engaged, all at Participation, in April 2026; a second force
    with enough people everywhere."""
    snapshot = SnapshotFactory()
    for slug, population, counts in (
        ("lone", 1000, {0: 997, 3: 3}),
        ("busy", 5000, {0: 4600, 1: 200, 2: 120, 3: 80}),
    ):
        force = ForceFactory(slug=slug, name=f"{slug.title()} Police", population=population)
        for position, citizens in counts.items():
            DistributionFactory(
                snapshot=snapshot, force=force, rung_position=position, citizens=citizens
            )
    cache.clear()
    return snapshot


def test_the_csv_withholds_rung_zero_and_its_share(lone):
    export = distribution_export(
        DistributionFilters(forces=("lone",), period="2026-04"), layout="long", suppress_below=5
    )
    header, *rows = list(csv.reader(io.StringIO("".join(export.lines))))
    by_rung = {row[header.index("rung_position")]: row for row in rows}

    for rung in "03":
        assert by_rung[rung][header.index("citizens")] == SUPPRESSED
        assert by_rung[rung][header.index("share_of_population")] == SUPPRESSED


def test_the_api_withholds_rung_zero_for_an_analyst(lone, client, settings):
    settings.SUPPRESS_BELOW = 5
    client.force_login(AnalystFactory(password=None))

    rows = client.get("/api/v1/distributions/", {"force": "lone", "period": "2026-04"}).json()

    shown = {row["rung_position"]: row for row in rows["results"]}
    assert shown[0]["suppressed"] and shown[0]["citizens"] is None
    assert shown[0]["share_of_population"] is None
    assert shown[3]["suppressed"]


def test_the_force_page_withholds_rung_zero_and_the_engaged_total(lone, client, settings):
    settings.SUPPRESS_BELOW = 5
    client.force_login(AnalystFactory(password=None))

    page = client.get(
        reverse("dashboard:force", args=["lone"]),
        {"period": "2026-04", "period_type": "month", "rung0": "on"},
    ).content.decode()

    table = page[page.index('id="ladder-table"') :]
    table = table[: table.index("</table>")]
    rung_zero = table[table.index('<tr data-rung="0">') :]
    assert SUPPRESSED in rung_zero[: rung_zero.index("</tr>")]
    engaged = table[table.index("data-engaged>") :]
    assert engaged.startswith(f"data-engaged>{SUPPRESSED}<")
    assert ">3<" not in table
