"""How Ladder counts citizens on the ladder: the rules in words, then the SQL for each step.

The linking rule first, since it says what a "citizen" is below: the identifiers a force has
linked, with consent, directly or through others, are ONE PERSON in that force (and only there),
counted once at the highest rung any of them reached; lasting states stay per identifier.

Read this module top to bottom. It is the one place where LADDER.md's "The distribution" becomes
code; engagement.ladder.recompute decides *when* and *for which forces* these steps run (runs,
snapshots, locks, publishing), and never counts anything itself.

The rules
=========
For a definition version, a scope (a force: all its channels; a platform: the force's channels on
that platform; or one channel) and a period, each citizen stands on the HIGHEST rung position
among:

1. their interactions of a non-lasting kind in that scope that occurred in the period ("moments");
2. their lasting states in that scope that touch the period.

A kind maps to a rung, or to no rung (an ending kind such as unfollow). Interactions keep the kind
they were recorded with; under a version that does not know a kind, interactions of that kind
count for nothing (they find no partner in the join with the version's kinds).

A citizen here is a PERSON. A force may record, with consent, that two identifiers are one person
(engagement.ingest.links): links hold in the force that recorded them and only there, and are
transitive (A-X and X-B make A, X and B one person). Wherever a force's figures count citizens
(every scope, every period, rung 0, mobility), a person counts once, at the highest rung any of
their identifiers reached in that scope and period; an identifier linked to nobody is its own
person, and an identifier with no interactions counts for nothing but still joins a chain.
Lasting states stay per identifier (a follow by one account is not ended by another account's
unfollow): they are worked out per citizen and channel, and the person then takes the max.

A lasting kind (follow, subscribe) is a state, not a moment. On one channel, for one citizen:
- it opens at its first occurrence and stays open until the first `ended_by` kind after it;
- a second opening while open changes nothing; an ending with nothing open changes nothing;
- at the same instant, the opening counts first (so follow + unfollow at one instant is a state
  that opened and closed in that month);
- the state touches every period from the one it opened in to the one it closed in, both
  included; a state never closed touches every period up to the horizon.

The horizon is the latest `occurred_at` held. Periods run from the one holding the earliest
interaction to the one holding the horizon, for the four period types: month, quarter, calendar
year and financial year (April to March).

The distribution counts citizens at each rung 1 to 6. At force scope, rung 0 ("none") is the force
area's population minus the citizens counted at rungs 1 to 6, never below 0, and empty (NULL) when
the population is unknown. A force with a known population has force-scope figures for every
period in range, even one in which nobody engaged. At platform and channel scope there is no
rung 0.

Platform scope is not one of LADDER.md's export scopes: it exists so that a reader who picks a
platform (the dashboard) sees each citizen once, at the highest rung reached on any of the force's
channels on that platform, instead of a sum of channels that counts someone on two of them twice.

How it is computed
==================
All in the database, set-based: each step is one SQL statement over the interactions table, so
the worker's memory stays flat however many interactions there are. Works on PostgreSQL and on
SQLite (window functions, CTEs and INSERT ... SELECT exist on both), and in DuckDB, where a full
recount runs steps 2 to 4 and mobility on a copy of each force's data (engagement.ladder.columnar,
settings.COUNTING_ENGINE): the statements keep to what the three dialects share.

No step does time-zone arithmetic: every interaction carries its Europe/London calendar month as
an index (`local_month` = year * 12 + month - 1), fixed at import; quarters, years and financial
years are groups of those months (engagement.ladder.periods).

Two rollup tables, rebuilt force by force, make the nightly run cheap:

- CitizenMonth: each citizen's highest rung from moments, per channel and month (step 2);
- LastingState: each lasting state as a span of months, [opened_month, closed_month] with
  closed_month NULL while open (step 3).

Neither depends on the horizon (an open state is stored as open, and only the counting step
reads it "up to the horizon"), so a force whose interactions did not change keeps its rollup
rows as they are.

Both rollups stay per identifier (citizen): linking changes neither. The person of each linked
identifier is kept in a person table (LinkedCitizen, per force: citizen -> the lowest citizen id
of its group), rebuilt when the force's links change, never walked by a run; counting reads
COALESCE(person, citizen), so an unlinked citizen needs no row. A link recorded or withdrawn marks
stale the force's months where any identifier of a group it changed has interactions, so the next
incremental run recounts from there, exactly as a full run would.

Counting (step 4) takes, for every person, the max over the months of a period and over the
states touching it BEFORE counting: a quarter's figures are not the sum of its months' figures (a
citizen active in all three months is one citizen in the quarter). Force scope takes the max over
the force's channels, and platform scope the max over the force's channels on one platform, again
per citizen before counting. A state is never expanded into the periods it touches: states are
counted as openings and closings summed in period order, so a state lasting years costs what a
state lasting a month does.

Rung 0 (step 5) is written last from the counted rows and the current populations. Step 6
copies the figures an incremental run did not need to recount from the previous snapshot. Step 7
spares an incremental run most of step 4: when an import only added some citizens'
interactions, a force's figures are the previous ones with those citizens moved from their old
rung to their new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.db import connection

from engagement.choices import PeriodType, Scope
from engagement.ladder.periods import Period, months_in, periods_between
from forces.choices import Platform

# ---------------------------------------------------------------------------------------------
# Where the SQL runs
# ---------------------------------------------------------------------------------------------
# Steps 2 to 4 and mobility's M1 take an `engine`: None is Django's database; a full recount may
# run them in DuckDB instead, on a copy of the force's data (engagement.ladder.columnar). The
# SQL is the same text in both: it keeps to what the two dialects share.


class Engine(Protocol):
    """A database the counting SQL can run in, other than Django's own."""

    def cursor(self) -> AbstractContextManager[Any]: ...


