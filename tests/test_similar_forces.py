"""The forces most alike: Jensen-Shannon distance between ladder shapes, and the ranking, on
hand-built distributions whose answer is known."""

from math import isclose

import pytest

from engagement.ladder.similarity import MIN_ENGAGED, js_distance, most_alike, shape_of
from engagement.store.similarity import similar_forces_in
from tests.factories import DistributionFactory, ForceFactory, SnapshotFactory

BASE = {1: 60, 2: 20, 3: 10, 4: 6, 5: 3, 6: 1}  # 100 engaged
TOP = {6: 100}  # everybody at the top rung


def mixture(weight: float) -> dict[int, int]:
    """(1 - weight) of BASE and `weight` of TOP, as counts of 1,000 citizens: the further from
    BASE the larger the weight, so the ranking from BASE follows the weights."""
    return {
        p: round(10 * ((1 - weight) * BASE.get(p, 0) + weight * TOP.get(p, 0))) for p in range(1, 7)
    }


def test_identical_shapes_are_at_distance_zero_whatever_the_size():
    assert js_distance(shape_of(BASE), shape_of({p: 3 * n for p, n in BASE.items()})) == 0


def test_shapes_with_no_rung_in_common_are_at_distance_one():
    assert isclose(js_distance(shape_of({1: 50}), shape_of({6: 50})), 1.0)


def test_distance_is_symmetric():
    a, b = shape_of(BASE), shape_of(mixture(0.3))
    assert js_distance(a, b) == js_distance(b, a)


def test_a_known_distance_half_of_one_shape_on_the_others_only_rung():
    # p = (1, 0), q = (1/2, 1/2): JSD = 1.5 - 0.75 * log2(3), a textbook value.
    distance = js_distance(shape_of({1: 40}), shape_of({1: 20, 2: 20}))
    assert isclose(distance, (1.5 - 0.75 * 1.584962500721156) ** 0.5)


def test_the_five_nearest_are_ranked_closest_first_with_their_distances():
    counts = {"base": BASE, "double": {p: 2 * n for p, n in BASE.items()}}
    counts |= {f"mix-{int(w * 100):02d}": mixture(w) for w in (0.05, 0.1, 0.2, 0.4, 0.8)}
    alike = most_alike(counts)["base"]
    assert [n.key for n in alike.neighbours] == ["double", "mix-05", "mix-10", "mix-20", "mix-40"]
    assert alike.neighbours[0].distance == 0
    distances = [n.distance for n in alike.neighbours]
    assert distances == sorted(distances) and len(set(distances)) == 5


def test_equal_distances_are_ranked_by_name():
    alike = most_alike({"a": BASE, "c": BASE, "b": BASE})["a"]
    assert [n.key for n in alike.neighbours] == ["b", "c"]


def test_a_force_with_too_few_engaged_has_no_shape_and_is_nobodys_neighbour():
    small = {1: MIN_ENGAGED - 1}
    alike = most_alike({"base": BASE, "small": small, "other": mixture(0.5)})
    assert not alike["small"].has_shape
    assert alike["small"].neighbours == ()
    assert alike["small"].engaged == MIN_ENGAGED - 1
    assert [n.key for n in alike["base"].neighbours] == ["other"]


def test_a_force_at_the_threshold_has_a_shape():
    assert shape_of({2: MIN_ENGAGED}) == (0.0, 1.0, 0.0, 0.0, 0.0, 0.0)


def test_a_pair_is_compared_with_the_rungs_either_force_withholds_merged_into_one():
    other = mixture(0.3)
    alike = most_alike({"a": BASE, "b": other}, withheld={"a": {5, 6}, "b": {4, 5}})
    merged = {4, 5, 6}
    expected = js_distance(shape_of(BASE, merged=merged), shape_of(other, merged=merged))
    assert alike["a"].neighbours[0].distance == alike["b"].neighbours[0].distance == expected


def test_under_protection_a_distance_gives_no_split_of_withheld_cells_away():
    swapped = BASE | {5: BASE[6], 6: BASE[5]}  # the same two withheld cells, split otherwise
    others = {"near": mixture(0.1), "far": mixture(0.6)}

    def distances(counts, **protection) -> list[float]:
        alike = most_alike({"base": counts, **others}, **protection)["base"]
        return [n.distance for n in alike.neighbours]

    assert distances(BASE) != distances(swapped)  # unprotected, the split shows
    withheld = {"withheld": {"base": {5, 6}}}
    assert distances(BASE, **withheld) == distances(swapped, **withheld)


@pytest.mark.django_db
def test_the_selector_ranks_the_forces_of_a_snapshot_period_from_their_force_scope_rows():
    snapshot = SnapshotFactory()
    forces = {slug: ForceFactory(slug=slug) for slug in ("base", "near", "far", "tiny")}
    shapes = {"base": BASE, "near": mixture(0.1), "far": TOP, "tiny": {1: 5}}
    for slug, counts in shapes.items():
        for position, citizens in counts.items():
            DistributionFactory(
                snapshot=snapshot, force=forces[slug], rung_position=position, citizens=citizens
            )
        DistributionFactory(snapshot=snapshot, force=forces[slug], rung_position=0, citizens=999)
    found = similar_forces_in(snapshot, period_type="month", period="2026-04")
    assert [n.key for n in found.forces["base"].neighbours] == ["near", "far"]
    assert found.forces["base"].engaged == 100
    assert not found.forces["tiny"].has_shape
