"""Mobility: are people moving up the ladder? The rule in words, then its SQL.

Read this module top to bottom. It is LADDER.md's "Mobility" as code, next to
engagement.ladder.counting (the distributions), whose rollups it reads; engagement.ladder.recompute
calls it in the same steps as the counting, into the same snapshot.

The rule
========
At force scope, for each period type and each pair of consecutive periods in range (2026-03 ->
2026-04, 2026-Q1 -> 2026-Q2, 2025 -> 2026, 2025-26 -> 2026-27): every citizen engaged (rung 1 or
above) in either period is counted once, by the pair (rung in the first period, rung in the
next), 0 meaning not engaged in that period. A citizen is a person: the identifiers a force's
links join count once there, at their highest rung (see counting.py, "The rules").

- (1, 2) is a Passive citizen who reached Conversation; (3, 0) someone at Participation who was
  not engaged next period (a leaver); (0, 1) a newcomer. (0, 0) is never counted: nobody is
  counted for not being there twice.
- The rungs are those of the distribution, lasting states included: a follower who stays is
  (1, 1) in every pair while the follow lasts, though they did nothing new.
- A citizen's rung in a period is their highest in the force over the whole period (a quarter is
  not its three months: someone active in only one month of each quarter is engaged in both).

So, for one force and pair, the citizens of the pair add up to the engaged of the first period
(every row with from_rung >= 1) plus the newcomers (from_rung 0); and to the engaged of the next
period (to_rung >= 1) plus the leavers (to_rung 0). The tests check both against the
distributions.

How it is computed
==================
One SQL statement per force, over the rollups counting.py keeps (CitizenMonth: a citizen's
highest rung from moments per channel and month; LastingState: each lasting state as a span of
months), for the pairs to (re)compute:

  pair_ids  the pairs (passed in as VALUES, with their labels) as two period ids of the
            calendar: the work is grouped on small integers, and labels join back in at the end;
  reached   every (person, period, rung) a person reached in the force (each identifier read
            as its person through the person table, as counting does): moments joined to the
            periods holding their month, states joined to every period they touch (opened no
            later than its last month, closed, or the horizon while open, no earlier than its
            first) - the same reading of the rollups as the distribution's;
  in_force  each citizen's highest rung per period (rung 1 or above);
  sides     each citizen's rung put on both pairs it belongs to: as the "from" side of the pair
            that starts in the period (to_rung 0) and as the "to" side of the pair that ends in
            it (from_rung 0);
  moves     one row per citizen and pair: the max of each side, so a citizen in both periods
            gets both rungs and one in only one period keeps 0 on the other side. No outer join
            is needed, and (0, 0) cannot arise;
  counted   the citizens per pair, from_rung and to_rung.

Incremental runs follow the distributions: a force recounted from month M (see counting.py step
6) recomputes the pairs whose later period ends at or after M (a pair changes only when one of
its periods does, and the later one ends last); the other pairs, and every pair of the forces not
recounted, are copied from the previous snapshot.

Reading it back
===============
"Moved up" (overview, compare, the force page) is the share of the citizens engaged in the
earlier period (from_rung 1 or above) who stand on a higher rung in the next: from_rung >= 1 and
to_rung > from_rung. Its denominator counts the leavers (they did not move up); newcomers are not
in it (they were not on the ladder to move from). See `moved_up` below.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection

from engagement.ladder.counting import (
    Difference,
    Engine,
    UnchangedCopy,
    _calendar_cte,
    _changed_persons,
    _cursor,
    _values,
    periods_in_range,
)
from engagement.ladder.periods import Period, months_in
from engagement.models import PeriodType

# ---------------------------------------------------------------------------------------------
# The pairs: consecutive periods of one type, in range.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    before: Period
    after: Period


def pairs_in_range(first_month: int, horizon_month: int) -> list[Pair]:
    """Every pair of consecutive periods, of each type, from the range's first to its last."""
    periods = periods_in_range(first_month, horizon_month)
    pairs = []
    for period_type in PeriodType.values:
        of_type = [period for period in periods if period.period_type == period_type]
        pairs += [Pair(before, after) for before, after in zip(of_type, of_type[1:], strict=False)]
    return pairs


def pairs_to_recount(first_month: int, horizon_month: int, recount_from: int | None) -> list[Pair]:
    """The pairs whose later period ends at or after `recount_from` (all of them when None)."""
    pairs = pairs_in_range(first_month, horizon_month)
    if recount_from is None:
        return pairs
    return [pair for pair in pairs if months_in(pair.after)[-1] >= recount_from]


def _pairs_cte(pairs: list[Pair], params: dict) -> str:
    rows = [
        (number, pair.before.period_type, pair.before.label, pair.after.label)
        for number, pair in enumerate(pairs)
    ]
    return _values("pairs", ("pair_id", "period_type", "from_period", "to_period"), rows, params)