def _cursor(engine: Engine | None) -> AbstractContextManager[Any]:
    """A cursor on the engine: Django's database when None."""
    return connection.cursor() if engine is None else engine.cursor()


# ---------------------------------------------------------------------------------------------
# Step 0. The range: from the earliest interaction's month to the horizon's month.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataRange:
    """The months that figures exist for, and the horizon instant itself."""

    first_month: int
    horizon_month: int
    horizon: datetime


# London months never run backwards in time, so the horizon's month is the largest month index.
# Both ends come force by force from the (force, month) index, a few index probes per force,
# without reading the table; the horizon reads one month of it.
RANGE_SQL = """
SELECT MIN(first_month), MAX(last_month) FROM (
    SELECT (SELECT MIN(i.local_month) FROM engagement_interaction i WHERE i.force_id = f.id)
               AS first_month,
           (SELECT MAX(i.local_month) FROM engagement_interaction i WHERE i.force_id = f.id)
               AS last_month
    FROM forces_force f
) force_months
"""
HORIZON_SQL = """
SELECT MAX((
    SELECT MAX(i.occurred_at) FROM engagement_interaction i
    WHERE i.force_id = f.id AND i.local_month = %(month)s
))
FROM forces_force f
"""


EARLIEST_SQL = """
SELECT MIN((
    SELECT MIN(i.occurred_at) FROM engagement_interaction i
    WHERE i.force_id = f.id AND i.local_month = %(month)s
))
FROM forces_force f
"""


def _instant(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):  # SQLite hands back UTC as text without an offset
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


def earliest_in_month(month: int) -> datetime | None:
    """The earliest interaction held in a London month (the first day the data cover, when the
    month is the range's first): a few index probes per force, like the horizon."""
    with connection.cursor() as cursor:
        cursor.execute(EARLIEST_SQL, {"month": month})
        (earliest,) = cursor.fetchone()
    return _instant(earliest)


def data_range() -> DataRange | None:
    """The range of the interactions held now; None when there are none."""
    with connection.cursor() as cursor:
        cursor.execute(RANGE_SQL)
        first_month, horizon_month = cursor.fetchone()
        if first_month is None:
            return None
        cursor.execute(HORIZON_SQL, {"month": horizon_month})
        (horizon,) = cursor.fetchone()
    return DataRange(first_month, horizon_month, _instant(horizon))


def periods_in_range(first_month: int, horizon_month: int) -> list[Period]:
    """Every period of the four types from the one holding `first_month` to the horizon's."""
    return [
        period
        for period_type in PeriodType.values
        for period in periods_between(period_type, first_month, horizon_month)
    ]


# ---------------------------------------------------------------------------------------------
# Step 1. The kinds of the definition version: slug -> rung position, lasting, ended_by.
# ---------------------------------------------------------------------------------------------
# Steps 2 and 3 start with this CTE. A kind the version does not know is simply absent,
# so the inner joins below drop its interactions: they count for nothing.

KINDS_CTE = """
kinds AS (
    SELECT k.slug, r.position AS rung_position, k.lasting, k.ended_by
    FROM engagement_interactionkind k
    LEFT JOIN engagement_rung r ON r.id = k.rung_id
    WHERE k.definition_id = %(definition)s
)"""


# ---------------------------------------------------------------------------------------------
# Step 2. Moments: each citizen's highest rung per channel and month (the CitizenMonth rollup).
# ---------------------------------------------------------------------------------------------
# Rule 1: an interaction of a non-lasting kind that reaches a rung counts in its own month.


def _month_filter(months: Iterable[int] | None, column: str, params: dict) -> str:
    """An SQL condition restricting `column` to `months` (all months when None)."""
    if months is None:
        return ""
    names = []
    for number, month in enumerate(sorted(set(months))):
        params[f"month_{number}"] = month
        names.append(f"%(month_{number})s")
    return f"AND {column} IN ({', '.join(names) or 'NULL'})"


def _changed_citizens(column: str, on: bool) -> str:
    """An SQL condition keeping only the changed citizens (identifiers) of counting by
    difference (step 7), or nothing when `on` is false."""
    return f"AND {column} IN (SELECT citizen_id FROM ladder_changed_citizens)" if on else ""


def _changed_persons(column: str, on: bool) -> str:
    """The same for every identifier of the persons the changed citizens belong to: a person
    counts whole. On the identifier column itself, so that the rollups are filtered as they are
    read, before any join."""
    return f"AND {column} IN (SELECT citizen_id FROM ladder_changed_persons)" if on else ""


DELETE_MOMENTS_SQL = """
DELETE FROM engagement_citizenmonth
WHERE definition_id = %(definition)s AND force_id = %(force)s {months} {only}
"""

INSERT_MOMENTS_SQL = """
INSERT INTO engagement_citizenmonth
    (definition_id, force_id, channel_id, citizen_id, month, rung_position)
WITH {kinds}
SELECT %(definition)s, i.force_id, i.channel_id, i.citizen_id, i.local_month,
       MAX(k.rung_position)
FROM engagement_interaction i
JOIN kinds k ON k.slug = i.kind AND NOT k.lasting AND k.rung_position IS NOT NULL
WHERE i.force_id = %(force)s {months} {only_interactions}
GROUP BY i.force_id, i.channel_id, i.citizen_id, i.local_month
"""


