"""Small-number protection: published statistics about people must not single anyone out.

A count from 1 to `threshold - 1` (SUPPRESS_BELOW, 5 in usual practice; 0 turns it off) is
withheld, with every share computed from it, and written as `[c]` (confidential). Withholding one
cell is not enough: a scope and period's total is known (the force's population, or the engaged
total that any shown share gives away: citizens / share_of_engaged), so a single withheld cell
could be worked out by subtraction. Where a scope and period has exactly one cell withheld, the
next smallest non-zero count is withheld too (secondary suppression); then subtraction gives only
the sum of two withheld cells, never one of them.

Rung 0 (none: the residents nobody reached) is never chosen as the second cell: it counts nobody
who engaged, and it is the population minus the engaged, so withholding it would usually hide
nothing the shares do not already give. Except in one case: at force scope, when the only
non-zero rung among 1 to 6 is withheld, the population (public) minus rung 0 IS that rung. There
rung 0 and its share are withheld too (`rung_zero_gives_away`), and so is the engaged total the
pages show beside it.

A force's ladder is also added up, rung by rung, by its region and the nation, which the pages
show: a withheld force cell could be worked out down a column (the nation's Co-Designers minus
every other force's). So the force and platform scopes are decided for a whole period's table of
forces, regions and nation (`withheld_across_forces`: the same rule on every line, across and
down, until no line has exactly one cell withheld), and every reader (pages, API, files) reads
that one decision; a mobility matrix likewise, across and down (`matrix_withheld`). A channel adds
up to nothing published and is decided on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import Protocol

from django.conf import settings

from engagement.choices import WITHHELD

SUPPRESSED = WITHHELD
NONE_RUNG = 0
EXEMPT = frozenset({NONE_RUNG})
# Every share a row may carry: each is computed from the count, so each goes with it.
SHARE_FIELDS = ("share", "share_of_engaged", "share_of_population")


def is_on(threshold: int) -> bool:
    return threshold > 1


def threshold_for(user) -> int:
    """The threshold the API applies for a user: superusers and holders of
    engagement.view_small_numbers read every count; everyone else gets SUPPRESS_BELOW."""
    if user.is_superuser or user.has_perm("engagement.view_small_numbers"):
        return 0
    return settings.SUPPRESS_BELOW


def suppression_note(threshold: int) -> str:
    """The one line a protected file or answer carries, so a reader knows what [c] means."""
    return (
        f"{SUPPRESSED} = a count from 1 to {threshold - 1} (and the shares from it), withheld so "
        "that nobody can be singled out; where one such cell would follow from a total, the next "
        "smallest count is withheld too"
    )


def cells_to_withhold(
    counts: Mapping[int, int | None], *, threshold: int, exempt: frozenset[int] = EXEMPT
) -> set[int]:
    """The positions to withhold in one group (a scope and period's rungs; a row of a mobility
    matrix), from its counts by position. `exempt` positions are never withheld (rung 0 of a
    distribution; a mobility row has none: "not engaged" next period are people who left)."""
    if not is_on(threshold):
        return set()
    people = {position: count for position, count in counts.items() if position not in exempt}
    withheld = {position for position, count in people.items() if count and count < threshold}
    if len(withheld) == 1:
        others = sorted(
            (count, position)
            for position, count in people.items()
            if count and position not in withheld
        )
        if others:
            withheld.add(others[0][1])
    return withheld


def withheld_row(row: Mapping[str, object]) -> dict[str, object]:
    """A row with its count and every share from it replaced by the marker (a share the row
    does not have, such as a channel's share of the population, stays unknown)."""
    return {
        **row,
        "citizens": SUPPRESSED,
        **{name: SUPPRESSED for name in SHARE_FIELDS if row.get(name) is not None},
    }


# How a group's withheld positions are decided, from its rows: by default the group on its own
# (`cells_to_withhold`); a group that other published figures add up (a force's ladder, by its
# region and the nation; a row of a mobility matrix, by its columns) reads the decision of its
# whole table instead (`AcrossForces` in engagement.store.selectors, `WholeMatrices` in
# engagement.store.mobility), the same one the pages show.
Decide = Callable[[list[dict]], Iterable[int]]


def protect_group(
    rows: Iterable[Mapping[str, object]],
    *,
    threshold: int,
    position: str = "rung_position",
    exempt: frozenset[int] = EXEMPT,
    decide: Decide | None = None,
) -> list[dict]:
    """One group's rows (a dict per cell, with its `position` and `citizens`), protected."""
    rows = [dict(row) for row in rows]
    if decide is not None and is_on(threshold):
        withheld = set(decide(rows))
    else:
        withheld = cells_to_withhold(
            {row[position]: row["citizens"] for row in rows}, threshold=threshold, exempt=exempt
        )
    return [withheld_row(row) if row[position] in withheld else row for row in rows]


Cell = tuple[Hashable, int]  # (a row of a table, a rung position)


def withheld_in_table(
    counts: Mapping[Hashable, Mapping[int, int | None]],
    *,
    sums: Mapping[Hashable, Iterable[Hashable]],
    threshold: int,
    exempt: frozenset[int] = EXEMPT,
    forced: Iterable[Cell] = (),
) -> dict[Hashable, frozenset[int]]:
    """The positions to withhold in every row of a table of ladders, by row.

    `counts` holds each row's counts by position; `sums` names the rows a row adds up, position
    by position (a region its forces, the nation its regions). Each row's own total is known (its
    shares give it away), and so is each sum, so every row and every (sum, parts) column is a line
    in which one withheld cell alone would follow by subtraction: where a line has exactly one,
    its smallest other non-zero cell is withheld too, and so on until every line holds none or
    at least two (a fixed point: cells are only ever added). `forced` cells are withheld
    whatever their counts (another table's decision gives them away otherwise).
    """
    if not is_on(threshold):
        return {row: frozenset() for row in counts}
    value: dict[Cell, int] = {
        (row, position): count or 0
        for row, cells in counts.items()
        for position, count in cells.items()
        if position not in exempt
    }
    lines: list[list[Cell]] = [
        [(row, position) for position in cells if position not in exempt]
        for row, cells in counts.items()
    ]
    for total, parts in sums.items():
        parts = list(parts)
        positions = {p for row in (total, *parts) for p in counts.get(row, {})} - exempt
        lines.extend([(total, p), *((part, p) for part in parts)] for p in sorted(positions))
    withheld = {cell for cell, count in value.items() if 0 < count < threshold}
    withheld.update(cell for cell in forced if value.get(cell))
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in withheld for cell in line) != 1:
                continue
            others = sorted(
                (value.get(cell, 0), repr(cell), cell)
                for cell in line
                if cell not in withheld and value.get(cell, 0)
            )
            if others:
                withheld.add(others[0][2])
                changed = True
    by_row: dict[Hashable, set[int]] = {row: set() for row in counts}
    for row, position in withheld:
        by_row[row].add(position)
    return {row: frozenset(positions) for row, positions in by_row.items()}