def _periods_of(pairs: list[Pair]) -> Iterator[Period]:
    seen: set[Period] = set()
    for pair in pairs:
        for period in (pair.before, pair.after):
            if period not in seen:
                seen.add(period)
                yield period


INSERT_TRANSITIONS = """
INSERT INTO engagement_transition
    (snapshot_id, period_type, from_period, to_period, force_id, from_rung, to_rung, citizens)"""

# ---------------------------------------------------------------------------------------------
# Step M1. One force's pairs, from the rollups.
# ---------------------------------------------------------------------------------------------

DELETE_FORCE_SQL = """
DELETE FROM engagement_transition WHERE snapshot_id = %(snapshot)s AND force_id = %(force)s
"""

MOVES_SQL = """
{insert}
WITH {calendar},
{pairs},
pair_ids AS (
    SELECT x.pair_id, f.period_id AS from_id, t.period_id AS to_id
    FROM pairs x
    JOIN periods f ON f.period_type = x.period_type AND f.period = x.from_period
    JOIN periods t ON t.period_type = x.period_type AND t.period = x.to_period
),
persons AS (
    SELECT citizen_id, person FROM engagement_linkedcitizen WHERE force_id = %(force)s
),
reached AS (
    SELECT COALESCE(lp.person, m.citizen_id) AS citizen_id, c.period_id, m.rung_position
    FROM engagement_citizenmonth m
    JOIN calendar c ON c.month = m.month
    LEFT JOIN persons lp ON lp.citizen_id = m.citizen_id
    WHERE m.definition_id = %(definition)s AND m.force_id = %(force)s {only_moments}
    UNION ALL
    SELECT COALESCE(lp.person, s.citizen_id), p.period_id, s.rung_position
    FROM engagement_lastingstate s
    LEFT JOIN persons lp ON lp.citizen_id = s.citizen_id
    JOIN periods p
      ON s.opened_month <= p.last_month
     AND COALESCE(s.closed_month, %(horizon_month)s) >= p.first_month
    WHERE s.definition_id = %(definition)s AND s.force_id = %(force)s {only_states}
),
in_force AS (
    SELECT period_id, citizen_id, MAX(rung_position) AS rung_position
    FROM reached
    WHERE rung_position > 0
    GROUP BY period_id, citizen_id
),
sides AS (
    SELECT x.pair_id, f.citizen_id, f.rung_position AS from_rung, 0 AS to_rung
    FROM pair_ids x
    JOIN in_force f ON f.period_id = x.from_id
    UNION ALL
    SELECT x.pair_id, t.citizen_id, 0, t.rung_position
    FROM pair_ids x
    JOIN in_force t ON t.period_id = x.to_id
),
moves AS (
    SELECT pair_id, citizen_id, MAX(from_rung) AS from_rung, MAX(to_rung) AS to_rung
    FROM sides
    GROUP BY pair_id, citizen_id
),
counted AS (
    SELECT pair_id, from_rung, to_rung, COUNT(*) AS citizens
    FROM moves
    GROUP BY pair_id, from_rung, to_rung
)
SELECT %(snapshot)s, x.period_type, x.from_period, x.to_period, %(force)s, n.from_rung,
       n.to_rung, %(sign)s * n.citizens
FROM counted n
JOIN pairs x ON x.pair_id = n.pair_id
"""


def count_force_moves(
    *,
    snapshot_id: int,
    definition_id: int,
    force_id: int,
    first_month: int,
    horizon_month: int,
    recount_from: int | None,
    changed_sign: int | None = None,
    engine: Engine | None = None,
) -> int:
    """(Re)write one force's pairs from `recount_from` on into the snapshot; rows written.

    Deletes what an earlier delivery of the same step wrote first, so it is safe to run twice.
    With `changed_sign` (-1 or +1), counts only the changed persons into the difference
    instead, with that sign (counting by difference, counting.py step 7), and deletes nothing.
    """
    changed = changed_sign is not None
    params: dict = {
        "snapshot": snapshot_id,
        "definition": definition_id,
        "force": force_id,
        "sign": changed_sign or 1,
        "horizon_month": horizon_month,
    }
    with _cursor(engine) as cursor:
        if not changed:
            cursor.execute(DELETE_FORCE_SQL, params)
        pairs = pairs_to_recount(first_month, horizon_month, recount_from)
        calendar = _calendar_cte(_periods_of(pairs), first_month, horizon_month, params)
        if not pairs or calendar is None:
            return 0
        cursor.execute(
            MOVES_SQL.format(
                insert=INSERT_MOVES_DIFFERENCE if changed else INSERT_TRANSITIONS,
                only_moments=_changed_persons("m.citizen_id", changed),
                only_states=_changed_persons("s.citizen_id", changed),
                calendar=calendar,
                pairs=_pairs_cte(pairs, params),
            ),
            params,
        )
        return cursor.rowcount


