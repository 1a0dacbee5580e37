"""The forces most alike: whose public spreads across the ladder in the same shape.

A force's ladder shape in a period is the share of its engaged citizens at each rung 1 to 6 (rung
0, the force area's population, is left out: it measures the size of the area, not how its
public engages). Two shapes are compared by their Jensen-Shannon distance: the square root of
the Jensen-Shannon divergence in base 2, so that it runs from 0 (the same shape) to 1 (no rung in
common) and is a true distance (symmetric, and obeys the triangle inequality).

A shape drawn from a handful of citizens says more about chance than about the force: a force
with fewer than MIN_ENGAGED engaged citizens in the period has no shape. It is not ranked, and
it is nobody's neighbour; the pages and the API say so instead of ranking it.

Under small-number protection a distance must not give a withheld count away: with a force's
engaged total published, one exact distance to a force whose counts are all shown would tell
how its withheld citizens split between their rungs. So each pair is compared with the rungs
either force withholds merged into one: both shapes then come from published numbers alone (the
shown counts, and the withheld ones only as their sum, which the total gives anyway).

Plain Python on at most 43 x 6 numbers per period: cheap enough to compute on reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from math import log2, sqrt

ENGAGED_POSITIONS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
# Below this many engaged citizens in the period, a force's shape is not meaningful (a change of
# one citizen moves a share by more than three points).
MIN_ENGAGED = 30
NEAREST = 5

Shape = tuple[float, ...]


def shape_of(
    counts: Mapping[int, int | None], *, merged: AbstractSet[int] = frozenset()
) -> Shape | None:
    """Shares of the engaged at rungs 1 to 6, the `merged` rungs as one share after the others;
    None when fewer than MIN_ENGAGED are engaged."""
    engaged = [
        counts.get(position) or 0 for position in ENGAGED_POSITIONS if position not in merged
    ]
    if merged:
        engaged.append(sum(counts.get(position) or 0 for position in merged))
    total = sum(engaged)
    if total < MIN_ENGAGED:
        return None
    return tuple(count / total for count in engaged)


def _kullback_leibler(p: Sequence[float], q: Sequence[float]) -> float:
    return sum(a * log2(a / b) for a, b in zip(p, q, strict=True) if a > 0)


def js_distance(p: Sequence[float], q: Sequence[float]) -> float:
    """The Jensen-Shannon distance between two shapes, 0 (same) to 1 (disjoint)."""
    middle = [(a + b) / 2 for a, b in zip(p, q, strict=True)]
    divergence = (_kullback_leibler(p, middle) + _kullback_leibler(q, middle)) / 2
    return sqrt(max(divergence, 0.0))  # rounding may leave -1e-17 for identical shapes


@dataclass(frozen=True)
class Neighbour:
    key: str
    distance: float


@dataclass(frozen=True)
class Likeness:
    """One force's nearest forces in a period; `neighbours` is empty when it has no shape."""

    key: str
    engaged: int
    has_shape: bool
    neighbours: tuple[Neighbour, ...]


def most_alike(
    counts_by_key: Mapping[str, Mapping[int, int | None]],
    *,
    nearest: int = NEAREST,
    withheld: Mapping[str, AbstractSet[int]] | None = None,
) -> dict[str, Likeness]:
    """For each key (a force slug), the `nearest` others closest in shape, closest first.

    Ties are broken by key, so the ranking is stable. Keys without a shape get no neighbours
    and are nobody's neighbour. `withheld`: each key's withheld rungs, merged pair by pair.
    """
    withheld = withheld or {}
    shapes = {key: shape_of(counts) for key, counts in counts_by_key.items()}
    ranked = [key for key, shape in shapes.items() if shape is not None]

    def distance(key: str, other: str) -> float:
        merged = frozenset(withheld.get(key, ())) | frozenset(withheld.get(other, ()))
        merged &= frozenset(ENGAGED_POSITIONS)
        if not merged:
            return js_distance(shapes[key], shapes[other])
        return js_distance(
            shape_of(counts_by_key[key], merged=merged),
            shape_of(counts_by_key[other], merged=merged),
        )

    result = {}
    for key, counts in counts_by_key.items():
        neighbours: list[Neighbour] = []
        if shapes[key] is not None:
            neighbours = sorted(
                (Neighbour(other, distance(key, other)) for other in ranked if other != key),
                key=lambda neighbour: (neighbour.distance, neighbour.key),
            )[:nearest]
        result[key] = Likeness(
            key=key,
            engaged=sum(counts.get(p) or 0 for p in ENGAGED_POSITIONS),
            has_shape=shapes[key] is not None,
            neighbours=tuple(neighbours),
        )
    return result
