"""Every rule of LADDER.md "Mobility", each on a small case built for it.

Rungs of definition v1: view, follow 1; like, reply 2; attend 3; share 4; volunteer 5;
co-design 6. unfollow ends follow.
"""

import pytest

from engagement.ladder.mobility import pairs_to_recount
from engagement.ladder.periods import local_month_of
from engagement.models import Transition
from tests.factories import ChannelFactory, CitizenFactory, ForceFactory
from tests.recompute_helpers import (
    act,
    at,
    current_snapshot,
    engaged,
    mark_stale,
    snapshot_moves,
    succeed,
)

pytestmark = pytest.mark.django_db  # portable SQL: runs on PostgreSQL and on SQLite


@pytest.fixture
def force():
    return ForceFactory(population=1000)


@pytest.fixture
def channel(force):
    return ChannelFactory(force=force)


def moves(*, before: str, period_type: str = "month", force=None, snapshot=None):
    """{(from rung, to rung): citizens} of the pair that starts in `before`."""
    rows = Transition.objects.filter(
        snapshot=snapshot or current_snapshot(), period_type=period_type, from_period=before
    )
    if force is not None:
        rows = rows.filter(force=force)
    return {(row.from_rung, row.to_rung): row.citizens for row in rows}


def test_a_newcomer_counts_from_rung_zero(channel):
    act(channel, CitizenFactory(), "view", "2026-01-10")
    act(channel, CitizenFactory(), "attend", "2026-02-10")
    succeed()
    assert moves(before="2026-01") == {(1, 0): 1, (0, 3): 1}


def test_a_leaver_counts_to_rung_zero(channel):
    leaver = CitizenFactory()
    act(channel, leaver, "share", "2026-01-10")
    act(channel, CitizenFactory(), "view", "2026-02-10")
    succeed()
    assert moves(before="2026-01") == {(4, 0): 1, (0, 1): 1}


def test_a_follower_who_stays_is_the_same_rung_in_every_pair(channel):
    act(channel, CitizenFactory(), "follow", "2026-01-10")
    act(channel, CitizenFactory(), "view", "2026-04-10")  # the horizon
    succeed()
    assert moves(before="2026-01") == {(1, 1): 1}
    assert moves(before="2026-02") == {(1, 1): 1}
    assert moves(before="2026-03") == {(1, 1): 1, (0, 1): 1}


def test_a_follower_who_unfollows_leaves_after_the_month_of_the_unfollow(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "follow", "2026-01-10")
    act(channel, citizen, "unfollow", "2026-02-10")
    act(channel, CitizenFactory(), "view", "2026-03-10")
    succeed()
    assert moves(before="2026-01") == {(1, 1): 1}
    assert moves(before="2026-02") == {(1, 0): 1, (0, 1): 1}


def test_a_move_down_counts_from_the_higher_rung_to_the_lower(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "attend", "2026-01-10")
    act(channel, citizen, "view", "2026-02-10")
    succeed()
    assert moves(before="2026-01") == {(3, 1): 1}


def test_a_move_up_counts_each_period_at_its_highest_rung(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "view", "2026-01-05")
    act(channel, citizen, "like", "2026-01-25")
    act(channel, citizen, "volunteer", "2026-02-10")
    act(channel, citizen, "view", "2026-02-20")
    succeed()
    assert moves(before="2026-01") == {(2, 5): 1}


def test_quarters_of_months_where_the_citizen_was_active_in_only_one_count_as_engaged(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "view", "2026-01-10")  # Q1: January only
    act(channel, citizen, "share", "2026-05-10")  # Q2: May only
    succeed()
    assert moves(before="2026-Q1", period_type="quarter") == {(1, 4): 1}
    assert moves(before="2026-01") == {(1, 0): 1}
    assert moves(before="2026-04") == {(0, 4): 1}


