"""Routes as the pages show them: are the top rungs open, and does anyone take them?

The overview's "Routes by rung" grid (every force by rungs 1 to 6 in the chosen period: open or
closed, the routes' use and the people the force's ladder counts there), each rung's open forces
nationally against the period before, and one force's routes by rung and over time.

The rules are engagement.ladder.routes' (a rung is open when one of its routes is open on some
day of the period; a route's use is its channel's citizens at its rung or higher), read through
dashboard.page_selectors.routes_in with each use protected for the reader. Two cells stand out,
in words and not by colour alone: a rung offered but not taken (open, and every known use 0)
and a rung reached without a route (closed, yet people counted there).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from dashboard import page_selectors
from dashboard.ladders import ENGAGED_POSITIONS, Ladder, RungInfo

if TYPE_CHECKING:
    from dashboard.page_filters import Filters

OFFERED_NOT_TAKEN = "Offered, not taken"
REACHED_WITHOUT_ROUTE = "Reached without a route"


@dataclass(frozen=True)
class RungRoutes:
    """One force's routes to one rung in one period, and the people counted at that rung."""

    position: int
    name: str
    routes: tuple[dict[str, Any], ...] = ()
    counted: int | str | None = None  # as the force's ladder shows it ([c] where withheld)

    @property
    def open(self) -> bool:
        return any(route["open"] for route in self.routes)

    @property
    def open_routes(self) -> list[dict[str, Any]]:
        return [route for route in self.routes if route["open"]]

    @property
    def offered_not_taken(self) -> bool:
        """Open, and every open route whose use is known has a use of 0 (at least one known)."""
        known = [route["use"] for route in self.open_routes if route["use"] is not None]
        return self.open and bool(known) and all(use == 0 for use in known)

    @property
    def reached_without_route(self) -> bool:
        """Closed, yet the force's ladder counts people at this rung (a withheld count is one
        of at least one person)."""
        return not self.open and self.counted not in (None, 0)

    @property
    def flag(self) -> str:
        if self.offered_not_taken:
            return OFFERED_NOT_TAKEN
        if self.reached_without_route:
            return REACHED_WITHOUT_ROUTE
        return ""


@dataclass
class ForceRoutes:
    """One force's row of the grid."""

    ladder: Ladder
    cells: list[RungRoutes] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(cell.open for cell in self.cells)


def _by_force_and_rung(rows: list[dict[str, Any]]) -> dict[tuple[str, str, int], list[dict]]:
    found: dict[tuple[str, str, int], list[dict]] = defaultdict(list)
    for row in rows:
        found[(row["period"], row["force"], row["rung_position"])].append(row)
    return found


def overview_routes(
    filters: Filters, *, shown: list[Ladder], every: list[Ladder], rungs: dict[int, RungInfo]
) -> dict[str, Any]:
    """The grid for the forces shown (in their order: the overview's sort and region), and for
    each rung the forces with it open nationally, this period and the one before (one read)."""
    previous = filters.previous_period()
    periods = tuple(period for period in (filters.period, previous) if period)
    rows = page_selectors.routes_in(
        filters.snapshot,
        period_type=filters.period_type,
        periods=periods,
        threshold=filters.threshold,
    )
    found = _by_force_and_rung(rows)
    positions = [p for p in ENGAGED_POSITIONS if p in rungs]

    def row_of(ladder: Ladder) -> ForceRoutes:
        return ForceRoutes(
            ladder=ladder,
            cells=[
                RungRoutes(
                    position=p,
                    name=rungs[p].name,
                    routes=tuple(found.get((filters.period, ladder.slug, p), ())),
                    counted=ladder.shown_count(p),
                )
                for p in positions
            ],
        )

    grid = [row_of(ladder) for ladder in shown]
    everyone = [row_of(ladder) for ladder in every]

    def open_in(period: str | None, position: int) -> int | None:
        if not period:
            return None
        return sum(
            any(route["open"] for route in found.get((period, ladder.slug, position), ()))
            for ladder in every
        )

    national = []
    for index, p in enumerate(positions):
        now, before = open_in(filters.period, p), open_in(previous, p)
        national.append(
            {
                "rung": rungs[p],
                "open": now,
                "before": before,
                "change": None if before is None or now is None else now - before,
                "reached_without": sum(row.cells[index].reached_without_route for row in everyone),
                "not_taken": sum(row.cells[index].offered_not_taken for row in everyone),
            }
        )
    return {
        "route_rungs": [rungs[p] for p in positions],
        "route_grid": grid,
        "route_national": national,
        "route_forces": len(every),
        "route_not_taken": sum(c.offered_not_taken for row in grid for c in row.cells),
        "route_reached_without": sum(c.reached_without_route for row in grid for c in row.cells),
        "route_previous": filters.name(previous) if previous else "",
        "route_labels": {"not_taken": OFFERED_NOT_TAKEN, "without": REACHED_WITHOUT_ROUTE},
    }


def force_routes(
    filters: Filters, *, slug: str, ladder: Ladder, rungs: dict[int, RungInfo]
) -> dict[str, Any]:
    """One force's routes: by rung in the chosen period (with their links, dates, open or not
    and use), and every route's open and use in each period held (one read)."""
    rows = page_selectors.routes_in(
        filters.snapshot,
        period_type=filters.period_type,
        periods=filters.periods,
        threshold=filters.threshold,
        forces=(slug,),
    )
    query = filters.query()
    suffix = f"?{query}" if query else ""
    for row in rows:
        row["channel_url"] = (
            reverse("dashboard:channel", args=[slug, row["channel"]]) + suffix
            if row["channel"]
            else ""
        )
    routes: dict[int, dict[str, Any]] = {}
    for row in rows:
        route = routes.setdefault(row["route_id"], {**row, "periods": {}})
        route["periods"][row["period"]] = row
    ordered = sorted(routes.values(), key=lambda r: (-r["rung_position"], r["route"]))
    found = _by_force_and_rung(rows)
    by_rung = [
        RungRoutes(
            position=p,
            name=rungs[p].name,
            routes=tuple(found.get((filters.period, slug, p), ())),
            counted=ladder.shown_count(p),
        )
        for p in reversed(ENGAGED_POSITIONS)
        if p in rungs
    ]
    return {
        "force_routes": ordered,
        "force_route_rungs": by_rung,
        "force_routes_open": sum(cell.open for cell in by_rung),
        "force_route_history": [
            {
                "label": label,
                "name": filters.name(label),
                "cells": [
                    {"route": route, "row": route["periods"].get(label)} for route in ordered
                ],
            }
            for label in reversed(filters.periods)
        ],
        "route_labels": {"not_taken": OFFERED_NOT_TAKEN, "without": REACHED_WITHOUT_ROUTE},
    }