def rebuild_moments(
    *,
    definition_id: int,
    force_id: int,
    months: Iterable[int] | None,
    changed_only: bool = False,
    engine: Engine | None = None,
) -> int:
    """Rebuild a force's CitizenMonth rows for `months` (every month when None); only the
    changed citizens' rows when `changed_only` (counting by difference, step 7)."""
    params: dict = {"definition": definition_id, "force": force_id}
    months = list(months) if months is not None else None
    with _cursor(engine) as cursor:
        cursor.execute(
            DELETE_MOMENTS_SQL.format(
                months=_month_filter(months, "month", params),
                only=_changed_citizens("citizen_id", changed_only),
            ),
            params,
        )
        cursor.execute(
            INSERT_MOMENTS_SQL.format(
                kinds=KINDS_CTE,
                months=_month_filter(months, "i.local_month", params),
                only_interactions=_changed_citizens("i.citizen_id", changed_only),
            ),
            params,
        )
        return cursor.rowcount


# ---------------------------------------------------------------------------------------------
# Step 3. Lasting states as spans of months (the LastingState rollup).
# ---------------------------------------------------------------------------------------------
# Rule 2, for each channel, citizen and lasting kind, over the events in time order (openings
# before endings at the same instant):
#
#   triggers     the kinds that open a state (the lasting kind itself) or end it (its
#                ended_by kind), with the state they open or end;
#   events       every opening and every ending: each interaction of a trigger kind;
#   changes      each event with the type of the event before it (LAG);
#   transitions  only the events that change the state. After any opening the state is open
#                and after any ending it is closed, so an opening changes the state exactly when
#                the event before it is an ending or there is none, and an ending changes it
#                exactly when the event before it is an opening. This is how "a second opening
#                while open changes nothing" and "an ending with nothing open changes nothing"
#                become set-based;
#   states       transitions now alternate opening, ending, opening...: each opening's state
#                closes at the next transition (LEAD), or never (NULL: open to the horizon).
#
# A lasting kind that reaches no rung makes states that count for nothing: they are dropped.

# A change in month m cannot move a state that had closed before m, so an incremental run keeps
# those and replays only the events from m on. A state still open when m began is carried into
# the replay as an opening ahead of every event of m, with its own opened_month (`carried`). A
# full rebuild is the same statement from month 0: nothing carried, every event replayed. The
# new rows are written first (the carried ones are read from the old rows), then the old rows
# they replace are deleted.

INSERT_STATES_SQL = """
INSERT INTO engagement_lastingstate
    (definition_id, force_id, channel_id, citizen_id, kind, rung_position,
     opened_month, closed_month)
WITH {kinds},
carried AS (
    SELECT s.channel_id, s.citizen_id, s.kind AS state_kind, s.rung_position, s.opened_month
    FROM engagement_lastingstate s
    WHERE s.definition_id = %(definition)s AND s.force_id = %(force)s
      AND s.opened_month < %(from_month)s
      AND (s.closed_month IS NULL OR s.closed_month >= %(from_month)s) {only_carried}
),
triggers AS (
    SELECT slug AS kind, slug AS state_kind, rung_position, 0 AS is_end FROM kinds WHERE lasting
    UNION ALL
    SELECT ended_by, slug, rung_position, 1 FROM kinds WHERE lasting
),
events AS (
    SELECT i.channel_id, i.citizen_id, t.state_kind, t.rung_position,
           0 AS is_carried, i.occurred_at, i.local_month, t.is_end
    FROM engagement_interaction i
    JOIN triggers t ON t.kind = i.kind
    WHERE i.force_id = %(force)s AND i.local_month >= %(from_month)s {only_interactions}
    UNION ALL
    SELECT channel_id, citizen_id, state_kind, rung_position, 1, NULL, opened_month, 0
    FROM carried
),
changes AS (
    SELECT events.*,
           LAG(is_end) OVER (
               PARTITION BY channel_id, citizen_id, state_kind
               ORDER BY is_carried DESC, occurred_at, is_end
           ) AS previous_is_end
    FROM events
),
transitions AS (
    SELECT * FROM changes
    WHERE (is_end = 0 AND (previous_is_end IS NULL OR previous_is_end = 1))
       OR (is_end = 1 AND previous_is_end = 0)
),
states AS (
    SELECT channel_id, citizen_id, state_kind, rung_position, is_end,
           local_month AS opened_month,
           LEAD(local_month) OVER (
               PARTITION BY channel_id, citizen_id, state_kind
               ORDER BY is_carried DESC, occurred_at, is_end
           ) AS closed_month
    FROM transitions
)
SELECT %(definition)s, %(force)s, channel_id, citizen_id, state_kind, rung_position,
       opened_month, closed_month
FROM states
WHERE is_end = 0 AND rung_position IS NOT NULL
"""

LAST_STATE_SQL = "SELECT MAX(id) FROM engagement_lastingstate"

DELETE_STATES_SQL = """
DELETE FROM engagement_lastingstate
WHERE definition_id = %(definition)s AND force_id = %(force)s AND id <= %(last_id)s
  AND (opened_month >= %(from_month)s OR closed_month IS NULL
       OR closed_month >= %(from_month)s) {only}
"""


