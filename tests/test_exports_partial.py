"""The CSV's `partial`, `engaged`, `conversation_or_above` and `share_conversation_or_above`
columns, against hand-built cases (the counts and the days are chosen here, not computed)."""

import csv
import io
from datetime import UTC, date, datetime

import pytest

from engagement.ladder.periods import month_index
from engagement.models import PeriodType, Scope
from engagement.store.exports import BOM, distribution_export
from engagement.store.selectors import DistributionFilters
from tests.factories import (
    ChannelFactory,
    DistributionFactory,
    ForceFactory,
    InteractionFactory,
    SnapshotFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("migrations_data")]

# (period type, label, first day) held in the hand-built snapshot.
PERIODS = [
    (PeriodType.MONTH, "2026-04", date(2026, 4, 1)),
    (PeriodType.MONTH, "2026-05", date(2026, 5, 1)),
    (PeriodType.MONTH, "2026-06", date(2026, 6, 1)),
    (PeriodType.QUARTER, "2026-Q2", date(2026, 4, 1)),
]


def snapshot_with(counts: dict[int, int], *, earliest: datetime, horizon: datetime):
    """One force with `counts` in every period above; the data held run from `earliest` (an
    interaction) to `horizon`."""
    force = ForceFactory(slug="alpha", population=None, population_year=None)
    InteractionFactory(channel=ChannelFactory(force=force), occurred_at=earliest)
    snapshot = SnapshotFactory(
        first_month=month_index(earliest.year, earliest.month),
        horizon_month=month_index(horizon.year, horizon.month),
        horizon=horizon,
    )
    for period_type, label, start in PERIODS:
        for position, citizens in counts.items():
            DistributionFactory(
                snapshot=snapshot,
                force=force,
                period_type=period_type,
                period=label,
                period_start=start,
                scope=Scope.FORCE,
                rung_position=position,
                citizens=citizens,
            )
    return snapshot


def rows(layout: str, *, suppress_below: int = 0) -> list[dict]:
    export = distribution_export(
        DistributionFilters(scope="force"), layout=layout, suppress_below=suppress_below
    )
    return list(csv.DictReader(io.StringIO("".join(export.lines).removeprefix(BOM))))


def partial_by_period(layout: str) -> dict[str, str]:
    return {row["period"]: row["partial"] for row in rows(layout)}


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_a_period_the_data_begin_after_or_end_before_is_partial(layout):
    # The data run from 10 April (London) to 15 June 2026.
    snapshot_with(
        {1: 10, 2: 4},
        earliest=datetime(2026, 4, 10, 9, tzinfo=UTC),
        horizon=datetime(2026, 6, 15, 12, tzinfo=UTC),
    )
    assert partial_by_period(layout) == {
        "2026-04": "true",
        "2026-05": "false",
        "2026-06": "true",
        "2026-Q2": "true",
    }


def test_london_days_decide_partial_not_utc_ones():
    # 31 March 2026 23:30 UTC is 1 April 00:30 in London (BST); 30 June 23:30 UTC is 1 July.
    snapshot_with(
        {1: 10},
        earliest=datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
        horizon=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
    )
    assert set(partial_by_period("long").values()) == {"false"}


def test_both_layouts_end_with_partial():
    snapshot_with(
        {1: 10},
        earliest=datetime(2026, 4, 1, 9, tzinfo=UTC),
        horizon=datetime(2026, 6, 30, 12, tzinfo=UTC),
    )
    for layout in ("long", "wide"):
        assert list(rows(layout)[0])[-1] == "partial"


def test_the_wide_layout_counts_the_engaged_and_those_at_conversation_or_above():
    snapshot_with(
        {1: 10, 2: 4, 3: 3, 6: 1},
        earliest=datetime(2026, 4, 1, 9, tzinfo=UTC),
        horizon=datetime(2026, 6, 30, 12, tzinfo=UTC),
    )
    row = next(r for r in rows("wide") if r["period"] == "2026-05")
    assert (row["engaged"], row["conversation_or_above"]) == ("18", "8")
    assert row["share_conversation_or_above"] == "0.4444444444"
    header = list(row)
    assert header.index("engaged") == header.index("rung_6_co-designer") + 1
    assert header[header.index("engaged") + 1 : header.index("engaged") + 3] == [
        "conversation_or_above",
        "share_conversation_or_above",
    ]


def protected_may_row(counts: dict[int, int]) -> dict:
    """May 2026's wide row of a force with `counts`, with small numbers (below 5) withheld."""
    snapshot_with(
        counts,
        earliest=datetime(2026, 4, 1, 9, tzinfo=UTC),
        horizon=datetime(2026, 6, 30, 12, tzinfo=UTC),
    )
    return next(r for r in rows("wide", suppress_below=5) if r["period"] == "2026-05")


def test_conversation_or_above_is_withheld_where_it_would_give_a_withheld_rung_away():
    # Rung 1 (3) is small; secondary protection withholds rung 3 (10) too. Rungs 2 to 6 add up
    # rung 3 but not rung 1: with the engaged total, that sum would give rung 1 away.
    row = protected_may_row({1: 3, 2: 20, 3: 10})
    assert (row["rung_1_passive"], row["rung_3_participation"]) == ("[c]", "[c]")
    assert row["engaged"] == "33"
    assert (row["conversation_or_above"], row["share_conversation_or_above"]) == ("[c]", "")


def test_conversation_or_above_is_shown_where_it_adds_up_every_withheld_rung():
    row = protected_may_row({1: 30, 2: 4, 3: 3})
    assert (row["rung_2_conversation"], row["rung_3_participation"]) == ("[c]", "[c]")
    assert (row["engaged"], row["conversation_or_above"]) == ("37", "7")
