"""Reading mobility from the store: the one query behind `export_mobility`, `/api/v1/mobility/`
and the pages' transition figures.

Like the distributions (engagement.store.selectors), only the current published snapshot of the
chosen definition version is read. Filters: definition (default: the current version),
period_type, forces and region; every pair of every period type otherwise. Rows come in the
order of LADDER.md's mobility CSV examples: period type, earlier period, force, then the rungs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import F, QuerySet, Value

from engagement.models import Transition
from engagement.store.exports import DistributionExport, csv_lines
from engagement.store.selectors import DistributionFilters, definition_for, published_snapshots

# LADDER.md "mobility CSV", in order.
MOBILITY_FIELDS: tuple[str, ...] = (
    "definition_version",
    "period_type",
    "from_period",
    "to_period",
    "force",
    "from_rung_position",
    "to_rung_position",
    "citizens",
)


def mobility_rows(filters: DistributionFilters) -> QuerySet:
    """The pairs the filters select, as dictionaries with the MOBILITY_FIELDS keys.

    Uses the definition, period_type, forces and region of the filters (the distributions'
    filter set parses them, with its messages); pairs with nobody are not stored.
    """
    definition = definition_for(filters.definition)
    rows = Transition.objects.filter(snapshot__in=published_snapshots(definition))
    if filters.period_type:
        rows = rows.filter(period_type=filters.period_type)
    if filters.forces:
        rows = rows.filter(force__slug__in=filters.forces)
    if filters.region:
        rows = rows.filter(force__region__iexact=filters.region)
    return (
        rows.annotate(
            definition_version=Value(definition.version),
            force_slug=F("force__slug"),
            from_rung_position=F("from_rung"),
            to_rung_position=F("to_rung"),
        )
        .order_by("period_type", "from_period", "force__slug", "from_rung", "to_rung")
        .values(*(name if name != "force" else "force_slug" for name in MOBILITY_FIELDS))
    )


def mobility_table(filters: DistributionFilters) -> Iterator[Sequence[object]]:
    """The header, then one row per pair with citizens (LADDER.md "mobility CSV")."""
    yield MOBILITY_FIELDS
    for row in mobility_rows(filters).iterator(chunk_size=2000):
        yield [row["force_slug" if name == "force" else name] for name in MOBILITY_FIELDS]


def mobility_export(filters: DistributionFilters, *, bom: bool = False) -> DistributionExport:
    """The mobility CSV for some filters, as a named stream of lines (the shared writer)."""
    version = definition_for(filters.definition).version
    parts = ["ladder", f"v{version}", "mobility", filters.period_type or "", *filters.forces]
    return DistributionExport(
        filename="-".join(part.replace("_", "-") for part in parts if part) + ".csv",
        lines=csv_lines(mobility_table(filters), bom=bom),
    )