def rebuild_states(
    *,
    definition_id: int,
    force_id: int,
    from_month: int | None = None,
    changed_only: bool = False,
    engine: Engine | None = None,
) -> int:
    """Rebuild a force's LastingState rows: all of them, or (from_month given, the earliest
    month that changed) those open when that month began or opened since; only the changed
    citizens' when `changed_only` (step 7). Returns rows written."""
    params = {"definition": definition_id, "force": force_id, "from_month": from_month or 0}
    with _cursor(engine) as cursor:
        cursor.execute(LAST_STATE_SQL)
        (params["last_id"],) = cursor.fetchone()
        cursor.execute(
            INSERT_STATES_SQL.format(
                kinds=KINDS_CTE,
                only_carried=_changed_citizens("s.citizen_id", changed_only),
                only_interactions=_changed_citizens("i.citizen_id", changed_only),
            ),
            params,
        )
        written = cursor.rowcount
        if params["last_id"] is not None:
            cursor.execute(
                DELETE_STATES_SQL.format(only=_changed_citizens("citizen_id", changed_only)),
                params,
            )
        return written


# ---------------------------------------------------------------------------------------------
# Step 4. Counting one force's citizens per rung, at channel, platform and force scope.
# ---------------------------------------------------------------------------------------------
# The cost must follow the data, not the data times the history: a state held for three years
# must cost the same as one held for a month. So no step expands a state into the periods it
# touches. Instead, for each period type, every period has an index that is plain arithmetic on
# the month index (a quarter is month / 3, a financial year (month - 3) / 12: `types` below), and:
#
#   moments     each citizen's highest rung from moments per scope and period: the CitizenMonth
#               rows grouped by the period holding their month (only the periods recounted);
#   spans       each state as one span of period indexes per period type and scope (a constant
#               12 rows per state, whatever its length);
#   held        per citizen and scope, stretches of periods that never overlap, each with the
#               highest rung held over it, so that each counts once: a citizen's only span is
#               its own stretch; several spans are cut where any of them starts or ends
#               (`several`, `cuts`, `stretches`);
#   running     the stretches as events (+1 at the first period of a stretch, -1 after its last)
#               per scope and rung, summed in period order: the citizens holding a state at each
#               rung in every period, without visiting the periods in between;
#   mixed       only the citizens with moments in a period need their own max: their state rung
#               there (if any) is swapped for the higher of it and their moment rung.
#
# Everything is grouped on small integers (sorting text would cost more than the counting):
# period types, scopes (0 channel, 1 platform, 2 force) and platforms travel as numbers, with
# `scope_key` the channel at channel scope, the platform's number at platform scope, and 0 for
# the force. Labels join back in at the end.

PERIOD_INDEX = {
    # period type: (months per period, months to shift so that a period starts at a multiple)
    PeriodType.MONTH: (1, 0),
    PeriodType.QUARTER: (3, 0),
    PeriodType.YEAR: (12, 0),
    PeriodType.FINANCIAL_YEAR: (12, 3),
}
SCOPES = (Scope.CHANNEL, Scope.PLATFORM, Scope.FORCE)


def period_index(period: Period) -> int:
    """The period's index among periods of its type: the SQL below computes the same."""
    length, shift = PERIOD_INDEX[PeriodType(period.period_type)]
    return (period.start_month - shift) // length


