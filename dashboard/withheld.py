"""Small-number protection as the pages apply it: which cells a reader sees as [c].

The rule is engagement.store.suppression's (SUPPRESS_BELOW; superusers and holders of
engagement.view_small_numbers see every count). The pages show forces next to their region and
the nation, which add the forces up, so the cells withheld in a period are decided once for the
whole table of forces, regions and nation (`withheld_across_forces`), the same decision the API
and the files read. A force's cell is then withheld alike on the overview, its own page, compare
and in every download, and no total on any of them gives it away.

Channels and local lenses add up to nothing shown, so each of their ladders is protected on its
own row, as in the exports. Mobility's "moved up" is a table of its own: each force's movers and
non-movers, with the same region and nation sums.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from dashboard import page_selectors
from engagement.store.suppression import (
    NATION,
    cells_to_withhold,
    force_row,
    hierarchy,
    is_on,
    region_row,
    suppression_note,
    with_sums,
    withheld_across_forces,
    withheld_in_table,
)

Withheld = frozenset[int]
NOTHING: Withheld = frozenset()
# "Moved up" as a two-cell row: those who moved up and those who did not (the row's total, the
# citizens engaged in the earlier period, is on the page).
MOVED, STAYED = 1, 2


@dataclass(frozen=True)
class PageProtection:
    """What one reader may not see on the pages of one snapshot, period type and platform."""

    threshold: int = 0
    by_period: Mapping[str, Mapping[Hashable, Withheld]] = field(default_factory=dict)

    @property
    def on(self) -> bool:
        return is_on(self.threshold)

    @property
    def note(self) -> str:
        return suppression_note(self.threshold) if self.on else ""

    def force(self, period: str | None, slug: str) -> Withheld:
        return self.by_period.get(period or "", {}).get(force_row(slug), NOTHING)

    def region(self, period: str | None, name: str) -> Withheld:
        return self.by_period.get(period or "", {}).get(region_row(name), NOTHING)

    def nation(self, period: str | None) -> Withheld:
        return self.by_period.get(period or "", {}).get(NATION, NOTHING)

    def alone(self, counts: Mapping[int, int | None]) -> Withheld:
        """A ladder that adds up to nothing shown (a channel, a local lens)."""
        return frozenset(cells_to_withhold(counts, threshold=self.threshold))


OFF = PageProtection()


def page_protection(
    snapshot, *, period_type: str, periods: tuple[str, ...], platform: str, threshold: int
) -> PageProtection:
    """The withheld cells of every period of a type, decided once per snapshot and threshold
    (cached with the snapshot's figures): the same cells on every page and for every reader."""
    if not is_on(threshold):
        return OFF

    def compute() -> PageProtection:
        held = page_selectors.overview_figures(
            snapshot, period_type=period_type, periods=periods, platform=platform
        )
        by_period = {
            period: withheld_across_forces(
                ((f.slug, f.region, f.counts) for f in forces), threshold=threshold
            )
            for period, forces in held.items()
        }
        return PageProtection(threshold=threshold, by_period=by_period)

    return page_selectors.cached(
        snapshot, "withheld", period_type, periods, platform, threshold, compute=compute
    )


def page_protection_for(filters) -> PageProtection:
    """The protection of a page's filters (snapshot, period type, platform) for its reader."""
    return page_protection(
        filters.snapshot,
        period_type=filters.period_type,
        periods=filters.periods,
        platform=filters.platform,
        threshold=filters.threshold,
    )


def gives_away(cells: Iterable[tuple[int, int]], hidden: set[tuple[int, int]]) -> bool:
    """Whether a figure adding up some cells of a mobility matrix would reveal a withheld one:
    along a row or down a column it includes some of the withheld cells but not all (all of
    them together follow from the published total anyway)."""
    cells = set(cells)
    for line in (0, 1):  # rows (the rung before), then columns (the rung after)
        keys = {cell[line] for cell in hidden}
        for key in keys:
            in_line = {cell for cell in hidden if cell[line] == key}
            included = in_line & cells
            if included and included != in_line:
                return True
    return False


def moved_up_withheld(
    moved_up: Mapping[int, tuple[str, int, int]], *, threshold: int, forced: Iterable[int] = ()
) -> dict[Hashable, bool]:
    """Which "moved up" figures a reader may not see, by row (`force_row(pk)`, `region_row`,
    `NATION`), from {force pk: (region, moved up, engaged before)}: each row is its movers and
    non-movers, under the same region and nation sums as the ladders. `forced`: the forces whose
    figure would give a cell of their mobility matrix away."""
    sums = hierarchy({pk: region for pk, (region, _, _) in moved_up.items()})
    table = with_sums(
        {
            force_row(pk): {MOVED: moved, STAYED: of - moved}
            for pk, (_, moved, of) in moved_up.items()
        },
        sums,
    )
    withheld = withheld_in_table(
        table,
        sums=sums,
        threshold=threshold,
        exempt=NOTHING,
        forced=[(force_row(pk), MOVED) for pk in forced],
    )
    return {row: MOVED in positions for row, positions in withheld.items()}
