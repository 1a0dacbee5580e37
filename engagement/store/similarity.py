"""Reading the forces most alike from the store (the rule: engagement.ladder.similarity).

One query: every force's force-scope rows for one period of a snapshot (the forces listed are
those with figures in the period: every force with a known population, and any force with
someone engaged); the ranking is plain arithmetic on those 43 x 6 numbers. The dashboard caches
the result per snapshot (dashboard.page_selectors); the API reads it through `similar_forces`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from engagement.ladder.similarity import MIN_ENGAGED, Likeness, most_alike
from engagement.models import Distribution, DistributionSnapshot, PeriodType, Scope
from engagement.store.selectors import (
    DistributionFilters,
    FiltersInvalid,
    definition_for,
    published_snapshots,
    resolve_periods,
)
from engagement.store.suppression import force_row, is_on, withheld_across_forces


@dataclass(frozen=True)
class SimilarForces:
    period_type: str
    period: str
    min_engaged: int
    names: dict[str, str]  # force slug -> name, for every force with figures in the period
    forces: dict[str, Likeness]  # force slug -> its nearest forces


def similar_forces_in(
    snapshot: DistributionSnapshot, *, period_type: str, period: str, threshold: int = 0
) -> SimilarForces:
    """Every force's five nearest in shape in one period of a snapshot; under small-number
    protection (`threshold`) compared on published numbers only, with the cells the table of
    every force withholds (the pages', the API's and the files' one decision)."""
    ladders: dict[str, dict[int, int | None]] = defaultdict(dict)
    names: dict[str, str] = {}
    regions: dict[str, str] = {}
    for slug, name, region, position, citizens in Distribution.objects.filter(
        snapshot=snapshot, period_type=period_type, period=period, scope=Scope.FORCE
    ).values_list("force__slug", "force__name", "force__region", "rung_position", "citizens"):
        names[slug], regions[slug] = name, region
        ladders[slug][position] = citizens
    withheld: dict[str, frozenset[int]] = {}
    if is_on(threshold):
        decided = withheld_across_forces(
            ((slug, regions[slug], ladders[slug]) for slug in names), threshold=threshold
        )
        withheld = {slug: decided.get(force_row(slug), frozenset()) for slug in names}
    # Rung 0 measures the area, not how its public engages: shapes are of rungs 1 to 6.
    counts = {slug: {p: n for p, n in ladders[slug].items() if p > 0} for slug in sorted(names)}
    return SimilarForces(
        period_type=period_type,
        period=period,
        min_engaged=MIN_ENGAGED,
        names=names,
        forces=most_alike(counts, withheld=withheld),
    )


def latest_period(snapshot: DistributionSnapshot, period_type: str) -> str:
    """The latest period of a type the snapshot holds ("" when none)."""
    latest = (
        Distribution.objects.filter(snapshot=snapshot, period_type=period_type)
        .order_by("-period_start")
        .values_list("period", flat=True)
        .first()
    )
    return latest or ""


def similar_forces(filters: DistributionFilters, *, threshold: int = 0) -> SimilarForces | None:
    """For the API: the definition's current snapshot (None when it has none), the period the
    filters name (default: the latest month), the forces they name (default: all), protected
    for the reader's `threshold`."""
    definition = definition_for(filters.definition)
    snapshot = published_snapshots(definition).first()
    if snapshot is None:
        return None
    period_type, first, last = resolve_periods(filters)
    if first != last:
        raise FiltersInvalid({"period": "Give one period (period=2026-Q2), not a range."})
    period_type = period_type or PeriodType.MONTH
    period = first.label if first else latest_period(snapshot, period_type)
    found = similar_forces_in(snapshot, period_type=period_type, period=period, threshold=threshold)
    if filters.forces:
        wanted = set(filters.forces)
        found = replace(
            found, forces={slug: v for slug, v in found.forces.items() if slug in wanted}
        )
    return found
