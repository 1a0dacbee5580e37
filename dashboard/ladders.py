"""Ladders as the pages show them: counts per rung, shares, colours and chart specifications.

Plain Python on figures already read from the distribution store (no queries here), so the same
arithmetic serves every page and the cached figures are reshaped per request cheaply.

A share is the rung's citizens over the total of the rungs shown: rungs 1 to 6 by default, or 0 to 6
when the reader includes rung 0 (none) and the population is known. Rung 0 dwarfs the others (the
whole population of a force area), so the engaged public is the default view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# An ordered, colour-blind safe sequential scale (ColorBrewer YlGnBu) for rungs 1 to 6, light to
# dark as people climb; rung 0 (none) is a neutral grey outside the scale. The pages' swatches take
# the same colours from static/css/ladder.css (.swatch.rung-N): no style attribute (the CSP).
RUNG_COLOURS: dict[int, str] = {
    0: "#cfcfcf",
    1: "#c7e9b4",
    2: "#7fcdbb",
    3: "#41b6c4",
    4: "#1d91c0",
    5: "#225ea8",
    6: "#0c2c84",
}
ENGAGED_POSITIONS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
ALL_POSITIONS: tuple[int, ...] = (0, *ENGAGED_POSITIONS)
# "Share at Conversation or above": the rung where the public starts talking back.
CONVERSATION = 2


@dataclass(frozen=True)
class RungInfo:
    position: int
    name: str
    slug: str
    description: str


@dataclass
class Ladder:
    """One row of figures: a force, a channel, a region or the nation, for one period."""

    label: str
    counts: dict[int, int | None]
    positions: tuple[int, ...] = ENGAGED_POSITIONS
    slug: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    columns: tuple[int, ...] = ()  # the table's rungs, when some rows count fewer

    def count(self, position: int) -> int | None:
        value = self.counts.get(position)
        if value is None and position != 0:
            return 0
        return value

    @property
    def total(self) -> int:
        return sum(self.count(position) or 0 for position in self.positions)

    def share(self, position: int) -> float | None:
        """Percentage of the shown total; None where the figure is unknown or nobody is counted."""
        value = self.count(position)
        if value is None or not self.total:
            return None
        return 100.0 * value / self.total

    def share_from(self, position: int) -> float | None:
        """Percentage at `position` or above."""
        if not self.total:
            return None
        above = sum(self.count(p) or 0 for p in self.positions if p >= position)
        return 100.0 * above / self.total

    def cells(self) -> list[dict[str, Any]]:
        """One table cell per column: the count and its share (None where unknown)."""
        return [
            {
                "position": p,
                "citizens": self.count(p) if p in self.positions else None,
                "share": self.share(p) if p in self.positions else None,
            }
            for p in self.columns or self.positions
        ]

    @property
    def share_conversation_up(self) -> float | None:
        return self.share_from(CONVERSATION)


def shown_positions(*, with_none: bool) -> tuple[int, ...]:
    return ALL_POSITIONS if with_none else ENGAGED_POSITIONS


def add_counts(label: str, ladders: Iterable[Ladder], positions: tuple[int, ...]) -> Ladder:
    """A reference row adding up others. Rung 0 adds up the rows where it is known."""
    ladders = list(ladders)
    counts: dict[int, int | None] = {
        p: sum(ladder.count(p) or 0 for ladder in ladders) for p in positions if p != 0
    }
    if 0 in positions:
        known = [ladder.counts[0] for ladder in ladders if ladder.counts.get(0) is not None]
        counts[0] = sum(known) if known else None
    return Ladder(label=label, counts=counts, positions=positions, extra={"reference": True})


def ladder_with_none_where_known(ladder: Ladder) -> Ladder:
    """Rung 0 is shown only where it is known: otherwise the row falls back to rungs 1 to 6."""
    ladder.columns = ladder.positions
    if 0 in ladder.positions and ladder.counts.get(0) is None:
        ladder.positions = ENGAGED_POSITIONS
        ladder.extra["none_unknown"] = True
    return ladder


def stacked_chart(
    ladders: list[Ladder], rungs: Mapping[int, RungInfo], *, title: str, links: bool = False
) -> dict[str, Any]:
    """A 100% stacked horizontal bar per ladder, one colour per rung, in the table's order."""
    positions = sorted({p for ladder in ladders for p in ladder.positions})
    return {
        "kind": "stacked",
        "title": title,
        "labels": [ladder.label for ladder in ladders],
        "links": [ladder.extra.get("url", "") for ladder in ladders] if links else [],
        "emphasis": [bool(ladder.extra.get("reference")) for ladder in ladders],
        "datasets": [
            {
                "label": rungs[p].name if p in rungs else f"Rung {p}",
                "colour": RUNG_COLOURS.get(p, "#505a5f"),
                "data": [
                    _round(ladder.share(p)) if p in ladder.positions else 0 for ladder in ladders
                ],
                "counts": [ladder.count(p) for ladder in ladders],
            }
            for p in positions
        ],
    }


def ladder_chart(ladder: Ladder, rungs: Mapping[int, RungInfo], *, title: str) -> dict[str, Any]:
    """One force's ladder drawn as a ladder: the top rung at the top."""
    positions = sorted(ladder.positions, reverse=True)
    return {
        "kind": "ladder",
        "title": title,
        "labels": [rungs[p].name if p in rungs else f"Rung {p}" for p in positions],
        "colours": [RUNG_COLOURS.get(p, "#505a5f") for p in positions],
        "data": [_round(ladder.share(p)) for p in positions],
        "counts": [ladder.count(p) for p in positions],
    }


def lines_chart(
    labels: list[str], series: list[tuple[str, str, list[float | None]]], *, title: str
) -> dict[str, Any]:
    """Lines over periods, each a (label, colour, percentages) triple."""
    return {
        "kind": "lines",
        "title": title,
        "labels": labels,
        "datasets": [
            {"label": label, "colour": colour, "data": [_round(v) for v in values]}
            for label, colour, values in series
        ],
    }


# Distinguishable line colours for comparing forces (Okabe and Ito, colour-blind safe).
SERIES_COLOURS: tuple[str, ...] = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
