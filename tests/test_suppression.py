"""Small-number protection: counts from 1 to SUPPRESS_BELOW - 1 are withheld, and a total never
gives a withheld cell away."""

import csv
import io

import pytest

from engagement.store.exports import distribution_export
from engagement.store.selectors import DistributionFilters
from engagement.store.suppression import (
    SUPPRESSED,
    cells_to_withhold,
    protect_group,
    withheld_in_table,
)
from tests.factories import (
    AnalystFactory,
    DistributionFactory,
    ForceFactory,
    SnapshotFactory,
    StaffFactory,
)


def test_a_count_below_the_threshold_and_the_next_smallest_are_withheld():
    counts = {0: 900, 1: 60, 2: 3, 3: 8, 4: 12, 5: 0, 6: 0}

    assert cells_to_withhold(counts, threshold=5) == {2, 3}


def test_two_small_counts_need_no_second_cell():
    counts = {0: 900, 1: 60, 2: 3, 3: 1, 4: 12, 5: 0, 6: 0}

    assert cells_to_withhold(counts, threshold=5) == {2, 3}


def test_zeros_and_rung_zero_are_never_withheld():
    counts = {0: 2, 1: 40, 2: 0, 3: 0, 4: 30, 5: 0, 6: 0}

    assert cells_to_withhold(counts, threshold=5) == set()


def test_a_threshold_of_zero_or_one_withholds_nothing():
    counts = {1: 1, 2: 2}

    assert cells_to_withhold(counts, threshold=0) == set()
    assert cells_to_withhold(counts, threshold=1) == set()


def test_the_threshold_itself_is_shown():
    # 4 is withheld, and 5 as the second cell
    assert cells_to_withhold({1: 5, 2: 4, 3: 9}, threshold=5) == {1, 2}
    assert cells_to_withhold({1: 5, 2: 6}, threshold=5) == set()


def test_a_withheld_row_loses_its_count_and_every_share():
    rows = [
        {"rung_position": 1, "citizens": 50, "share": 0.9, "share_of_population": 0.05},
        {"rung_position": 2, "citizens": 2, "share": 0.04, "share_of_population": 0.002},
        {"rung_position": 3, "citizens": 3, "share": 0.06, "share_of_population": 0.003},
    ]

    protected = protect_group(rows, threshold=5)

    assert protected[0] == rows[0]
    for row in protected[1:]:
        assert row["citizens"] == row["share"] == row["share_of_population"] == SUPPRESSED


def test_a_single_small_cell_cannot_be_worked_out_from_the_population():
    """Population 1,000: rung 0 (not engaged) and the shown rungs add up to all but the two
    withheld cells, so subtraction gives their sum (7), never either one of them."""
    population = 1000
    counts = {0: 890, 1: 80, 2: 4, 3: 3, 4: 15, 5: 8, 6: 0}
    assert sum(counts.values()) == population

    withheld = cells_to_withhold(counts, threshold=5)

    known_total = sum(count for position, count in counts.items() if position not in withheld)
    assert withheld == {2, 3}
    assert population - known_total == 7  # only the sum of the two is revealed


# A region of three forces and the nation (that region and one more): the pages show them all.
REGION_SUMS = {"north": ("a", "b", "c"), "nation": ("north", "south")}


def table(**forces: dict[int, int]) -> dict[str, dict[int, int]]:
    """Forces' counts, with the region and nation rows added up rung by rung."""
    counts = dict(forces)
    for total, parts in REGION_SUMS.items():
        counts[total] = {p: sum(counts[part][p] for part in parts) for p in counts[parts[0]]}
    return counts


def test_a_withheld_force_cell_cannot_be_worked_out_from_its_region_total():
    """Force a's 2 Co-Designers are withheld along its row (with its 9 Activists); down the
    Co-Designer column the region's total would give the 2 away, so a second force's cell in
    that column is withheld too, and so on until no line has a single withheld cell."""
    counts = table(
        a={1: 40, 2: 20, 3: 9, 4: 30, 6: 2},
        b={1: 50, 2: 30, 3: 25, 4: 12, 6: 10},
        c={1: 60, 2: 35, 3: 30, 4: 20, 6: 12},
        south={1: 80, 2: 40, 3: 30, 4: 30, 6: 20},
    )

    withheld = withheld_in_table(counts, sums=REGION_SUMS, threshold=5)

    lines = [[(row, p) for p in counts[row]] for row in counts]
    lines += [
        [(total, p), *((part, p) for part in parts)]
        for total, parts in REGION_SUMS.items()
        for p in counts[total]
    ]
    for line in lines:
        assert sum(p in withheld[row] for row, p in line) != 1, line
    assert 6 in withheld["a"] and 3 in withheld["a"]
    assert any(6 in withheld[force] for force in ("b", "c", "north"))


def test_a_table_without_small_counts_withholds_nothing():
    counts = table(a={1: 40, 2: 20}, b={1: 50, 2: 30}, c={1: 60, 2: 35}, south={1: 80, 2: 40})

    assert withheld_in_table(counts, sums=REGION_SUMS, threshold=5) == {
        row: frozenset() for row in counts
    }


def test_a_table_with_protection_off_withholds_nothing():
    counts = table(a={1: 1, 2: 2}, b={1: 3, 2: 4}, c={1: 1, 2: 1}, south={1: 2, 2: 2})

    assert not any(withheld_in_table(counts, sums=REGION_SUMS, threshold=0).values())


