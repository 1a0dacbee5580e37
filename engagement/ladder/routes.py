"""Routes: are the top rungs open, and does anyone take them? The rules and their SQL.

A route is a way in that a force offers to one rung (forces.models.Route). Counting people on the
ladder cannot tell a rung nobody reaches from one nobody is offered; routes can. For a force, a
period and a rung:

- the rung is **open** when at least one of its routes is open on some day of the period: the
  route opens on or before the period's last day and has not closed before its first day (both
  dates are Europe/London days and both are included, so a route opening on the last day, or
  closing on the first, is open in that period); otherwise it is **closed**;
- a route's **use** is the citizens whose rung on the route's channel in that period is the
  route's rung or higher: the channel-scope distribution of the published figures, added up from
  the route's rung to the top. A route without a channel has no use figure (unknown, never 0).

So a force sees a rung it offers that nobody takes (open, use 0) and a rung people reach with no
route offered (closed, yet citizens counted there).

The rules are written twice: `is_open` in Python for one route, and `_ROUTES_SQL` for every route
and period at once (the readers use the SQL); tests hold them to the same cases.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection

from engagement.choices import Scope
from engagement.ladder.periods import Period, month_of_index, months_in
from engagement.models import Distribution
from forces.models import Channel, Force, Route


def last_day(period: Period) -> date:
    """The last day of a period (the day before the next period's first)."""
    year, month = month_of_index(months_in(period).stop)
    return date(year, month, 1) - timedelta(days=1)


def is_open(*, opens_on: date, closes_on: date | None, period: Period) -> bool:
    """Whether a route open from `opens_on` to `closes_on` (both included; None: still open) is
    open on some day of `period`."""
    return opens_on <= last_day(period) and (closes_on is None or closes_on >= period.start)


@dataclass(frozen=True)
class RouteInPeriod:
    """One route in one period: whether it is open, and its use (None: it has no channel)."""

    route_id: int
    force: str
    force_name: str
    region: str
    rung_position: int
    route: str
    channel: str | None
    channel_id: int | None
    url: str
    opens_on: date
    closes_on: date | None
    period_type: str
    period: str
    period_start: date
    open: bool
    use: int | None


# Every route crossed with every period asked for. `open` is `is_open` in SQL; `use` adds up, for
# each route and period at once, the channel-scope rows of the route's channel from its rung up
# (read through the channel's index, once); the store leaves out rows of 0, so a channel nobody
# used in the period is 0, and a route without a channel is NULL.
_ROUTES_SQL = """
WITH periods (period_type, period, period_start, period_end) AS (VALUES {periods}),
uses AS (
    SELECT u.id AS route_id, d.period_type, d.period, SUM(d.citizens) AS citizens
    FROM {route} u
    JOIN {distribution} d
      ON d.channel_id = u.channel_id AND d.rung_position >= u.rung_position
    WHERE d.snapshot_id = %(snapshot)s AND d.scope = %(channel_scope)s
    GROUP BY u.id, d.period_type, d.period
)
SELECT r.id AS route_id, f.slug AS force, f.name AS force_name, f.region AS region,
       r.rung_position, r.name AS route, c.slug AS channel, r.channel_id, r.url,
       r.opens_on, r.closes_on, p.period_type, p.period, p.period_start,
       CASE WHEN r.opens_on <= p.period_end
                 AND (r.closes_on IS NULL OR r.closes_on >= p.period_start)
            THEN 1 ELSE 0 END AS open,
       CASE WHEN r.channel_id IS NOT NULL THEN COALESCE(uses.citizens, 0) END AS use
FROM {route} r
JOIN {force} f ON f.id = r.force_id
LEFT JOIN {channel} c ON c.id = r.channel_id
CROSS JOIN periods p
LEFT JOIN uses
  ON uses.route_id = r.id AND uses.period_type = p.period_type AND uses.period = p.period
WHERE 1 = 1 {conditions}
ORDER BY p.period_type, p.period_start, f.slug, r.rung_position, r.name
"""


def routes_in_periods(
    *, snapshot_id: int | None, periods: Sequence[Period], forces: Collection[str] = ()
) -> list[RouteInPeriod]:
    """Every route (of `forces`, or all) in every period given, with `open` and `use` from the
    snapshot's channel-scope figures (one query). No snapshot: every use with a channel is 0."""
    if not periods:
        return []
    params: dict[str, object] = {"snapshot": snapshot_id or -1, "channel_scope": Scope.CHANNEL}
    values = []
    for index, period in enumerate(periods):
        names = [f"p{index}_{part}" for part in ("type", "label", "start", "end")]
        params.update(
            zip(
                names,
                (period.period_type, period.label, period.start, last_day(period)),
                strict=True,
            )
        )
        values.append("(" + ", ".join(f"%({name})s" for name in names) + ")")
    conditions = ""
    if forces:
        names = {f"force_{index}": slug for index, slug in enumerate(sorted(forces))}
        params.update(names)
        conditions = f"AND f.slug IN ({', '.join(f'%({name})s' for name in names)})"
    sql = _ROUTES_SQL.format(
        periods=", ".join(values),
        distribution=Distribution._meta.db_table,
        route=Route._meta.db_table,
        force=Force._meta.db_table,
        channel=Channel._meta.db_table,
        conditions=conditions,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    return [
        RouteInPeriod(
            **{
                **row,
                "open": bool(row["open"]),
                "opens_on": _day(row["opens_on"]),
                "closes_on": _day(row["closes_on"]),
                "period_start": _day(row["period_start"]),
            }
        )
        for row in rows
    ]


def _day(value: date | str | None) -> date | None:
    """A date as a date (SQLite returns computed and VALUES dates as text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
