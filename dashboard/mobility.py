"""Mobility and the forces most alike, as the pages show them.

The figures come cached from dashboard.page_selectors; the rules (what "moved up", "newcomers"
and "lost" count) are engagement.ladder.mobility's, and the shapes' distance is
engagement.ladder.similarity's. Every share names its denominator on the page.

The pair of periods a page shows ends in the period the reader chose: 2026-Q1 -> 2026-Q2 for
2026-Q2. The first period held has no pair before it, and the pages say so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from dashboard import page_selectors, withheld
from dashboard.ladders import ALL_POSITIONS, CONVERSATION, RUNG_COLOURS, RungInfo, _round
from dashboard.page_filters import Filters
from engagement.choices import WITHHELD
from engagement.ladder import mobility
from engagement.ladder.similarity import MIN_ENGAGED
from engagement.store.suppression import NATION, force_row, is_on, matrix_withheld, region_row

if TYPE_CHECKING:
    from forces.models import Force

NOT_ENGAGED = "Not engaged"
PASSIVE = 1
# Social media's rungs (Passive to Activist) and the rungs mostly recorded off it (Volunteer,
# Co-Designer): a move from one to the other is the climb linked identities make visible.
ONLINE = (1, 2, 3, 4)
VOLUNTEER = 5
# The cells of the matrix each headline adds up, (rung before, rung after): small-number
# protection withholds a headline that would give a withheld cell away.
HEADLINE_CELLS: dict[str, Callable[[int, int], bool]] = {
    "climbed": lambda before, after: before == PASSIVE and after >= CONVERSATION,
    "stayed": lambda before, after: before >= CONVERSATION and after >= CONVERSATION,
    "to-top": lambda before, after: before in ONLINE and after >= VOLUNTEER,
    "moved-up": mobility.is_moved_up,
    "newcomers": mobility.is_newcomer,
    "lost": mobility.is_lost,
}


def headline_cells(key: str, matrix: mobility.Matrix) -> list[tuple[int, int]]:
    return [cell for cell in matrix if HEADLINE_CELLS[key](*cell)]


def previous_period(filters: Filters) -> str:
    """The period before the chosen one ("" for the first period held)."""
    index = filters.periods.index(filters.period) if filters.period in filters.periods else 0
    return filters.periods[index - 1] if index > 0 else ""


def percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


@dataclass(frozen=True)
class MovedUpShare:
    """ "Moved up" for a force, a region or the nation: `moved` of the `of` citizens engaged in
    the earlier period stood on a higher rung in the next (`withheld`: too few to show, or too
    few left behind; small-number protection)."""

    moved: int
    of: int
    region: str = ""
    withheld: bool = False

    @property
    def share(self) -> float | None:
        return None if self.withheld else percent(self.moved, self.of)

    @property
    def shown_moved(self) -> int | str:
        return WITHHELD if self.withheld else self.moved


@dataclass(frozen=True)
class MovedUpTable:
    """ "Moved up" for every force (by pk), every region and the nation: the reference lines
    are the forces' citizens added together (not an average of shares)."""

    forces: dict[int, MovedUpShare]
    regions: dict[str, MovedUpShare]
    nation: MovedUpShare | None


def moved_up_table(filters: Filters) -> MovedUpTable:
    """The "moved up" figures for the pair ending in the chosen period (empty for the first)."""
    if not previous_period(filters):
        return MovedUpTable(forces={}, regions={}, nation=None)
    figures = page_selectors.moved_up_by_force(
        filters.snapshot, period_type=filters.period_type, to_period=filters.period
    )
    forced = []
    if filters.threshold > 1:
        matrices = page_selectors.every_force_moves(
            filters.snapshot, period_type=filters.period_type, to_period=filters.period
        )
        forced = [
            pk
            for pk, matrix in matrices.items()
            if withheld.gives_away(
                headline_cells("moved-up", matrix),
                matrix_withheld(matrix, threshold=filters.threshold),
            )
        ]
    hidden = withheld.moved_up_withheld(
        {pk: (f.region, f.moved_up, f.engaged_before) for pk, f in figures.items()},
        threshold=filters.threshold,
        forced=forced,
    )
    forces = {
        pk: MovedUpShare(f.moved_up, f.engaged_before, f.region, hidden.get(force_row(pk), False))
        for pk, f in figures.items()
    }

    def added(members: list[MovedUpShare], row) -> MovedUpShare:
        return MovedUpShare(
            sum(s.moved for s in members),
            sum(s.of for s in members),
            withheld=hidden.get(row, False),
        )

    regions = {share.region for share in forces.values()}
    return MovedUpTable(
        forces=forces,
        regions={
            region: added([s for s in forces.values() if s.region == region], region_row(region))
            for region in regions
        },
        nation=added(list(forces.values()), NATION),
    )


