"""The impact arithmetic: shares of the engaged, how much a force moves, and rank changes."""

import pytest

from engagement.definitions.impact import impact_of


def test_a_change_is_in_percentage_points_of_the_engaged_and_rung_0_is_left_out():
    impact = impact_of([("kent", "Kent", {0: 900, 1: 75, 2: 25}, {0: 900, 1: 50, 2: 50})])
    (kent,) = impact.forces
    assert kent.before_shares[1] == 75 and kent.after_shares[1] == 50
    assert kent.changes[1] == -25 and kent.changes[2] == 25
    assert kent.movement == 25


def test_forces_come_most_moved_first_and_england_and_wales_adds_them_up():
    impact = impact_of(
        [
            ("still", "Still", {1: 10, 2: 10}, {1: 10, 2: 10}),
            ("moved", "Moved", {1: 10, 2: 10}, {1: 20}),
        ]
    )
    assert [area.key for area in impact.forces] == ["moved", "still"]
    assert impact.national.before == {1: 20, 2: 20, 3: 0, 4: 0, 5: 0, 6: 0}
    assert impact.national.after[1] == 30


def test_rank_changes_are_on_the_share_at_rung_2_or_above():
    impact = impact_of(
        [
            ("a", "A", {1: 1, 2: 9}, {1: 9, 2: 1}),
            ("b", "B", {1: 5, 2: 5}, {1: 5, 2: 5}),
            ("c", "C", {1: 9, 2: 1}, {1: 9, 2: 1}),
        ]
    )
    ranks = {area.key: (area.rank_before, area.rank_after) for area in impact.forces}
    assert ranks == {"a": (1, 2), "b": (2, 1), "c": (3, 3)}
    assert [(area.key, area.rank_change) for area in impact.rank_movers] == [("a", -1), ("b", 1)]


@pytest.mark.parametrize("counts", [{}, {0: 1000}])
def test_a_force_nobody_engaged_with_has_no_shares_and_no_rank(counts):
    (area,) = impact_of([("x", "X", counts, counts)]).forces
    assert area.before_shares[1] is None and area.rank_before is None and area.movement == 0