# --- The table of forces the pages and files show: each region adds its forces up, the nation
# its regions, rung by rung.

NATION: Hashable = ("nation", "")


def force_row(key: str | int) -> Hashable:
    """A force's row: by slug in the ladders' table, by pk in the pages' "moved up" one."""
    return ("force", key)


def region_row(name: str) -> Hashable:
    return ("region", name)


def hierarchy(region_of: Mapping[str | int, str]) -> dict[Hashable, tuple[Hashable, ...]]:
    """The sums: each region adds its forces up, the nation its regions."""
    regions: dict[str, list[Hashable]] = {}
    for key, region in region_of.items():
        regions.setdefault(region, []).append(force_row(key))
    return {
        **{region_row(region): tuple(forces) for region, forces in regions.items()},
        NATION: tuple(region_row(region) for region in regions),
    }


def with_sums(
    counts: Mapping[Hashable, Mapping[int, int | None]], sums: Mapping[Hashable, Iterable]
) -> dict[Hashable, dict[int, int]]:
    """The rows and every sum row added up from them, position by position (a sum of sums
    after its parts: `hierarchy` lists the regions before the nation)."""
    table = {row: {p: count or 0 for p, count in cells.items()} for row, cells in counts.items()}
    for total, parts in sums.items():
        added: dict[int, int] = {}
        for part in parts:
            for position, count in table.get(part, {}).items():
                added[position] = added.get(position, 0) + count
        table[total] = added
    return table


def rung_zero_gives_away(counts: Mapping[int, int | None], withheld: Iterable[int]) -> bool:
    """Whether a force's rung 0 would reveal a withheld rung: rung 0 is known (not None) and the
    only non-zero rung among 1 to 6 is withheld, so population minus rung 0 is its count."""
    engaged = {position for position, count in counts.items() if position != NONE_RUNG and count}
    return counts.get(NONE_RUNG) is not None and len(engaged) == 1 and engaged <= set(withheld)