def test_nobody_is_counted_for_being_absent_from_both_periods(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "view", "2026-01-10")
    act(channel, citizen, "view", "2026-04-10")
    succeed()
    assert moves(before="2026-02") == {}
    assert not Transition.objects.filter(from_rung=0, to_rung=0).exists()


def test_a_citizen_on_two_channels_counts_once_at_the_highest_rung_in_the_force(force, channel):
    other = ChannelFactory(force=force)
    citizen = CitizenFactory()
    act(channel, citizen, "view", "2026-01-10")
    act(other, citizen, "attend", "2026-01-12")
    act(channel, citizen, "like", "2026-02-10")
    succeed()
    assert moves(before="2026-01") == {(3, 2): 1}


def test_each_force_counts_its_own_citizens(force, channel):
    elsewhere = ChannelFactory(force=ForceFactory())
    citizen = CitizenFactory()
    act(channel, citizen, "view", "2026-01-10")
    act(elsewhere, citizen, "like", "2026-02-10")
    succeed()
    assert moves(before="2026-01", force=force) == {(1, 0): 1}
    assert moves(before="2026-01", force=elsewhere.force) == {(0, 2): 1}


def test_a_pair_adds_up_to_the_engaged_of_each_period_and_the_citizens_who_came_or_went(
    force, channel
):
    for day, kind in enumerate(["view", "like", "attend", "share", "view", "follow"], start=1):
        act(channel, CitizenFactory(), kind, f"2026-01-{day:02d}")
        act(channel, CitizenFactory(), kind, f"2026-02-{day:02d}")
    stayer = CitizenFactory()
    act(channel, stayer, "view", "2026-01-20")
    act(channel, stayer, "attend", "2026-02-20")
    succeed()
    pair = moves(before="2026-01")
    january = sum(engaged(period="2026-01", force=force).values())
    february = sum(engaged(period="2026-02", force=force).values())
    assert sum(n for (before, _), n in pair.items() if before) == january
    assert sum(n for (_, after), n in pair.items() if after) == february


def test_only_consecutive_periods_in_range_are_paired(channel):
    act(channel, CitizenFactory(), "view", "2025-12-10")
    act(channel, CitizenFactory(), "view", "2026-02-10")
    succeed()
    pairs = set(Transition.objects.values_list("period_type", "from_period", "to_period"))
    assert pairs == {
        ("month", "2025-12", "2026-01"),
        ("month", "2026-01", "2026-02"),
        ("quarter", "2025-Q4", "2026-Q1"),
        ("year", "2025", "2026"),
    }


def test_an_incremental_run_recomputes_the_pairs_from_the_changed_month_and_copies_the_rest(
    force, channel
):
    early, late = CitizenFactory(), CitizenFactory()
    act(channel, early, "view", "2026-01-10")
    act(channel, early, "like", "2026-02-10")
    act(channel, late, "view", "2026-04-10")
    succeed()
    mark_stale([act(channel, late, "attend", "2026-03-10")])  # a late import into March
    incremental = succeed()
    assert incremental.mode == "incremental"
    assert moves(before="2026-01") == {(1, 2): 1}
    assert moves(before="2026-02") == {(2, 0): 1, (0, 3): 1}
    assert moves(before="2026-03") == {(3, 1): 1}
    rebuilt = succeed(full=True)
    assert snapshot_moves(rebuilt.snapshot) == snapshot_moves(incremental.snapshot)


def test_a_pair_is_recomputed_when_its_later_period_ends_at_or_after_the_changed_month():
    first, horizon = local_month_of(at("2026-01-10")), local_month_of(at("2026-05-10"))
    march = local_month_of(at("2026-03-10"))
    recounted = {
        (pair.before.label, pair.after.label)
        for pair in pairs_to_recount(first, horizon, march)
        if pair.before.period_type in ("month", "quarter")
    }
    assert recounted == {("2026-02", "2026-03"), ("2026-03", "2026-04"), ("2026-04", "2026-05")} | {
        ("2026-Q1", "2026-Q2")
    }