COUNT_SQL = """
{insert}
WITH types (type_no, length, shift) AS (
    VALUES {types}
),
periods (type_no, period_index, period_type, period, period_start) AS (
    VALUES {periods}
),
scopes (scope_no, scope) AS (
    VALUES {scopes}
),
platforms (platform_no, platform) AS (
    VALUES {platforms}
),
persons AS (
    SELECT citizen_id, person FROM engagement_linkedcitizen WHERE force_id = %(force)s
),
channels AS (
    SELECT ch.id AS channel_id, pl.platform_no
    FROM forces_channel ch
    JOIN platforms pl ON pl.platform = ch.platform
    WHERE ch.force_id = %(force)s
),
on_channel AS (
    SELECT p.type_no, p.period_index, m.channel_id, c.platform_no,
           COALESCE(lp.person, m.citizen_id) AS citizen_id,
           MAX(m.rung_position) AS rung_position
    FROM engagement_citizenmonth m
    JOIN channels c ON c.channel_id = m.channel_id
    LEFT JOIN persons lp ON lp.citizen_id = m.citizen_id
    CROSS JOIN types t
    JOIN periods p ON p.type_no = t.type_no AND p.period_index = (m.month - t.shift) / t.length
    WHERE m.definition_id = %(definition)s AND m.force_id = %(force)s
      AND m.month >= %(from_month)s {only_moments}
    GROUP BY p.type_no, p.period_index, m.channel_id, c.platform_no,
             COALESCE(lp.person, m.citizen_id)
),
moments AS (
    SELECT type_no, period_index, 0 AS scope_no, channel_id AS scope_key, citizen_id,
           rung_position
    FROM on_channel
    UNION ALL
    SELECT type_no, period_index, 1, platform_no, citizen_id, MAX(rung_position)
    FROM on_channel
    GROUP BY type_no, period_index, platform_no, citizen_id
    UNION ALL
    SELECT type_no, period_index, 2, 0, citizen_id, MAX(rung_position)
    FROM on_channel
    GROUP BY type_no, period_index, citizen_id
),
spans AS (
    SELECT t.type_no, sc.scope_no,
           CASE sc.scope_no WHEN 0 THEN s.channel_id WHEN 1 THEN c.platform_no ELSE 0 END
               AS scope_key,
           COALESCE(lp.person, s.citizen_id) AS citizen_id, s.rung_position,
           (s.opened_month - t.shift) / t.length AS first_index,
           (COALESCE(s.closed_month, %(horizon_month)s) - t.shift) / t.length AS last_index
    FROM engagement_lastingstate s
    JOIN channels c ON c.channel_id = s.channel_id
    LEFT JOIN persons lp ON lp.citizen_id = s.citizen_id
    CROSS JOIN types t
    CROSS JOIN scopes sc
    WHERE s.definition_id = %(definition)s AND s.force_id = %(force)s
      AND COALESCE(s.closed_month, %(horizon_month)s) >= %(from_month)s {only_states}
),
span_counts AS (
    SELECT type_no, scope_no, scope_key, citizen_id, COUNT(*) AS spans
    FROM spans
    GROUP BY type_no, scope_no, scope_key, citizen_id
),
several AS (
    SELECT s.*
    FROM spans s
    JOIN span_counts n
      ON n.type_no = s.type_no AND n.scope_no = s.scope_no AND n.scope_key = s.scope_key
     AND n.citizen_id = s.citizen_id
    WHERE n.spans > 1
),
cuts AS (
    SELECT type_no, scope_no, scope_key, citizen_id, first_index AS period_index FROM several
    UNION
    SELECT type_no, scope_no, scope_key, citizen_id, last_index + 1 FROM several
),
stretches AS (
    SELECT cuts.*,
           LEAD(period_index) OVER (
               PARTITION BY type_no, scope_no, scope_key, citizen_id ORDER BY period_index
           ) - 1 AS last_index
    FROM cuts
),
held AS (
    SELECT s.type_no, s.scope_no, s.scope_key, s.citizen_id, s.first_index, s.last_index,
           s.rung_position
    FROM spans s
    JOIN span_counts n
      ON n.type_no = s.type_no AND n.scope_no = s.scope_no AND n.scope_key = s.scope_key
     AND n.citizen_id = s.citizen_id
    WHERE n.spans = 1
    UNION ALL
    SELECT g.type_no, g.scope_no, g.scope_key, g.citizen_id, g.period_index, g.last_index,
           MAX(s.rung_position)
    FROM stretches g
    JOIN several s
      ON s.type_no = g.type_no AND s.scope_no = g.scope_no AND s.scope_key = g.scope_key
     AND s.citizen_id = g.citizen_id
     AND s.first_index <= g.period_index AND s.last_index >= g.period_index
    WHERE g.last_index IS NOT NULL
    GROUP BY g.type_no, g.scope_no, g.scope_key, g.citizen_id, g.period_index, g.last_index
),
running AS (
    SELECT type_no, scope_no, scope_key, rung_position, period_index AS from_index,
           LEAD(period_index) OVER (
               PARTITION BY type_no, scope_no, scope_key, rung_position ORDER BY period_index
           ) AS next_index,
           SUM(change) OVER (
               PARTITION BY type_no, scope_no, scope_key, rung_position ORDER BY period_index
           ) AS citizens
    FROM (
        SELECT type_no, scope_no, scope_key, rung_position, period_index, SUM(change) AS change
        FROM (
            SELECT type_no, scope_no, scope_key, rung_position, first_index AS period_index,
                   1 AS change
            FROM held
            UNION ALL
            SELECT type_no, scope_no, scope_key, rung_position, last_index + 1, -1
            FROM held
        ) events
        GROUP BY type_no, scope_no, scope_key, rung_position, period_index
    ) steps
),
mixed AS (
    SELECT m.type_no, m.period_index, m.scope_no, m.scope_key,
           m.rung_position AS moment_rung, h.rung_position AS state_rung
    FROM moments m
    LEFT JOIN held h
      ON h.type_no = m.type_no AND h.scope_no = m.scope_no AND h.scope_key = m.scope_key
     AND h.citizen_id = m.citizen_id
     AND m.period_index BETWEEN h.first_index AND h.last_index
),
tally AS (
    SELECT r.type_no, p.period_index, r.scope_no, r.scope_key, r.rung_position, r.citizens
    FROM running r
    JOIN periods p
      ON p.type_no = r.type_no AND p.period_index >= r.from_index
     AND (r.next_index IS NULL OR p.period_index < r.next_index)
    WHERE r.citizens <> 0
    UNION ALL
    SELECT type_no, period_index, scope_no, scope_key,
           CASE WHEN state_rung > moment_rung THEN state_rung ELSE moment_rung END, 1
    FROM mixed
    UNION ALL
    SELECT type_no, period_index, scope_no, scope_key, state_rung, -1
    FROM mixed
    WHERE state_rung IS NOT NULL
),
counted AS (
    SELECT type_no, period_index, scope_no, scope_key, rung_position, SUM(citizens) AS citizens
    FROM tally
    GROUP BY type_no, period_index, scope_no, scope_key, rung_position
    HAVING SUM(citizens) > 0
)
SELECT %(snapshot)s, p.period_type, p.period, p.period_start, sc.scope, %(force)s,
       CASE WHEN n.scope_no = 0 THEN n.scope_key END, COALESCE(pl.platform, ''),
       n.rung_position, %(sign)s * n.citizens
FROM counted n
JOIN periods p ON p.type_no = n.type_no AND p.period_index = n.period_index
JOIN scopes sc ON sc.scope_no = n.scope_no
LEFT JOIN platforms pl ON n.scope_no = 1 AND pl.platform_no = n.scope_key
"""


