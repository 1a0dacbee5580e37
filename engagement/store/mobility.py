"""Reading mobility from the store: the one query behind `export_mobility`, `/api/v1/mobility/`
and the pages' transition figures.

Like the distributions (engagement.store.selectors), only the current published snapshot of the
chosen definition version is read. Filters: definition (default: the current version),
period_type, forces and region; every pair of every period type otherwise. Rows come in the
order of LADDER.md's mobility CSV examples: period type, earlier period, force, then the rungs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import F, Q, QuerySet, Value

from engagement.models import Transition
from engagement.store.exports import DistributionExport, csv_lines, with_note
from engagement.store.selectors import DistributionFilters, definition_for, published_snapshots
from engagement.store.suppression import (
    is_on,
    matrix_withheld,
    protected_by,
    withheld_on_page,
)

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


def matrix_row(row: dict) -> tuple:
    """The row of a transition matrix a pair belongs to."""
    return (row["period_type"], row["from_period"], row["force_slug"], row["from_rung_position"])


class WholeMatrices:
    """Small-number protection's decision for mobility rows (a `Decision`).

    The citizens at one rung in the earlier period are a published figure (a row's total), and
    so are those at one rung in the next (a column's), so one withheld cell of a row or a column
    would follow from the others: the cells are decided for a whole matrix (`matrix_withheld`;
    nothing is exempt, "not engaged" next period is people too). Rows are grouped by the row of
    the matrix; every force's matrices of a pair of periods are read and decided once (one query
    a pair), the same decision the force page shows.
    """

    position = "to_rung_position"

    def __init__(self, filters: DistributionFilters, *, threshold: int):
        self.filters = filters
        self.snapshots = published_snapshots(definition_for(filters.definition))
        self.threshold = threshold
        self.decided: dict[tuple[str, str], dict[str, set[tuple[int, int]]]] = {}

    @staticmethod
    def group_key(row: dict) -> tuple:
        return matrix_row(row)

    def whole_groups(self, keys) -> QuerySet:
        groups = Q()
        for period_type, from_period, force, from_rung in keys:
            groups |= Q(
                period_type=period_type,
                from_period=from_period,
                force__slug=force,
                from_rung=from_rung,
            )
        return mobility_rows(self.filters).filter(groups)

    def __call__(self, rows: list[dict]) -> set[int]:
        period_type, from_period, force, before = matrix_row(rows[0])
        if (period_type, from_period) not in self.decided:
            self.decided[(period_type, from_period)] = self._decide(period_type, from_period)
        hidden = self.decided[(period_type, from_period)].get(force, set())
        return {after for row_before, after in hidden if row_before == before}

    def _decide(self, period_type: str, from_period: str) -> dict[str, set[tuple[int, int]]]:
        matrices: dict[str, dict[tuple[int, int], int]] = {}
        for force, before, after, citizens in Transition.objects.filter(
            snapshot__in=self.snapshots, period_type=period_type, from_period=from_period
        ).values_list("force__slug", "from_rung", "to_rung", "citizens"):
            matrices.setdefault(force, {})[(before, after)] = citizens
        return {
            force: matrix_withheld(matrix, threshold=self.threshold)
            for force, matrix in matrices.items()
        }


def mobility_table(
    filters: DistributionFilters, *, suppress_below: int = 0
) -> Iterator[Sequence[object]]:
    """The header, then one row per pair with citizens (LADDER.md "mobility CSV"), small counts
    withheld when `suppress_below` is on."""
    yield with_note(MOBILITY_FIELDS, suppress_below)
    note = [""] if is_on(suppress_below) else []
    rows = protected_by(
        mobility_rows(filters).iterator(chunk_size=2000),
        WholeMatrices(filters, threshold=suppress_below),
        threshold=suppress_below,
    )
    for row in rows:
        yield [row["force_slug" if name == "force" else name] for name in MOBILITY_FIELDS] + note


def mobility_with_small_numbers_withheld(
    rows: list[dict], filters: DistributionFilters, *, threshold: int
) -> list[dict]:
    """A page of mobility rows with small numbers withheld (see withheld_on_page)."""
    decision = WholeMatrices(filters, threshold=threshold)
    return withheld_on_page(rows, decision=decision, threshold=threshold)


def mobility_export(
    filters: DistributionFilters, *, bom: bool = False, suppress_below: int = 0
) -> DistributionExport:
    """The mobility CSV for some filters, as a named stream of lines (the shared writer)."""
    version = definition_for(filters.definition).version
    parts = ["ladder", f"v{version}", "mobility", filters.period_type or "", *filters.forces]
    return DistributionExport(
        filename="-".join(part.replace("_", "-") for part in parts if part) + ".csv",
        lines=csv_lines(mobility_table(filters, suppress_below=suppress_below), bom=bom),
    )
