"""Small-number protection: published statistics about people must not single anyone out.

A count from 1 to `threshold - 1` (SUPPRESS_BELOW, 5 in usual practice; 0 turns it off) is
withheld, with every share computed from it, and written as `[c]` (confidential). Withholding one
cell is not enough: a scope and period's total is known (the force's population, or the engaged
total that any shown share gives away: citizens / share_of_engaged), so a single withheld cell
could be worked out by subtraction. Where a scope and period has exactly one cell withheld, the
next smallest non-zero count is withheld too (secondary suppression); then subtraction gives only
the sum of two withheld cells, never one of them.

Rung 0 (none: the residents nobody reached) is never withheld and never chosen as the second cell:
it counts nobody who engaged, and it is the population minus the engaged, so withholding it would
hide nothing the shares do not already give.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from django.conf import settings

SUPPRESSED = "[c]"
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


def protect_group(
    rows: Iterable[Mapping[str, object]],
    *,
    threshold: int,
    position: str = "rung_position",
    exempt: frozenset[int] = EXEMPT,
) -> list[dict]:
    """One group's rows (a dict per cell, with its `position` and `citizens`), protected."""
    rows = [dict(row) for row in rows]
    withheld = cells_to_withhold(
        {row[position]: row["citizens"] for row in rows}, threshold=threshold, exempt=exempt
    )
    return [withheld_row(row) if row[position] in withheld else row for row in rows]


def protect_counts(
    counts: Mapping[int, int | None], *, threshold: int
) -> dict[int, int | str | None]:
    """Counts by rung position, with the withheld ones replaced by the marker (for pages)."""
    withheld = cells_to_withhold(counts, threshold=threshold)
    return {
        position: SUPPRESSED if position in withheld else count
        for position, count in counts.items()
    }


def protected(
    rows: Iterable[Mapping[str, object]], *, threshold: int, group_key, **cells
) -> Iterator[dict]:
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


def withheld_on_page(
    rows: list[dict], *, whole_groups, group_key, threshold: int, **cells
) -> list[dict]:
    """A page of rows (the API's), each with `suppressed`, the withheld ones marked. A page may
    cut a group in two, so `whole_groups(keys)` reads every row of the page's groups (one
    query) before deciding."""
    if not is_on(threshold) or not rows:
        return [{**row, "suppressed": False} for row in rows]
    position = cells.get("position", "rung_position")
    keys = {group_key(row) for row in rows}
    decided = {
        (group_key(row), row[position])
        for row in protected(
            sorted(whole_groups(keys), key=lambda row: (str(group_key(row)), row[position])),
            threshold=threshold,
            group_key=group_key,
            **cells,
        )
        if row["citizens"] == SUPPRESSED
    }
    return [
        {**withheld_row(row), "suppressed": True}
        if (group_key(row), row[position]) in decided
        else {**row, "suppressed": False}
        for row in rows
    ]