def count_force(
    *,
    snapshot_id: int,
    definition_id: int,
    force_id: int,
    periods: Iterable[Period],
    first_month: int,
    horizon_month: int,
    changed_sign: int | None = None,
    engine: Engine | None = None,
) -> int:
    """Write one force's rung 1 to 6 rows for `periods` into the snapshot; returns rows written.

    With `changed_sign` (-1 or +1), count only the changed persons into the difference
    instead, with that sign (step 7)."""
    periods = list(periods)
    if not periods:
        return 0
    params: dict = {
        "snapshot": snapshot_id,
        "definition": definition_id,
        "force": force_id,
        "sign": changed_sign or 1,
        "horizon_month": horizon_month,
        "from_month": max(first_month, min(period.start_month for period in periods)),
    }
    type_numbers = {period_type: number for number, period_type in enumerate(PERIOD_INDEX)}
    types = [
        f"({type_numbers[period_type]}, {length}, {shift})"
        for period_type, (length, shift) in PERIOD_INDEX.items()
    ]
    rows = []
    for number, period in enumerate(periods):
        params[f"p{number}_type"] = period.period_type
        params[f"p{number}_label"] = period.label
        params[f"p{number}_start"] = period.start
        rows.append(
            f"({type_numbers[PeriodType(period.period_type)]}, {period_index(period)}, "
            f"%(p{number}_type)s, %(p{number}_label)s, %(p{number}_start)s)"
        )
    scopes = []
    for number, scope in enumerate(SCOPES):
        params[f"scope{number}"] = scope.value
        scopes.append(f"({number}, %(scope{number})s)")
    platforms = []
    for number, platform in enumerate(Platform.values):
        params[f"platform{number}"] = platform
        platforms.append(f"({number}, %(platform{number})s)")
    changed = changed_sign is not None
    sql = COUNT_SQL.format(
        insert=INSERT_DIFFERENCE if changed else INSERT_DISTRIBUTION,
        only_moments=_changed_persons("m.citizen_id", changed),
        only_states=_changed_persons("s.citizen_id", changed),
        types=", ".join(types),
        periods=", ".join(rows),
        scopes=", ".join(scopes),
        platforms=", ".join(platforms),
    )
    with _cursor(engine) as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# ---------------------------------------------------------------------------------------------
# Step 5. Rung 0 at force scope, for every force and every period in range.
# ---------------------------------------------------------------------------------------------
# Population minus the citizens counted at rungs 1 to 6, never below 0; NULL when the population
# is unknown (a row is then written only where somebody engaged, so the force still shows).
# Written from the snapshot's own rows, so it always uses today's populations, even in an
# incremental run that copied the rest.

# Steps 5 and 6 pass the calendar in as VALUES: `periods`, one row per period with its first and
# last month in range, and `calendar`, one row per (month, period) pair.


def _values(name: str, columns: tuple[str, ...], rows: list[tuple], params: dict) -> str:
    """A CTE `name (columns) AS (VALUES ...)` holding `rows`, every value a query parameter."""
    cells = []
    for number, row in enumerate(rows):
        names = [f"{name}_{number}_{column}" for column in columns]
        params.update(zip(names, row, strict=True))
        cells.append("(" + ", ".join(f"%({n})s" for n in names) + ")")
    return f"{name} ({', '.join(columns)}) AS (VALUES {', '.join(cells)})"


def _calendar_cte(periods: Iterable[Period], first_month: int, last_month: int, params: dict):
    """`periods` and `calendar` CTEs for the given periods, limited to months in range."""
    period_rows, month_rows = [], []
    for period in periods:
        months = [month for month in months_in(period) if first_month <= month <= last_month]
        if not months:
            continue
        number = len(period_rows)
        params.update(
            {
                f"p{number}_type": period.period_type,
                f"p{number}_label": period.label,
                f"p{number}_start": period.start,
                f"p{number}_first": months[0],
                f"p{number}_last": months[-1],
            }
        )
        period_rows.append(
            f"({number}, %(p{number}_type)s, %(p{number}_label)s, %(p{number}_start)s, "
            f"%(p{number}_first)s, %(p{number}_last)s)"
        )
        month_rows += [f"({month}, {number})" for month in months]
    if not period_rows:
        return None
    return f"""
periods (period_id, period_type, period, period_start, first_month, last_month) AS (
    VALUES {", ".join(period_rows)}
),
calendar (month, period_id) AS (
    VALUES {", ".join(month_rows)}
)"""


INSERT_DISTRIBUTION = """
INSERT INTO engagement_distribution
    (snapshot_id, period_type, period, period_start, scope, force_id, channel_id, platform,
     rung_position, citizens)"""


def _insert_rows(sql: str, params: dict, periods, first_month: int, last_month: int, **parts):
    """Run one of the INSERT statements below over a calendar; returns the rows written."""
    calendar = _calendar_cte(periods, first_month, last_month, params)
    if calendar is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(sql.format(insert=INSERT_DISTRIBUTION, calendar=calendar, **parts), params)
        return cursor.rowcount


