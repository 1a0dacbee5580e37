"""Importing channels: the accounts and programmes interactions are recorded against."""

from __future__ import annotations

import re
from typing import IO

from django.db import transaction
from simple_history.utils import bulk_create_with_history

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
from forces.models import CHANNEL_SLUG_PATTERN, CHANNEL_SLUG_RULE, Channel, Force, Platform

CHANNEL_COLUMNS = (
    Column("force", 64),
    Column("channel", 64),
    Column("platform", 16),
    Column("name", 200),
    Column("team", 200, required=False),
    Column("url", 500, required=False),
)
SLUG = re.compile(CHANNEL_SLUG_PATTERN)


@import_service
def import_channels(*, source: IO[bytes], request: ImportRequest = DEFAULT_REQUEST) -> ImportResult:
    """Import a channels CSV: all new channels, or none and ImportRejected.

    A channel already held (same force and slug, same platform) is a duplicate and left as it
    is. A held channel on another platform is a problem: its citizens' pseudonyms depend on it.
    """
    problems = Problems("line")
    known_forces = dict(Force.objects.values_list("slug", "pk"))
    held = {
        (force_slug, slug): platform
        for force_slug, slug, platform in Channel.objects.values_list(
            "force__slug", "slug", "platform"
        )
    }
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    new: list[Channel] = []
    rows_read = 0
    for line, raw in csv_rows(
        source, columns=CHANNEL_COLUMNS, problems=problems, progress=request.progress
    ):
        rows_read += 1
        row = checked_row(line, raw, columns=CHANNEL_COLUMNS, problems=problems)
        if row is None:
            continue
        row = {name: value.strip() for name, value in row.items()}
        before = problems.count
        force, slug, platform = row["force"], row["channel"], row["platform"]
        if wrong_force := request.force_problem(force, known_forces):
            problems.add(line, "force", wrong_force)
        if not SLUG.match(slug):
            problems.add(line, "channel", f"is not a slug (it {CHANNEL_SLUG_RULE})")
        if platform not in Platform.values:
            problems.add(
                line,
                "platform",
                f"is not a platform (one of {', '.join(Platform.values)})",
            )
        if not row["name"]:
            problems.add(line, "name", "is empty")
        check_url(line, row["url"], problems)
        key = (force, slug)
        if problems.count != before:
            continue  # the checks below name the force and slug: only once both are valid
        if key in seen and seen[key][1] != platform:
            problems.add(
                line,
                "platform",
                f"line {seen[key][0]} has channel {force}/{slug} on {seen[key][1]}",
            )
        elif key in held and held[key] != platform:
            problems.add(
                line,
                "platform",
                f"channel {force}/{slug} is held on {held[key]}; a channel's platform "
                "cannot change",
            )
        if problems.count != before or key in seen or key in held:
            continue
        seen[key] = (line, platform)
        new.append(
            Channel(
                force_id=known_forces[force],
                slug=slug,
                platform=platform,
                name=row["name"],
                team=row["team"],
                url=row["url"],
            )
        )
    reject_if_problems(
        problems, kind=ImportBatch.Kind.CHANNELS, rows_read=rows_read, request=request
    )
    result = ImportResult(
        rows_read=rows_read,
        created=len(new),
        duplicates=rows_read - len(new),
        dry_run=request.dry_run,
    )
    with transaction.atomic():
        if not request.dry_run:
            bulk_create_with_history(new, Channel, default_user=request.user)
        record_result(result, kind=ImportBatch.Kind.CHANNELS, request=request)
    return result