# --- The force page: the matrix, the headlines, the forces most alike ---------------------------


def _name(rungs: Mapping[int, RungInfo], position: int) -> str:
    if position == 0:
        return NOT_ENGAGED
    return rungs[position].name if position in rungs else f"Rung {position}"


def matrix_chart(
    matrix: mobility.Matrix,
    rungs: Mapping[int, RungInfo],
    *,
    before: str,
    after: str,
    hidden: set[tuple[int, int]] = frozenset(),
) -> dict[str, Any]:
    """One bar per rung in the earlier period (the top rung at the top, as in the table), split
    by where its citizens stood in the next, in shares of that rung's citizens (the `stacked`
    kind of static/js/ladder-charts.js)."""
    positions = [p for p in ALL_POSITIONS if p == 0 or p in rungs]
    bars = list(reversed(positions))
    from_totals = {p: mobility.from_rungs(matrix, [p]) for p in positions}
    return {
        "kind": "stacked",
        "title": f"Where the citizens at each rung in {before} stood in {after}",
        "measure": "share_of_before",
        "axis": f"% of the bar's citizens: those at its rung in {before}",
        "labels": [_name(rungs, p) for p in bars],
        "links": [],
        "emphasis": [False for _ in bars],
        "datasets": [
            {
                "label": f"{_name(rungs, after_position)} in {after}",
                "position": after_position,
                "colour": RUNG_COLOURS.get(after_position, "#505a5f"),
                "data": [
                    None
                    if (p, after_position) in hidden
                    else _round(percent(matrix.get((p, after_position), 0), from_totals[p]))
                    for p in bars
                ],
                "counts": [
                    WITHHELD
                    if (p, after_position) in hidden
                    else matrix.get((p, after_position), 0)
                    for p in bars
                ],
            }
            for after_position in positions
        ],
    }


def matrix_rows(
    matrix: mobility.Matrix,
    rungs: Mapping[int, RungInfo],
    *,
    hidden: set[tuple[int, int]] = frozenset(),
    hidden_totals: frozenset[int] = frozenset(),
) -> list[dict[str, Any]]:
    """The table: a row per rung before (top rung first), a cell per rung after, and the row's
    total, the denominator of its shares. (0, 0) is never counted: its cell is empty. `hidden`
    cells and `hidden_totals` (rungs before) read [c] (small-number protection)."""
    positions = [p for p in ALL_POSITIONS if p == 0 or p in rungs]
    rows = []
    for before in reversed(positions):
        total = mobility.from_rungs(matrix, [before])
        rows.append(
            {
                "position": before,
                "name": _name(rungs, before),
                "total": WITHHELD if before in hidden_totals else total,
                "cells": [
                    _matrix_cell(matrix, before, after, total, hidden) for after in positions
                ],
            }
        )
    return rows


def _matrix_cell(
    matrix: mobility.Matrix, before: int, after: int, total: int, hidden
) -> dict[str, Any]:
    if (before, after) in hidden:
        return {"position": after, "citizens": WITHHELD, "share": None}
    citizens = matrix.get((before, after), 0)
    return {
        "position": after,
        "citizens": None if before == after == 0 else citizens,
        "share": None if before == 0 else percent(citizens, total),
    }