@pytest.fixture
def small_force(db):
    """One force, one month: rung 2 holds 2 people, rung 3 holds 9, rung 1 holds 40."""
    force = ForceFactory(slug="smallshire", population=1000)
    snapshot = SnapshotFactory()
    counts = {0: 949, 1: 40, 2: 2, 3: 9, 4: 0, 5: 0, 6: 0}
    for position, citizens in counts.items():
        DistributionFactory(
            snapshot=snapshot,
            force=force,
            scope="force",
            period="2026-04",
            rung_position=position,
            citizens=citizens,
        )
    return force


def exported(layout: str, threshold: int) -> list[list[str]]:
    export = distribution_export(
        DistributionFilters(forces=("smallshire",), period="2026-04"),
        layout=layout,
        suppress_below=threshold,
    )
    return list(csv.reader(io.StringIO("".join(export.lines))))


def test_the_long_csv_withholds_both_cells_and_notes_the_marker_in_its_header(small_force):
    header, *rows = exported("long", 5)

    assert header[-1].startswith("[c] = a count from 1 to 4")
    by_rung = {row[header.index("rung_position")]: row for row in rows}
    citizens = header.index("citizens")
    engaged, population = header.index("share_of_engaged"), header.index("share_of_population")
    assert [by_rung[r][citizens] for r in "0123456"] == ["949", "40", "[c]", "[c]", "0", "0", "0"]
    for rung in "23":
        assert by_rung[rung][engaged] == by_rung[rung][population] == "[c]"
    assert by_rung["1"][population] == "0.04"


def test_the_wide_csv_withholds_both_cells_and_every_share_from_them(small_force):
    header, row = exported("wide", 5)

    assert row[header.index("rung_2_conversation")] == "[c]"
    assert row[header.index("rung_3_participation")] == "[c]"
    assert row[header.index("rung_1_passive")] == "40"
    for share in ("share_of_engaged", "share_of_population"):
        assert row[header.index(f"{share}_2_conversation")] == "[c]"
        assert row[header.index(f"{share}_3_participation")] == "[c]"
    assert row[header.index("share_of_population_1_passive")] == "0.04"


def test_without_a_threshold_the_csv_is_as_before(small_force):
    header, *rows = exported("long", 0)

    assert "[c]" not in {cell for row in rows for cell in row}
    assert not header[-1].startswith("[c]")


def test_the_api_withholds_for_an_analyst_when_the_setting_is_on(small_force, client, settings):
    settings.SUPPRESS_BELOW = 5
    client.force_login(AnalystFactory(password=None))

    rows = client.get(
        "/api/v1/distributions/", {"force": "smallshire", "period": "2026-04", "page_size": 3}
    ).json()["results"]

    assert [(row["rung_position"], row["citizens"], row["suppressed"]) for row in rows] == [
        (0, 949, False),
        (1, 40, False),
        (2, None, True),  # on the first page, though its partner (rung 3) is on the second
    ]
    assert rows[2]["share_of_engaged"] is None
    assert rows[2]["share_of_population"] is None


def test_the_api_shows_every_count_to_a_superuser(small_force, client, settings):
    settings.SUPPRESS_BELOW = 5
    client.force_login(StaffFactory(password=None))

    rows = client.get("/api/v1/distributions/", {"force": "smallshire", "period": "2026-04"})

    assert [row["citizens"] for row in rows.json()["results"]][:4] == [949, 40, 2, 9]


def test_the_export_command_withholds_with_the_setting(small_force, settings, capsys):
    from django.core.management import call_command

    settings.SUPPRESS_BELOW = 5
    call_command("export_distributions", "--force", "smallshire", "--period", "2026-04")

    assert capsys.readouterr().out.count("[c]") >= 4  # two counts, two shares, and the note


@pytest.fixture
def small_moves(db):
    """Of 60 Passive people in 2026-03, 50 stay, 8 leave and 2 reach Conversation in 2026-04."""
    from engagement.models import Transition

    force = ForceFactory(slug="moveshire")
    snapshot = SnapshotFactory()
    for to_rung, citizens in {0: 8, 1: 50, 2: 2}.items():
        Transition.objects.create(
            snapshot=snapshot,
            period_type="month",
            from_period="2026-03",
            to_period="2026-04",
            force=force,
            from_rung=1,
            to_rung=to_rung,
            citizens=citizens,
        )
    return force


def test_mobility_withholds_along_a_row_of_the_matrix(small_moves, settings, capsys):
    from django.core.management import call_command

    call_command("export_mobility", "--force", "moveshire", "--suppress-below", "5")

    header, *rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    cells = {row[header.index("to_rung_position")]: row[header.index("citizens")] for row in rows}
    # 2 is withheld, and the leavers (8) with it: 60 at Passive in March is published.
    assert cells == {"0": "[c]", "1": "50", "2": "[c]"}
    assert header[-1].startswith("[c] =")


def test_the_mobility_api_withholds_for_an_analyst(small_moves, client, settings):
    settings.SUPPRESS_BELOW = 5
    client.force_login(AnalystFactory(password=None))

    rows = client.get("/api/v1/mobility/", {"force": "moveshire", "page_size": 1}).json()

    assert [(r["to_rung_position"], r["citizens"], r["suppressed"]) for r in rows["results"]] == [
        (0, None, True)  # its partner in the row is on another page
    ]
