"""Ladders as the pages show them: counts per rung, the two shares, changes, colours and charts.

Plain Python on figures already read from the distribution store (no queries here), so the same
arithmetic serves every page and the cached figures are reshaped per request cheaply.

Every share is named for its denominator, as in LADDER.md and the CSV:
- share of engaged: the rung's citizens over the citizens at rungs 1 to 6 (a percentage);
- share of population: over rungs 0 to 6, where rung 0 is known; its figures are tiny, so the
  pages show it as a rate per 1,000 residents rather than a wall of 0.0 %.
Passive holds most of the engaged public, so the charts start with it hidden (the rungs above it
on their own scale) and a reader can show it.

A ladder may have rungs withheld (small-number protection, dashboard.withheld): their counts read
[c], and every figure computed from them is unknown, so nothing on the page gives them away. The
engaged total stays shown (it is published anyway), so a figure adding up some but not all of the
withheld rungs would give one away: `share_from` is unknown then too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from engagement.choices import WITHHELD
from engagement.ladder.periods import period_name  # noqa: F401  (the pages name periods so)

# Okabe and Ito's colour-blind safe palette, one colour per rung, and a pattern per rung (drawn
# by static/js/ladder-charts.js and the legend's CSS) so that no reader depends on colour alone.
# Rung 0 (none) is a neutral grey outside the palette.
# The pages' swatches take the same colours from static/css/ladder.css (.swatch.rung-N): no
# style attribute (the CSP).
RUNG_COLOURS: dict[int, str] = {
    0: "#bababa",
    1: "#56b4e9",
    2: "#e69f00",
    3: "#009e73",
    4: "#f0e442",
    5: "#0072b2",
    6: "#cc79a7",
}
ENGAGED_POSITIONS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
ALL_POSITIONS: tuple[int, ...] = (0, *ENGAGED_POSITIONS)
PASSIVE = 1
# "Share at Conversation or above": the rung where the public starts talking back.
CONVERSATION = 2
PER = 1000  # the share of population is shown per 1,000 residents


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
    previous: Ladder | None = None  # the period before
    year_before: Ladder | None = None  # the same period a year before
    withheld: frozenset[int] = frozenset()  # rungs too small to show (small-number protection)

    def count(self, position: int) -> int | None:
        """The true count, for the totals; what the page shows is `shown_count`."""
        value = self.counts.get(position)
        if value is None and position != 0:
            return 0
        return value

    def shown_count(self, position: int) -> int | str | None:
        return WITHHELD if position in self.withheld else self.count(position)

    def _gives_away(self, positions: Iterable[int]) -> bool:
        """Whether a figure adding up `positions` would reveal a withheld rung: it includes some
        withheld rungs but not all (all of them together follow from the total anyway)."""
        included = self.withheld.intersection(positions)
        return bool(included) and included != self.withheld

    @cached_property
    def engaged(self) -> int:
        """Rungs 1 to 6 added up: every share's denominator, so read thousands of times while a
        page renders; worked out once (a ladder's counts are never changed once it is made)."""
        return sum(self.count(position) or 0 for position in ENGAGED_POSITIONS)

    @property
    def total(self) -> int:
        """The citizens counted at the rungs shown (the engaged, plus rung 0 where shown)."""
        return sum(self.count(position) or 0 for position in self.positions)

    @property
    def population(self) -> int | None:
        """Rungs 0 to 6: the share of population's denominator; None where rung 0 is unknown."""
        none = self.counts.get(0)
        return None if none is None else none + self.engaged

    def share_of_engaged(self, position: int) -> float | None:
        """Percentage of the engaged (rungs 1 to 6); None for rung 0, when nobody is engaged and
        for a withheld rung."""
        if position == 0 or not self.engaged or position in self.withheld:
            return None
        return 100.0 * (self.count(position) or 0) / self.engaged

    def per_thousand(self, position: int) -> float | None:
        """The share of population, per 1,000 residents; None where rung 0 is unknown."""
        value, population = self.count(position), self.population
        if value is None or not population or position in self.withheld:
            return None
        return PER * value / population

    @property
    def per_thousand_engaged(self) -> float | None:
        population = self.population
        return PER * self.engaged / population if population else None

    @property
    def total_withheld(self) -> bool:
        """Whether the engaged total is withheld: where the only engaged rung with anyone on it is
        withheld (small-number protection), the total is that rung and would give it away (at
        force scope rung 0 is withheld then too, for the same reason)."""
        reached = {p for p in ENGAGED_POSITIONS if self.count(p)}
        return len(reached) == 1 and reached <= self.withheld

    @property
    def shown_engaged(self) -> int | str:
        return WITHHELD if self.total_withheld else self.engaged

    @property
    def shown_per_thousand_engaged(self) -> float | str | None:
        return WITHHELD if self.total_withheld else self.per_thousand_engaged

    def count_from(self, position: int) -> int | str:
        """The citizens at `position` or above ([c] where that would reveal a withheld rung)."""
        positions = [p for p in ENGAGED_POSITIONS if p >= position]
        if self._gives_away(positions):
            return WITHHELD
        return sum(self.count(p) or 0 for p in positions)

    def share_from(self, position: int) -> float | None:
        """Percentage of the engaged at `position` or above."""
        above = self.count_from(position)
        if not self.engaged or above == WITHHELD:
            return None
        return 100.0 * above / self.engaged

    @property
    def share_conversation_up(self) -> float | None:
        return self.share_from(CONVERSATION)

    @property
    def shown_conversation_up(self) -> float | str | None:
        """The share at Conversation or above as the tables show it ([c] where withheld)."""
        if self.count_from(CONVERSATION) == WITHHELD:
            return WITHHELD
        return self.share_conversation_up

    def cells(self) -> list[dict[str, Any]]:
        """One table cell per column: the count and both shares (None where unknown, [c] where
        withheld)."""
        return [self._cell(p) for p in self.columns or self.positions]

    def _cell(self, p: int) -> dict[str, Any]:
        if p not in self.positions:
            return {
                "position": p,
                "citizens": None,
                "share_of_engaged": None,
                "per_thousand": None,
                "changes": self.changes(p),
                "withheld": False,
            }
        if p in self.withheld:
            return {
                "position": p,
                "citizens": WITHHELD,
                "share_of_engaged": WITHHELD,
                "per_thousand": WITHHELD,
                "changes": self.changes(p),
                "withheld": True,
            }
        return {
            "position": p,
            "citizens": self.count(p),
            "share_of_engaged": self.share_of_engaged(p),
            "per_thousand": self.per_thousand(p),
            "changes": self.changes(p),
            "withheld": False,
        }

    def changes(self, position: int | None = None) -> dict[str, float | None]:
        """Percentage points of the share of engaged (at a rung, or at Conversation or above when
        `position` is None) against the period before and the same period a year before."""

        def measure(ladder: Ladder | None) -> float | None:
            if ladder is None:
                return None
            if position is None:
                return ladder.share_conversation_up
            return ladder.share_of_engaged(position)

        now = measure(self)
        return {
            "previous": _difference(now, measure(self.previous)),
            "year_before": _difference(now, measure(self.year_before)),
        }


def _difference(now: float | None, then: float | None) -> float | None:
    return None if now is None or then is None else now - then


def shown_positions(*, with_none: bool) -> tuple[int, ...]:
    return ALL_POSITIONS if with_none else ENGAGED_POSITIONS


def add_counts(label: str, ladders: Iterable[Ladder], positions: tuple[int, ...]) -> Ladder:
    """A reference row adding up others. Rung 0 adds up the rows where it is known."""
    ladders = list(ladders)
    counts: dict[int, int | None] = {
        p: sum(ladder.count(p) or 0 for ladder in ladders) for p in ENGAGED_POSITIONS
    }
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


def _rung_name(rungs: Mapping[int, RungInfo], position: int) -> str:
    return rungs[position].name if position in rungs else f"Rung {position}"


def stacked_chart(
    ladders: list[Ladder],
    rungs: Mapping[int, RungInfo],
    *,
    title: str,
    links: bool = False,
    per_thousand: bool = False,
) -> dict[str, Any]:
    """A stacked horizontal bar per ladder, one colour and pattern per rung, in the table's order.

    Shares of the engaged by default (rungs 1 to 6 make 100 %); with `per_thousand`, the engaged
    rungs per 1,000 residents (rung 0 would fill the bar, so it is left to the table).
    """
    positions = ENGAGED_POSITIONS
    return {
        "kind": "stacked",
        "title": title,
        "measure": "per_thousand" if per_thousand else "share_of_engaged",
        "axis": "per 1,000 residents of the area"
        if per_thousand
        else "% of the bar's engaged public (rungs 1 to 6)",
        # A bar all at Passive is empty while Passive is hidden: its label says so instead.
        "only_passive": [
            bool(ladder.engaged) and ladder.count(PASSIVE) == ladder.engaged for ladder in ladders
        ],
        "passive_name": _rung_name(rungs, PASSIVE),
        "labels": [ladder.label for ladder in ladders],
        "links": [ladder.extra.get("url", "") for ladder in ladders] if links else [],
        "emphasis": [bool(ladder.extra.get("reference")) for ladder in ladders],
        "datasets": [
            {
                "label": _rung_name(rungs, p),
                "position": p,
                "passive": p == PASSIVE,
                "data": [
                    _round(ladder.per_thousand(p) if per_thousand else ladder.share_of_engaged(p))
                    for ladder in ladders
                ],
                "counts": [ladder.shown_count(p) for ladder in ladders],
            }
            for p in positions
        ],
    }


@dataclass(frozen=True)
class Measure:
    """What a ranked chart ranks the forces by: a figure of each ladder (and of its earlier
    periods' ladders, for the markers), the people behind it as words, and what it is a share of.
    `position` is the rung whose colour and pattern its bars take (None: no one rung)."""

    name: str
    value: Callable[[Ladder], float | None]
    people: Callable[[Ladder], str]
    axis: str
    position: int | None = CONVERSATION
    measure: str = "share_of_engaged"
    markers: bool = True


def citizens_text(count: int | str | None) -> str:
    """A count of people in a chart's tooltip ([c] says why)."""
    if count == WITHHELD:
        return f"{WITHHELD}: withheld, too few to show"
    if count is None:
        return "unknown"
    return f"{count:,} citizen{'' if count == 1 else 's'}"


def conversation_measure(conversation: str) -> Measure:
    return Measure(
        name=f"{conversation} or above",
        value=lambda ladder: ladder.share_conversation_up,
        people=lambda ladder: citizens_text(ladder.count_from(CONVERSATION)),
        axis=f"% of each force's engaged public (rungs 1 to 6) at {conversation} or above",
    )


def ranked_chart(
    ladders: list[Ladder],
    references: list[Ladder],
    *,
    title: str,
    measure: Measure,
    links: bool = True,
) -> dict[str, Any]:
    """Forces ranked by a measure (the page's sort), the references first, with markers for the
    period before and the same period a year before where the measure has them."""
    ranked = sorted(ladders, key=lambda ladder: -(_or_below(measure.value(ladder))))
    # A count of people is not comparable with a whole area's: the references are left out.
    shown = [*ranked] if measure.measure == "people" else [*references, *ranked]

    def series(pick) -> list[float | None]:
        if not measure.markers:
            return [None for _ in shown]
        return [_round(measure.value(pick(ladder))) if pick(ladder) else None for ladder in shown]

    return {
        "kind": "ranked",
        "title": title,
        "measure": measure.measure,
        "axis": measure.axis,
        "position": measure.position,
        "bar_label": measure.name,
        "labels": [ladder.label for ladder in shown],
        "links": [ladder.extra.get("url", "") for ladder in shown] if links else [],
        "emphasis": [bool(ladder.extra.get("reference")) for ladder in shown],
        "data": _values(shown, measure),
        "previous": series(lambda ladder: ladder.previous),
        "year_before": series(lambda ladder: ladder.year_before),
        "count_text": [measure.people(ladder) for ladder in shown],
    }


def _values(ladders: list[Ladder], measure: Measure) -> list[float | None]:
    return [_round(measure.value(ladder)) for ladder in ladders]


def _or_below(value: float | None) -> float:
    """A sort key: unknown figures rank last."""
    return -1.0 if value is None else value


def ladder_chart(ladder: Ladder, rungs: Mapping[int, RungInfo], *, title: str) -> dict[str, Any]:
    """One ladder drawn as a ladder (the top rung at the top): shares of the engaged, with the
    period before and the same period a year before beside each rung where they exist."""
    positions = sorted(ENGAGED_POSITIONS, reverse=True)

    def shares(other: Ladder | None) -> list[float | None]:
        return [_round(other.share_of_engaged(p)) if other else None for p in positions]

    return {
        "kind": "ladder",
        "title": title,
        "measure": "share_of_engaged",
        "axis": "% of the engaged public (rungs 1 to 6) at each rung",
        "labels": [_rung_name(rungs, p) for p in positions],
        "positions": list(positions),
        "passive_index": positions.index(PASSIVE),
        "data": shares(ladder),
        "previous": shares(ladder.previous),
        "year_before": shares(ladder.year_before),
        "counts": [ladder.shown_count(p) for p in positions],
    }


def lines_chart(
    labels: list[str],
    series: list[dict[str, Any]],
    *,
    title: str,
    axis: str,
    measure: str = "share_of_engaged",
) -> dict[str, Any]:
    """Lines over periods; each series is {label, data, and position (a rung) or colour}."""
    return {
        "kind": "lines",
        "title": title,
        "measure": measure,
        "axis": axis,
        "labels": labels,
        "datasets": [
            {
                **item,
                "data": [_round(v) for v in item["data"]],
                "passive": item.get("position") == PASSIVE,
            }
            for item in series
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
REFERENCE_COLOUR = "#0b0c0c"


def _round(value: float | None) -> float | None:
    """Chart data keeps four places: enough that a small non-zero share is never drawn as 0."""
    return None if value is None else round(value, 4)