RUNG_ZERO_SQL = """
{insert}
WITH {calendar},
engaged AS (
    SELECT force_id, period_type, period, SUM(citizens) AS citizens
    FROM engagement_distribution
    WHERE snapshot_id = %(snapshot)s AND scope = %(force_scope)s AND rung_position > 0
    GROUP BY force_id, period_type, period
)
SELECT %(snapshot)s, p.period_type, p.period, p.period_start, %(force_scope)s, f.id, NULL, '', 0,
       CASE
           WHEN f.population IS NULL THEN NULL
           WHEN f.population > COALESCE(e.citizens, 0) THEN f.population - COALESCE(e.citizens, 0)
           ELSE 0
       END
FROM forces_force f
CROSS JOIN periods p
LEFT JOIN engaged e
  ON e.force_id = f.id AND e.period_type = p.period_type AND e.period = p.period
WHERE f.population IS NOT NULL OR e.citizens IS NOT NULL
"""


def count_rung_zero(*, snapshot_id: int, first_month: int, horizon_month: int) -> int:
    """Write every force's rung 0 rows into the snapshot; returns rows written."""
    params: dict = {"snapshot": snapshot_id, "force_scope": Scope.FORCE.value}
    periods = periods_in_range(first_month, horizon_month)
    return _insert_rows(RUNG_ZERO_SQL, params, periods, first_month, horizon_month)


def rung_zero_is_current(*, snapshot_id: int, first_month: int, horizon_month: int) -> bool:
    """Whether a snapshot's rung 0 rows are what step 5 would write today (the populations may
    have changed since): an incremental run with nothing else to count then keeps the snapshot."""
    params: dict = {"snapshot": snapshot_id, "force_scope": Scope.FORCE.value}
    periods = periods_in_range(first_month, horizon_month)
    calendar = _calendar_cte(periods, first_month, horizon_month, params)
    if calendar is None:
        return True
    with connection.cursor() as cursor:
        cursor.execute(RUNG_ZERO_SQL.format(insert="", calendar=calendar), params)
        wanted = {(row[1], row[2], row[5], row[9]) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT period_type, period, force_id, citizens FROM engagement_distribution "
            "WHERE snapshot_id = %s AND scope = %s AND rung_position = 0",
            [snapshot_id, Scope.FORCE.value],
        )
        return set(cursor.fetchall()) == wanted


# ---------------------------------------------------------------------------------------------
# Step 6 (incremental runs only). Copy the figures that did not change.
# ---------------------------------------------------------------------------------------------
# A change in month m can only change periods that end in m or later: a new moment counts in its
# own month; a new opening or ending moves a state's span from m onwards and never before. A
# moved horizon lengthens only open states, from the old horizon's next month. So for each force
# the run recounts the periods ending at or after its `recount_from` month (step 4) and copies
# the rows of earlier periods from the previous snapshot; forces it did not recount at all are
# copied whole, at every scope (platform rows with their platform). Rung 0 is never copied
# (step 5 rewrites it).

COPY_SQL = """
{insert}
WITH {calendar}{recounted}
SELECT %(snapshot)s, d.period_type, d.period, d.period_start, d.scope, d.force_id, d.channel_id,
       d.platform, d.rung_position, d.citizens
FROM engagement_distribution d
JOIN periods p ON p.period_type = d.period_type AND p.period = d.period
{recount_join}
WHERE d.snapshot_id = %(previous)s AND d.rung_position > 0 {recount_filter}
"""


@dataclass(frozen=True)
class UnchangedCopy:
    """What an incremental run copies from the previous snapshot: the rows of the periods in
    range that end before their force's `recount_from` month (every row of a force missing from
    `recount_from`). The distributions here and the pairs (mobility, step M2) copy alike."""

    snapshot_id: int
    previous_snapshot_id: int
    recount_from: dict[int, int]
    first_month: int
    horizon_month: int

    def execute(self, sql: str, *, insert: str, alias: str) -> int:
        """Run a copy statement (`sql` with {insert}, {calendar}, {recounted}, {recount_join}
        and {recount_filter}) over the rows aliased `alias`; returns the rows written."""
        params: dict = {"snapshot": self.snapshot_id, "previous": self.previous_snapshot_id}
        periods = periods_in_range(self.first_month, self.horizon_month)
        calendar = _calendar_cte(periods, self.first_month, self.horizon_month, params)
        if calendar is None:
            return 0
        parts = {"recounted": "", "recount_join": "", "recount_filter": ""}
        if self.recount_from:
            rows = sorted(self.recount_from.items())
            parts = {
                "recounted": ",\n"
                + _values("recounted", ("force_id", "recount_from"), rows, params),
                "recount_join": f"LEFT JOIN recounted r ON r.force_id = {alias}.force_id",
                "recount_filter": "AND (r.recount_from IS NULL OR p.last_month < r.recount_from)",
            }
        with connection.cursor() as cursor:
            cursor.execute(sql.format(insert=insert, calendar=calendar, **parts), params)
            return cursor.rowcount


def copy_unchanged(copy: UnchangedCopy) -> int:
    """Copy rung 1 to 6 rows of periods not recounted from the previous snapshot."""
    return copy.execute(COPY_SQL, insert=INSERT_DISTRIBUTION, alias="d")


def periods_to_recount(first_month: int, horizon_month: int, recount_from: int | None):
    """The periods in range that end at or after `recount_from` (all of them when None)."""
    periods = periods_in_range(first_month, horizon_month)
    if recount_from is None:
        return periods
    return [period for period in periods if months_in(period)[-1] >= recount_from]