def headlines(
    matrix: mobility.Matrix, rungs: Mapping[int, RungInfo], *, before: str, after: str
) -> list[dict[str, Any]]:
    """The figures a chief officer can quote, each with its denominator in the sentence."""
    passive, conversation = _name(rungs, PASSIVE), _name(rungs, CONVERSATION)
    at_passive = mobility.from_rungs(matrix, [PASSIVE])
    upper = [p for p in ALL_POSITIONS if p >= CONVERSATION]
    at_upper = mobility.from_rungs(matrix, upper)
    engaged_before, engaged_after = mobility.engaged_before(matrix), mobility.engaged_after(matrix)
    climbed = mobility.from_rungs_to_at_least(matrix, [PASSIVE], CONVERSATION)
    stayed = mobility.from_rungs_to_at_least(matrix, upper, CONVERSATION)
    newcomers, lost = mobility.newcomers(matrix), mobility.lost(matrix)
    moved = mobility.moved_up(matrix)
    online = mobility.from_rungs(matrix, ONLINE)
    to_top = mobility.from_rungs_to_at_least(matrix, ONLINE, VOLUNTEER)
    lowest, highest = _name(rungs, ONLINE[0]), _name(rungs, ONLINE[-1])
    top = f"{_name(rungs, VOLUNTEER)} or {_name(rungs, VOLUNTEER + 1)}"
    return [
        {
            "key": "climbed",
            "share": percent(climbed, at_passive),
            "part": climbed,
            "whole": at_passive,
            "text": f"of the {at_passive:,} people at {passive} in {before} reached "
            f"{conversation} or above in {after}",
            "label": f"People at {passive} in {before} who reached {conversation} or above",
            "none": f"Nobody was at {passive} in {before}.",
        },
        {
            "key": "stayed",
            "share": percent(stayed, at_upper),
            "part": stayed,
            "whole": at_upper,
            "text": f"of the {at_upper:,} people at {conversation} or above in {before} were "
            f"still there in {after}",
            "label": f"People at {conversation} or above in {before} still there in {after}",
            "none": f"Nobody was at {conversation} or above in {before}.",
        },
        {
            "key": "to-top",
            "share": percent(to_top, online),
            "part": to_top,
            "whole": online,
            "text": f"of the {online:,} people at {lowest} to {highest} in {before} (the rungs "
            f"reached on social media) stood at {top} in {after}",
            "label": f"People at {lowest} to {highest} in {before} who reached {top} in {after}",
            "none": f"Nobody was at {lowest} to {highest} in {before}.",
        },
        {
            "key": "moved-up",
            "share": percent(moved, engaged_before),
            "part": moved,
            "whole": engaged_before,
            "text": f"of the {engaged_before:,} people engaged in {before} stood on a higher "
            f"rung in {after} (moved up)",
            "label": f"People engaged in {before} who moved up in {after}",
            "none": f"Nobody was engaged in {before}.",
        },
        {
            "key": "newcomers",
            "share": percent(newcomers, engaged_after),
            "part": newcomers,
            "whole": engaged_after,
            "text": f"of the {engaged_after:,} people engaged in {after} were newcomers "
            f"({newcomers:,} not engaged in {before})",
            "label": f"Newcomers in {after}",
            "none": f"Nobody was engaged in {after}.",
        },
        {
            "key": "lost",
            "share": percent(lost, engaged_before),
            "part": lost,
            "whole": engaged_before,
            "text": f"of the {engaged_before:,} people engaged in {before} were lost "
            f"({lost:,} not engaged in {after})",
            "label": f"People engaged in {before} and lost in {after}",
            "none": f"Nobody was engaged in {before}.",
        },
    ]


def protected_headlines(
    lines: list[dict[str, Any]],
    matrix: mobility.Matrix,
    *,
    hidden: set[tuple[int, int]],
    threshold: int,
    withheld_keys: set[str],
) -> list[dict[str, Any]]:
    """The headlines with those that would single someone out withheld: where the part, the rest
    of the whole or the whole is small, where the part would give a withheld cell of the matrix
    away, or where another table withholds it (`withheld_keys`: a whole that is a rung withheld
    on the ladder; "moved up" withheld on the overview). A withheld line keeps its label, never
    its figures."""

    def small(n: int) -> bool:
        return 0 < n < threshold

    def withheld_line(line: dict[str, Any]) -> bool:
        return (
            line["key"] in withheld_keys
            or any(small(n) for n in (line["part"], line["whole"] - line["part"], line["whole"]))
            or withheld.gives_away(headline_cells(line["key"], matrix), hidden)
        )

    return [
        {**line, "share": None, "part": WITHHELD, "whole": WITHHELD, "withheld": True}
        if withheld_line(line)
        else line
        for line in lines
    ]


