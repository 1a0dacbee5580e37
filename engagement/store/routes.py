"""Reading routes with the published figures: the one read behind `export_routes`,
`/api/v1/routes/` and the pages' routes.

Each route is crossed with every period the filters select among those the current published
snapshot of the definition holds (every period type, unless one is named), with whether it is
open and its use (engagement.ladder.routes). Rows come in the export's order: period type,
period, force, rung, route.

Use is a count of people, so it goes through small-number protection like every count. It adds
up a channel's published channel-scope cells from the route's rung to the top, and a channel's
cells are protected on their own (engagement.store.suppression): a use is withheld when any cell
it adds is withheld on the channel, so every use shown follows from cells already shown (and is
0 or at least the threshold), and no difference between two uses gives a withheld cell away.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import asdict
from itertools import groupby

from django.utils.text import slugify

from engagement.choices import Scope
from engagement.ladder.periods import Period, parse_period
from engagement.ladder.routes import RouteInPeriod, routes_in_periods
from engagement.models import Distribution, DistributionSnapshot, PeriodType
from engagement.store.exports import DistributionExport, csv_lines, with_note
from engagement.store.selectors import (
    DistributionFilters,
    current_snapshot,
    definition_for,
    resolve_periods,
    snapshot_periods,
)
from engagement.store.suppression import SUPPRESSED, cells_to_withhold, is_on

# The routes export CSV, in order.
ROUTE_EXPORT_FIELDS: tuple[str, ...] = (
    "definition_version",
    "period_type",
    "period",
    "force",
    "rung_position",
    "route",
    "channel",
    "open",
    "use",
)


def selected_periods(filters: DistributionFilters, snapshot) -> list[Period]:
    """The periods the filters name: one (`period`), or every period the snapshot holds of the
    type named (every type when none is), oldest first within a type."""
    period_type, first, _ = resolve_periods(filters)
    if filters.period and first is not None:
        return [first]
    if snapshot is None:
        return []
    types = [period_type] if period_type else list(PeriodType.values)
    return [
        parse_period(kind, label) for kind in types for label in snapshot_periods(snapshot, kind)
    ]


def route_rows(
    filters: DistributionFilters, *, threshold: int = 0
) -> tuple[int, list[dict[str, object]]]:
    """(definition version, every route in every period selected), as dictionaries of
    RouteInPeriod's fields with `use` protected (`suppressed` says where). Uses the filters'
    definition, period_type, period and forces."""
    definition = definition_for(filters.definition)
    snapshot = current_snapshot(definition)
    rows = routes_of_periods(
        snapshot,
        periods=selected_periods(filters, snapshot),
        threshold=threshold,
        forces=filters.forces,
    )
    return definition.version, rows


def routes_of_periods(
    snapshot: DistributionSnapshot | None,
    *,
    periods: Sequence[Period],
    threshold: int,
    forces: Collection[str] = (),
) -> list[dict[str, object]]:
    """Every route (of `forces`, or all) in each of `periods`, open or not, with its use from
    the snapshot's figures, protected for `threshold` (two queries)."""
    snapshot_id = snapshot.pk if snapshot is not None else None
    rows = routes_in_periods(snapshot_id=snapshot_id, periods=periods, forces=forces)
    return protect_uses(rows, snapshot_id=snapshot_id, threshold=threshold)


def protect_uses(
    rows: Sequence[RouteInPeriod], *, snapshot_id: int | None, threshold: int
) -> list[dict[str, object]]:
    """The rows as dictionaries, each use withheld (SUPPRESSED) where it adds up a cell its
    channel's ladder withholds in the period (one query for every channel and period)."""
    withheld = _withheld_cells(rows, snapshot_id=snapshot_id, threshold=threshold)
    protected = []
    for row in rows:
        hidden = withheld.get((row.channel_id, row.period_type, row.period), ())
        suppressed = row.use is not None and any(p >= row.rung_position for p in hidden)
        protected.append(
            {**asdict(row), "use": SUPPRESSED if suppressed else row.use, "suppressed": suppressed}
        )
    return protected


def _withheld_cells(
    rows: Sequence[RouteInPeriod], *, snapshot_id: int | None, threshold: int
) -> dict[tuple, set[int]]:
    """The withheld rungs of each channel ladder the rows add up, by (channel id, period type,
    period): each channel decided on its own, as every reader of the channel scope does."""
    wanted = {(r.channel_id, r.period_type, r.period) for r in rows if r.channel_id is not None}
    if not is_on(threshold) or not wanted or snapshot_id is None:
        return {}
    cells = (
        Distribution.objects.filter(
            snapshot_id=snapshot_id,
            scope=Scope.CHANNEL,
            channel_id__in={channel for channel, _, _ in wanted},
            period_type__in={kind for _, kind, _ in wanted},
            period__in={period for _, _, period in wanted},
        )
        .order_by("channel_id", "period_type", "period")
        .values_list("channel_id", "period_type", "period", "rung_position", "citizens")
    )
    decided = {}
    for key, group in groupby(cells, key=lambda cell: cell[:3]):
        if key in wanted:
            counts = {position: citizens for *_, position, citizens in group if position > 0}
            decided[key] = cells_to_withhold(counts, threshold=threshold)
    return decided


def export_values(version: int, row: dict[str, object]) -> list[object]:
    """A route row as a line of the routes export CSV."""
    return [
        version,
        row["period_type"],
        row["period"],
        row["force"],
        row["rung_position"],
        row["route"],
        row["channel"],
        row["open"],
        row["use"],
    ]


def route_table(filters: DistributionFilters, *, threshold: int = 0) -> Iterator[list[object]]:
    """The routes export CSV's header and rows (with the small-number note when protected)."""
    version, rows = route_rows(filters, threshold=threshold)
    yield with_note(ROUTE_EXPORT_FIELDS, threshold)
    note = [""] if is_on(threshold) else []
    for row in rows:
        yield [*export_values(version, row), *note]


def routes_export(
    filters: DistributionFilters, *, bom: bool = False, suppress_below: int = 0
) -> DistributionExport:
    """The routes export CSV as a named stream of lines."""
    parts = [
        "routes",
        filters.period_type or "",
        filters.period or "all-periods",
        "-".join(filters.forces),
    ]
    name = "-".join(slugify(part) for part in parts if part)[:180] + ".csv"
    return DistributionExport(
        filename=name, lines=csv_lines(route_table(filters, threshold=suppress_below), bom=bom)
    )


def open_rungs(rows: Collection[dict[str, object]]) -> set[tuple[str, str, int]]:
    """(force, period, rung) of every rung open in a period: one of its routes is open."""
    return {(r["force"], r["period"], r["rung_position"]) for r in rows if r["open"]}