# ---------------------------------------------------------------------------------------------
# Step M2 (incremental runs only). Copy the pairs that did not change.
# ---------------------------------------------------------------------------------------------
# A pair is copied when its force was not recounted, or when its later period ends before the
# force's recount_from month (the same test as the distributions' step 6, on the later period).

COPY_SQL = """
{insert}
WITH {calendar}{recounted}
SELECT %(snapshot)s, t.period_type, t.from_period, t.to_period, t.force_id, t.from_rung,
       t.to_rung, t.citizens
FROM engagement_transition t
JOIN periods p ON p.period_type = t.period_type AND p.period = t.to_period
{recount_join}
WHERE t.snapshot_id = %(previous)s {recount_filter}
"""


def copy_unchanged_moves(copy: UnchangedCopy) -> int:
    """Copy the pairs not recomputed from the previous snapshot; rows written."""
    return copy.execute(COPY_SQL, insert=INSERT_TRANSITIONS, alias="t")


# ---------------------------------------------------------------------------------------------
# Step M3 (instead of M1 and M2 for a force counted by difference, counting.py step 7).
# ---------------------------------------------------------------------------------------------
# The pairs are sums over persons too: the previous snapshot's pairs of the force plus the
# changed persons' pairs counted after (+1) and before (-1) their rollup rows were rebuilt.

INSERT_MOVES_DIFFERENCE = INSERT_TRANSITIONS.replace(
    "engagement_transition", "ladder_moves_difference"
)

APPLY_MOVES_DIFFERENCE_SQL = """
{insert}
SELECT %(snapshot)s, period_type, from_period, to_period, force_id, from_rung, to_rung,
       SUM(citizens)
FROM (
    SELECT period_type, from_period, to_period, force_id, from_rung, to_rung, citizens
    FROM engagement_transition
    WHERE snapshot_id = %(previous)s AND force_id = %(force)s
    UNION ALL
    SELECT period_type, from_period, to_period, force_id, from_rung, to_rung, citizens
    FROM ladder_moves_difference
) pairs
GROUP BY period_type, from_period, to_period, force_id, from_rung, to_rung
HAVING SUM(citizens) > 0
"""


def apply_moves_difference(difference: Difference) -> int:
    """The force's pairs: the previous snapshot's plus the difference; rows written."""
    with connection.cursor() as cursor:
        cursor.execute(DELETE_FORCE_SQL, difference.params)
    return difference.apply(APPLY_MOVES_DIFFERENCE_SQL, insert=INSERT_TRANSITIONS)


# ---------------------------------------------------------------------------------------------
# Reading a pair: the figures a chief officer quotes, each with its denominator.
# ---------------------------------------------------------------------------------------------

Matrix = dict[tuple[int, int], int]  # (from_rung, to_rung) -> citizens


def engaged_before(matrix: Matrix) -> int:
    """Citizens engaged in the earlier period: the denominator of "moved up" and of "lost"."""
    return sum(n for (before, _), n in matrix.items() if before > 0)


def engaged_after(matrix: Matrix) -> int:
    """Citizens engaged in the later period: the denominator of "newcomers"."""
    return sum(n for (_, after), n in matrix.items() if after > 0)


def is_moved_up(before: int, after: int) -> bool:
    """A pair of rungs that moved up: engaged in the earlier period, higher in the next."""
    return 0 < before < after


def is_newcomer(before: int, after: int) -> bool:
    """A pair of rungs of a newcomer: not engaged in the earlier period, engaged in the next."""
    return before == 0 and after > 0


def is_lost(before: int, after: int) -> bool:
    """A pair of rungs of someone lost: engaged in the earlier period, not in the next."""
    return before > 0 and after == 0


def moved_up(matrix: Matrix) -> int:
    """Citizens engaged in the earlier period who stand on a higher rung in the next."""
    return sum(n for cell, n in matrix.items() if is_moved_up(*cell))


def newcomers(matrix: Matrix) -> int:
    """Citizens engaged in the later period who were not engaged in the earlier one."""
    return sum(n for cell, n in matrix.items() if is_newcomer(*cell))


def lost(matrix: Matrix) -> int:
    """Citizens engaged in the earlier period who were not engaged in the next."""
    return sum(n for cell, n in matrix.items() if is_lost(*cell))


def from_rungs(matrix: Matrix, positions: Iterable[int]) -> int:
    """Citizens who stood at one of `positions` in the earlier period."""
    wanted = set(positions)
    return sum(n for (before, _), n in matrix.items() if before in wanted)


def from_rungs_to_at_least(matrix: Matrix, positions: Iterable[int], at_least: int) -> int:
    """Of the citizens at one of `positions` before, those at `at_least` or above after."""
    wanted = set(positions)
    return sum(n for (before, after), n in matrix.items() if before in wanted and after >= at_least)