def withheld_across_forces(
    forces: Iterable[tuple[str, str, Mapping[int, int | None]]], *, threshold: int
) -> dict[Hashable, frozenset[int]]:
    """One period's decision for every force (slug, region, counts by rung), its region and the
    nation: by row, `force_row(slug)`, `region_row(name)` and `NATION`. Every reader of the force
    (or platform) scope reads this one decision: the pages, the API and the files. A force's rung
    0 is in it where it would give its only engaged rung away (`rung_zero_gives_away`)."""
    forces = list(forces)
    sums = hierarchy({slug: region for slug, region, _ in forces})
    table = with_sums({force_row(slug): counts for slug, _, counts in forces}, sums)
    decided = withheld_in_table(table, sums=sums, threshold=threshold)
    for slug, _, counts in forces:
        row = force_row(slug)
        if rung_zero_gives_away(counts, decided[row]):
            decided[row] = decided[row] | {NONE_RUNG}
    return decided


AFTER: Hashable = ("after", "")


def matrix_withheld(
    matrix: Mapping[tuple[int, int], int | None], *, threshold: int
) -> set[tuple[int, int]]:
    """A mobility matrix's withheld cells, (rung before, rung after). Its rows add up to the
    rungs before and its columns to the rungs after, both published ladders, so both are lines
    (`withheld_in_table`, the columns as a sum row); nothing is exempt: "not engaged" next
    period is people too."""
    if not is_on(threshold) or not matrix:
        return set()
    rows: dict[Hashable, dict[int, int | None]] = {}
    for (before, after), count in matrix.items():
        rows.setdefault(before, {})[after] = count
    sums = {AFTER: tuple(rows)}
    withheld = withheld_in_table(
        with_sums(rows, sums), sums=sums, threshold=threshold, exempt=frozenset()
    )
    return {(before, after) for before in rows for after in withheld[before]}


def protected(
    rows: Iterable[Mapping[str, object]], *, threshold: int, group_key, **cells
) -> Iterator[dict]:  # cells: position, exempt and decide, as protect_group takes them
    """A stream of rows, grouped as they arrive (`group_key` names the group of a row),
    protected one group at a time (`cells`: how protect_group finds them): memory stays flat."""
    if not is_on(threshold):
        yield from (dict(row) for row in rows)
        return
    group: list[Mapping[str, object]] = []
    current = object()
    for row in rows:
        key = group_key(row)
        if group and key != current:
            yield from protect_group(group, threshold=threshold, **cells)
            group = []
        current = key
        group.append(row)
    if group:
        yield from protect_group(group, threshold=threshold, **cells)


class Decision(Protocol):
    """How one kind of rows is protected: how its rows group, which key holds a cell's
    position, how to read the whole of some groups, and which positions of a group to withhold
    (`AcrossForces` for the distributions, `WholeMatrices` for mobility)."""

    position: str

    def group_key(self, row: Mapping[str, object]) -> Hashable: ...

    def whole_groups(self, keys: set[Hashable]) -> Iterable[dict]: ...

    def __call__(self, rows: list[dict]) -> Iterable[int]: ...


def protected_by(
    rows: Iterable[Mapping[str, object]], decision: Decision, *, threshold: int
) -> Iterator[dict]:
    """A stream of rows grouped as `decision` groups them, protected as it decides."""
    return protected(
        rows,
        threshold=threshold,
        group_key=decision.group_key,
        position=decision.position,
        decide=decision,
    )


def withheld_on_page(rows: list[dict], *, decision: Decision, threshold: int) -> list[dict]:
    """A page of rows (the API's), each with `suppressed`, the withheld ones marked. A page may
    cut a group in two, so `decision.whole_groups(keys)` reads every row of the page's groups
    (one query) before deciding."""
    if not is_on(threshold) or not rows:
        return [{**row, "suppressed": False} for row in rows]
    position, group_key = decision.position, decision.group_key
    keys = {group_key(row) for row in rows}
    whole = sorted(
        decision.whole_groups(keys), key=lambda row: (str(group_key(row)), row[position])
    )
    decided = {
        (group_key(row), row[position])
        for row in protected_by(whole, decision, threshold=threshold)
        if row["citizens"] == SUPPRESSED
    }
    return [
        {**withheld_row(row), "suppressed": True}
        if (group_key(row), row[position]) in decided
        else {**row, "suppressed": False}
        for row in rows
    ]
