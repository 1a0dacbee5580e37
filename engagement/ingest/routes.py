"""Importing routes: the ways in each force offers to each rung (the routes CSV).

`force,rung_position,name,channel,url,opens_on,closes_on`; `channel`, `url` and `closes_on` may
be empty; dates are `YYYY-MM-DD` (Europe/London days, both included). A route is its force and
name: a route held already is updated to the file's values (importing the same file again
changes nothing), never doubled. Every row is checked first; one bad row and nothing is written.
"""

from __future__ import annotations

import re
from datetime import date
from typing import IO

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from engagement.ingest.rows import (
    DEFAULT_REQUEST,
    Column,
    ImportRequest,
    ImportResult,
    Problems,
    check_url,
    checked_row,
    csv_rows,
    import_service,
    record_result,
    reject_if_problems,
)
from engagement.models import ImportBatch
from forces.models import ROUTE_RUNGS, Channel, Force, Route

ROUTE_COLUMNS = (
    Column("force", 64),
    Column("rung_position", 8),
    Column("name", 200),
    Column("channel", 64, required=False),
    Column("url", 500, required=False),
    Column("opens_on", 10),
    Column("closes_on", 10, required=False),
)
# What an import sets on a route (its force and name find it).
ROUTE_FIELDS = ("rung_position", "channel_id", "url", "opens_on", "closes_on")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _day(text: str) -> date | None:
    """A YYYY-MM-DD day, or None when the text is not one."""
    if not DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _checked(line: int, row: dict[str, str], problems: Problems) -> dict[str, object] | None:
    """A row's values as a route's (force and channel still slugs), or None with its problems."""
    before = problems.count
    rung = row["rung_position"]
    low, high = ROUTE_RUNGS
    if not rung.isdigit() or not low <= int(rung) <= high:
        problems.add(line, "rung_position", f"is not a rung from {low} to {high}")
    if not row["name"]:
        problems.add(line, "name", "is empty")
    check_url(line, row["url"], problems)
    opens_on = _day(row["opens_on"])
    if opens_on is None:
        problems.add(line, "opens_on", "is not a date (YYYY-MM-DD)")
    closes_on = _day(row["closes_on"]) if row["closes_on"] else None
    if row["closes_on"] and closes_on is None:
        problems.add(line, "closes_on", "is not a date (YYYY-MM-DD)")
    elif opens_on and closes_on and closes_on < opens_on:
        problems.add(line, "closes_on", "is before opens_on: a route cannot close before it opens")
    if problems.count != before:
        return None
    return {
        "rung_position": int(rung),
        "url": row["url"],
        "opens_on": opens_on,
        "closes_on": closes_on,
    }


@import_service
def import_routes(*, source: IO[bytes], request: ImportRequest = DEFAULT_REQUEST) -> ImportResult:
    """Import a routes CSV: every route created or updated, or nothing and ImportRejected.

    `created` counts new routes, `updated` held routes the file changes, `duplicates` held
    routes it leaves as they are.
    """
    problems = Problems("line")
    known_forces = dict(Force.objects.values_list("slug", "pk"))
    channels = {
        (force, slug): pk
        for pk, force, slug in Channel.objects.values_list("pk", "force__slug", "slug")
    }
    held = {
        (route.force.slug, route.name): route for route in Route.objects.select_related("force")
    }
    seen: dict[tuple[str, str], int] = {}
    new: list[Route] = []
    changed: list[Route] = []
    rows_read = 0
    for line, raw in csv_rows(
        source, columns=ROUTE_COLUMNS, problems=problems, progress=request.progress
    ):
        rows_read += 1
        row = checked_row(line, raw, columns=ROUTE_COLUMNS, problems=problems)
        if row is None:
            continue
        row = {name: value.strip() for name, value in row.items()}
        force = row["force"]
        if wrong_force := request.force_problem(force, known_forces):
            problems.add(line, "force", wrong_force)
            continue
        values = _checked(line, row, problems)
        channel_id = channels.get((force, row["channel"])) if row["channel"] else None
        if row["channel"] and channel_id is None:
            # A known force's slug, so naming it quotes no one; the cell itself is not repeated.
            problems.add(line, "channel", f"is not a channel of {force}")
            continue
        key = (force, row["name"])
        if key in seen:
            problems.add(line, "name", f"line {seen[key]} has a route of {force} by this name")
            continue
        seen[key] = line
        if values is None:
            continue
        values["channel_id"] = channel_id
        route = held.get(key)
        if route is None:
            new.append(Route(force_id=known_forces[force], name=row["name"], **values))
        elif any(getattr(route, name) != values[name] for name in ROUTE_FIELDS):
            for name in ROUTE_FIELDS:
                setattr(route, name, values[name])
            changed.append(route)
    reject_if_problems(problems, kind=ImportBatch.Kind.ROUTES, rows_read=rows_read, request=request)
    result = ImportResult(
        rows_read=rows_read,
        created=len(new),
        duplicates=rows_read - len(new) - len(changed),
        updated=len(changed),
        dry_run=request.dry_run,
    )
    with transaction.atomic():
        if not request.dry_run:
            bulk_create_with_history(new, Route, default_user=request.user)
            bulk_update_with_history(changed, Route, list(ROUTE_FIELDS), default_user=request.user)
        record_result(result, kind=ImportBatch.Kind.ROUTES, request=request)
    return result