def force_mobility_context(filters: Filters, force: Force) -> dict[str, Any]:
    """The force page's "Moving up the ladder" section.

    With small-number protection on, the matrix is a table whose row totals (the rungs before)
    and column totals (the rungs after) are published ladders: its cells are withheld across and
    down (`withheld_in_table`), and a row total reads [c] where the ladder withholds its rung.
    """
    before = previous_period(filters)
    if not before:
        return {"mobility": {"before": "", "after": filters.period_name}}
    rungs = page_selectors.snapshot_rungs(filters.snapshot)
    matrix = page_selectors.pair_moves(
        filters.snapshot, force, period_type=filters.period_type, to_period=filters.period
    )
    protection = withheld.page_protection_for(filters)
    hidden = matrix_withheld(matrix, threshold=filters.threshold)
    hidden_totals = protection.force(before, force.slug)
    # The pages name periods as people say them (engagement.ladder.periods.period_name).
    before, after = filters.name(before), filters.period_name
    lines = headlines(matrix, rungs, before=before, after=after)
    if protection.on:
        if 0 < mobility.newcomers(matrix) < filters.threshold:
            hidden_totals |= {0}
        upper = [p for p in ALL_POSITIONS if p >= CONVERSATION]
        withheld_keys = set()
        if PASSIVE in hidden_totals:
            withheld_keys.add("climbed")
        if hidden_totals.intersection(upper) not in (frozenset(), hidden_totals - {0}):
            withheld_keys.add("stayed")
        if hidden_totals.intersection(ONLINE) not in (frozenset(), hidden_totals - {0}):
            withheld_keys.add("to-top")
        moved_up = moved_up_table(filters).forces.get(force.pk)
        if moved_up and moved_up.withheld:
            withheld_keys.add("moved-up")
        lines = protected_headlines(
            lines,
            matrix,
            hidden=hidden,
            threshold=filters.threshold,
            withheld_keys=withheld_keys,
        )
    return {
        "mobility": {
            "before": before,
            "after": after,
            "positions": [
                {"position": p, "name": _name(rungs, p)}
                for p in ALL_POSITIONS
                if p == 0 or p in rungs
            ],
            "rows": matrix_rows(matrix, rungs, hidden=hidden, hidden_totals=hidden_totals),
            "headlines": lines,
            "chart": matrix_chart(matrix, rungs, before=before, after=after, hidden=hidden),
            "legend": [
                RungInfo(position=p, name=_name(rungs, p), slug="", description="")
                for p in ALL_POSITIONS
                if p == 0 or p in rungs
            ],
            "nobody": not matrix,
        }
    }


def similar_context(filters: Filters, force: Force) -> dict[str, Any]:
    """The force page's "Forces most alike" section, with a link opening them on compare."""
    found = page_selectors.similar_forces(
        filters.snapshot,
        period_type=filters.period_type,
        period=filters.period,
        threshold=filters.threshold,
    )
    likeness = found.forces.get(force.slug)
    neighbours = [
        {
            "slug": n.key,
            "name": found.names[n.key],
            "distance": n.distance,
            "url": reverse("dashboard:force", args=[n.key]) + f"?{filters.query()}",
        }
        for n in (likeness.neighbours if likeness else ())
    ]
    slugs = [force.slug, *(n["slug"] for n in neighbours)]
    return {
        "similar": {
            "engaged": likeness.engaged if likeness else 0,
            "has_shape": bool(likeness and likeness.has_shape),
            "min_engaged": MIN_ENGAGED,
            "merges_withheld": is_on(filters.threshold),
            "neighbours": neighbours,
            "compare_url": reverse("dashboard:compare")
            + f"?forces={','.join(slugs)}&{filters.query()}#figures",
            "compare_three_url": reverse("dashboard:compare")
            + f"?forces={','.join(slugs[:4])}&{filters.query()}#figures",
        }
    }


def compare_moved_up(
    filters: Filters, forces: list[Force], *, national: str
) -> list[dict[str, Any]]:
    """The compare page's "moved up" table: each force, then its region and the nation as
    reference lines (every force of the region or nation added together)."""
    table = moved_up_table(filters)
    rows = [
        {"label": force.name, "slug": force.slug, "moved_up": table.forces.get(force.pk)}
        for force in forces
    ]
    for region in dict.fromkeys(force.region for force in forces):
        rows.append(
            {
                "label": f"{region} (region)",
                "reference": True,
                "moved_up": table.regions.get(region, MovedUpShare(0, 0)),
            }
        )
    rows.append(
        {"label": national, "reference": True, "moved_up": table.nation or MovedUpShare(0, 0)}
    )
    return rows