# ---------------------------------------------------------------------------------------------
# Step 7 (incremental runs, instead of steps 4 and 6 for a force). Counting by difference.
# ---------------------------------------------------------------------------------------------
# A person's rung in a period depends on their own rollup rows only, and the figures are sums
# over persons. So when an import only added interactions of a few citizens (StaleCitizen), the
# new figures are the previous snapshot's, minus those persons as the previous rollups count
# them, plus those persons as the rebuilt rollups count them: steps 4 and M1 over the changed
# persons only, with sign -1 before their rollup rows are rebuilt (only theirs) and +1 after,
# into a scratch table, then summed with the previous snapshot's rows of the force in one
# INSERT ... SELECT. The periods are those step 4 would recount (a change in month m moves
# nothing before m). Exact as long as the rollups are still what the previous snapshot counted
# (see recompute.RollupsAhead) and the range did not move; a link or an erasure changes persons
# without interactions of their own, so it asks for a recount instead.

CHANGED_TABLES_SQL = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS ladder_changed_citizens (citizen_id bigint PRIMARY KEY)",
    "CREATE TEMPORARY TABLE IF NOT EXISTS ladder_changed_persons (citizen_id bigint PRIMARY KEY)",
    """CREATE TEMPORARY TABLE IF NOT EXISTS ladder_difference (
        snapshot_id bigint, period_type text, period text, period_start date,
        scope text, force_id bigint, channel_id bigint, platform text,
        rung_position integer, citizens bigint)""",
    """CREATE TEMPORARY TABLE IF NOT EXISTS ladder_moves_difference (
        snapshot_id bigint, period_type text, from_period text,
        to_period text, force_id bigint, from_rung integer, to_rung integer,
        citizens bigint)""",
)
SCRATCH_TABLES = (
    "ladder_changed_citizens",
    "ladder_changed_persons",
    "ladder_difference",
    "ladder_moves_difference",
)

CHANGED_CITIZENS_SQL = """
INSERT INTO ladder_changed_citizens (citizen_id)
SELECT DISTINCT citizen_id FROM engagement_stalecitizen
WHERE force_id = %(force)s AND citizen_id IS NOT NULL {months}
"""

# Every identifier of the changed citizens' persons: themselves, and through the person table
# their person and everyone else in it.
CHANGED_PERSONS_SQL = """
INSERT INTO ladder_changed_persons (citizen_id)
SELECT citizen_id FROM ladder_changed_citizens
UNION
SELECT lp.person
FROM ladder_changed_citizens c
JOIN engagement_linkedcitizen lp ON lp.citizen_id = c.citizen_id AND lp.force_id = %(force)s
UNION
SELECT other.citizen_id
FROM ladder_changed_citizens c
JOIN engagement_linkedcitizen lp ON lp.citizen_id = c.citizen_id AND lp.force_id = %(force)s
JOIN engagement_linkedcitizen other ON other.person = lp.person AND other.force_id = %(force)s
"""

INSERT_DIFFERENCE = INSERT_DISTRIBUTION.replace("engagement_distribution", "ladder_difference")

APPLY_DIFFERENCE_SQL = """
{insert}
SELECT %(snapshot)s, period_type, period, period_start, scope, force_id, channel_id, platform,
       rung_position, SUM(citizens)
FROM (
    SELECT period_type, period, period_start, scope, force_id, channel_id, platform,
           rung_position, citizens
    FROM engagement_distribution
    WHERE snapshot_id = %(previous)s AND force_id = %(force)s AND rung_position > 0
    UNION ALL
    SELECT period_type, period, period_start, scope, force_id, channel_id, platform,
           rung_position, citizens
    FROM ladder_difference
) figures
GROUP BY period_type, period, period_start, scope, force_id, channel_id, platform, rung_position
HAVING SUM(citizens) > 0
"""


@dataclass(frozen=True)
class Difference:
    """One force's counting by difference, from `start` (the changed citizens of `months`
    into scratch tables) to `apply` (the previous snapshot's rows plus the difference)."""

    snapshot_id: int
    previous_snapshot_id: int
    force_id: int

    @property
    def params(self) -> dict:
        return {
            "snapshot": self.snapshot_id,
            "previous": self.previous_snapshot_id,
            "force": self.force_id,
        }

    def start(self, *, months: Iterable[int]) -> None:
        """The scratch tables, with the citizens marked changed in `months` and their persons.

        Temporary tables live as long as the connection: made once, emptied for each force
        (creating and dropping them for every force cost more than most forces' counting).
        """
        params = self.params
        with connection.cursor() as cursor:
            for statement in CHANGED_TABLES_SQL:
                cursor.execute(statement)
            self._empty(cursor)
            cursor.execute(
                CHANGED_CITIZENS_SQL.format(months=_month_filter(months, "local_month", params)),
                params,
            )
            cursor.execute(CHANGED_PERSONS_SQL, params)

    def apply(self, sql: str, *, insert: str) -> int:
        """Write the force's rows into the snapshot with `sql` (a statement like
        APPLY_DIFFERENCE_SQL with {insert}); returns the rows written."""
        with connection.cursor() as cursor:
            cursor.execute(sql.format(insert=insert), self.params)
            return cursor.rowcount

    def finish(self) -> None:
        """Empty the scratch tables: no citizen id stays behind in the connection."""
        with connection.cursor() as cursor:
            self._empty(cursor)

    @staticmethod
    def _empty(cursor) -> None:
        for table in SCRATCH_TABLES:
            cursor.execute(f"DELETE FROM {table}")


def apply_difference(difference: Difference) -> int:
    """The force's rung 1 to 6 rows: the previous snapshot's plus the difference."""
    return difference.apply(APPLY_DIFFERENCE_SQL, insert=INSERT_DISTRIBUTION)
